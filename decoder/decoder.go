// Package decoder restores packet captures from the .mqz format, byte for byte: it checks
// the container (package wire), decodes the range-coded stream (package arith) with the same
// shared coding loop the encoder ran (package codec) and checks the result against the
// trailer's length and CRC.
package decoder

import (
	"errors"
	"fmt"
	"io"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/codec"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/model"
	"github.com/mqzip/mqzip/wire"
)

// ErrModel reports a file made with models other than this build's.
var ErrModel = errors.New("decoder: unknown model")

// ErrMismatch reports a decoded capture whose length or CRC differs from the trailer's.
var ErrMismatch = errors.New("decoder: restored capture does not match the original's checksum")

// Reader is an io.Reader of the capture restored from a .mqz stream.
type Reader struct {
	wr   *wire.Reader
	cr   *countingReader
	dec  *codec.Decoder
	ad   *arith.Decoder
	buf  []byte
	size int64
	crc  uint32
	err  error
	end  bool
}

// Config tunes a Reader. The zero value is the default.
type Config struct {
	// Model is the LSTM that the file was coded with, for a file coded with one (its header
	// says whether it was); nil selects the default model (package model).
	Model *lstm.Quantized
}

// NewReader checks the header of the .mqz stream r and returns a Reader of the capture.
func NewReader(r io.Reader) (*Reader, error) { return NewReaderConfig(r, Config{}) }

// NewReaderConfig is NewReader with a configuration.
func NewReaderConfig(r io.Reader, cfg Config) (*Reader, error) {
	wr, err := wire.NewReader(r)
	if err != nil {
		return nil, err
	}
	h := wr.Header()
	if h.Options&^wire.OptLSTM != 0 {
		return nil, fmt.Errorf("%w: codec options %#02x, which this build does not know", ErrModel, h.Options)
	}
	var opt codec.Options
	if h.Options&wire.OptLSTM != 0 {
		if opt.Model = cfg.Model; opt.Model == nil {
			if opt.Model, err = model.Default(); err != nil {
				return nil, err
			}
		}
	}
	if want := codec.ModelID(opt); h.ModelID != want {
		which := "without an LSTM"
		if opt.Model != nil {
			which = "with LSTM " + opt.Model.ID().String()
		}
		return nil, fmt.Errorf("%w: the file was made with model %x, this build's (codec models v%d %s) is model %x: decompress it with the mqzip build and the -m model that made it",
			ErrModel, h.ModelID[:8], codec.ModelVersion, which, want[:8])
	}
	cr := &countingReader{r: wr}
	ad := arith.NewDecoder(cr)
	dec, err := codec.NewDecoder(ad, opt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	return &Reader{wr: wr, cr: cr, ad: ad, dec: dec}, nil
}

// Read reads restored capture bytes.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.end {
			r.err = r.finish()
			if r.err == nil {
				r.err = io.EOF
			}
			return 0, r.err
		}
		kind, b, err := r.dec.Block()
		if err != nil {
			r.err = fmt.Errorf("decoder: after %d bytes restored: %w", r.size, err)
			return 0, r.err
		}
		if kind == codec.KindEnd {
			r.end = true
			continue
		}
		r.size += int64(len(b))
		r.crc = wire.UpdateChecksum(r.crc, b)
		r.buf = b
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// finish reads the rest of the container and checks the trailer.
func (r *Reader) finish() error {
	if err := r.ad.EndMessage(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("decoder: end of stream: %w", err)
	}
	// The range decoder reads ahead; what it read must be exactly the coded stream, no more.
	if r.cr.n != r.ad.Offset() {
		return fmt.Errorf("%w: %d coded bytes after the end of the stream", wire.ErrFormat, r.cr.n-r.ad.Offset())
	}
	if _, err := r.wr.ReadByte(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("%w: coded bytes after the end of the stream", wire.ErrFormat)
		}
		return err
	}
	t := r.wr.Trailer()
	if t.Size != r.size || t.CRC != r.crc {
		return fmt.Errorf("%w: %d bytes with CRC %08x, the original had %d bytes with CRC %08x", ErrMismatch, r.size, r.crc, t.Size, t.CRC)
	}
	return nil
}

// countingReader counts the bytes the range decoder takes from the container.
type countingReader struct {
	r *wire.Reader
	n int64
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}
