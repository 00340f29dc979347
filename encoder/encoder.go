// Package encoder compresses packet captures into the .mqz format: it splits the capture into
// its blocks (package capture), codes them with the shared coding loop (package codec) through
// a range coder (package arith) and frames the result (package wire).
package encoder

import (
	"errors"
	"fmt"
	"io"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/capture"
	"github.com/mqzip/mqzip/codec"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/model"
	"github.com/mqzip/mqzip/wire"
)

// Stats says what Encode did.
type Stats struct {
	In      int64       // bytes of capture read
	Out     int64       // bytes of .mqz written
	Blocks  int         // capture blocks coded
	Frames  int         // of them, packets
	Opaque  int64       // bytes coded as opaque (not parseable as a capture)
	ParseAt int64       // offset where parsing stopped, or -1
	Reason  error       // why parsing stopped, if it did
	Bits    codec.Stats // where the bits went (with Config.Stats)
}

// Config tunes Encode. The zero value is the default.
type Config struct {
	// Stats measures where the bits go (Stats.Bits); it slows compression a little.
	Stats bool
	// Model is the LSTM that predicts MQTT packet bodies beside the context models; nil
	// selects the default model (package model), unless ContextOnly is set.
	Model *lstm.Quantized
	// ContextOnly codes with the context models alone, without an LSTM: faster, and the
	// file decodes without the model.
	ContextOnly bool
}

// options returns the codec options and the container's options byte for cfg.
func (cfg Config) options() (codec.Options, byte, error) {
	if cfg.ContextOnly {
		return codec.Options{}, 0, nil
	}
	q := cfg.Model
	if q == nil {
		var err error
		if q, err = model.Default(); err != nil {
			return codec.Options{}, 0, err
		}
	}
	return codec.Options{Model: q}, wire.OptLSTM, nil
}

// Encode compresses the capture read from r and writes the .mqz file to w. Input that is not a
// valid capture is still compressed losslessly (from the first byte that does not parse, as
// opaque bytes); Stats.Reason says why.
func Encode(w io.Writer, r io.Reader) (Stats, error) { return EncodeConfig(w, r, Config{}) }

// EncodeConfig is Encode with a configuration.
func EncodeConfig(w io.Writer, r io.Reader, cfg Config) (Stats, error) {
	st := Stats{ParseAt: -1}
	opt, flags, err := cfg.options()
	if err != nil {
		return st, err
	}
	ww, err := wire.NewWriter(w, wire.Header{ModelID: codec.ModelID(opt), Options: flags})
	if err != nil {
		return st, err
	}
	ae := arith.NewEncoder(ww)
	enc, err := codec.NewEncoder(ae, opt)
	if err != nil {
		return st, err
	}
	if cfg.Stats {
		enc.Measure()
	}
	tee := &keeper{r: r}
	crc := uint32(0)
	emit := func(kind codec.Kind, b []byte) error {
		crc = wire.UpdateChecksum(crc, b)
		st.In += int64(len(b))
		st.Blocks++
		return enc.Block(kind, b)
	}
	cr, perr := capture.NewReader(tee)
	for perr == nil {
		var blk *capture.Block
		blk, perr = cr.NextBlock()
		if perr != nil {
			break
		}
		kind := codec.KindNgBlock
		switch blk.Kind {
		case capture.BlockPcapHeader:
			kind = codec.KindPcapHeader
		case capture.BlockPcapRecord:
			kind = codec.KindPcapRecord
		}
		if blk.Frame != nil {
			st.Frames++
		}
		if err := emit(kind, blk.Raw); err != nil {
			return st, err
		}
		tee.consumed(st.In)
	}
	if perr != io.EOF {
		// Code the rest as opaque bytes: what the reader buffered past the last block, then
		// the remainder of the input.
		st.ParseAt, st.Reason = st.In, perr
		rest := io.MultiReader(tee.pending(st.In), r)
		buf := make([]byte, codec.MaxOpaque)
		for {
			n, err := io.ReadFull(rest, buf)
			if n > 0 {
				st.Opaque += int64(n)
				if err := emit(codec.KindOpaque, buf[:n]); err != nil {
					return st, err
				}
			}
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return st, fmt.Errorf("encoder: reading input: %w", err)
			}
		}
	}
	if err := enc.Block(codec.KindEnd, nil); err != nil {
		return st, err
	}
	if err := ae.Close(); err != nil {
		return st, err
	}
	if err := ww.Close(wire.Trailer{Size: st.In, CRC: crc}); err != nil {
		return st, err
	}
	st.Out = ww.Size()
	st.Bits = enc.Stats()
	return st, nil
}

// keeper passes reads through and keeps the bytes read past the last block boundary, so that
// when the capture stops parsing, the bytes the capture reader had buffered are not lost.
type keeper struct {
	r    io.Reader
	keep []byte
	base int64 // input offset of keep[0]
}

func (k *keeper) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	k.keep = append(k.keep, p[:n]...)
	return n, err
}

// consumed drops the kept bytes before input offset off.
func (k *keeper) consumed(off int64) {
	d := int(off - k.base)
	if d <= 0 {
		return
	}
	if d >= len(k.keep) {
		k.base += int64(len(k.keep))
		k.keep = k.keep[:0]
		return
	}
	if d > len(k.keep)/2 || d > 1<<20 {
		k.keep = k.keep[:copy(k.keep, k.keep[d:])]
		k.base = off
	}
}

// pending returns a reader of the kept bytes from input offset off.
func (k *keeper) pending(off int64) io.Reader {
	d := int(off - k.base)
	if d < 0 || d > len(k.keep) {
		d = len(k.keep)
	}
	return &sliceReader{b: k.keep[d:]}
}

type sliceReader struct{ b []byte }

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}
