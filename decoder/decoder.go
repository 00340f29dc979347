// Package decoder restores packet captures from the .mqz format, byte for byte: it checks
// the container (package wire), decodes each segment's range-coded stream (package arith)
// with the same shared coding loop the encoder ran (package codec) and checks the result
// against the segment's length and CRC and the trailer's.
//
// Segments are decoded on Config.Concurrency goroutines at once, as the container delivers
// them, and handed out in order. At most Concurrency+1 segments are in memory (those being
// decoded or waiting, and the one being read), each at most Config.MaxSegment bytes of capture
// and twice that of coded bytes: a damaged or hostile length is an error, not an allocation.
// Errors come in stream order: the capture bytes before the first fault are returned first.
package decoder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/codec"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/model"
	"github.com/mqzip/mqzip/wire"
)

// ErrModel reports a file made with models other than this build's.
var ErrModel = errors.New("decoder: unknown model")

// ErrMismatch reports a decoded capture whose length or CRC differs from the trailer's or a
// segment's.
var ErrMismatch = errors.New("decoder: restored capture does not match the original's checksum")

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("decoder: invalid configuration")

// errCanceled stops the decoding of the segments in flight once the Reader has failed.
var errCanceled = errors.New("decoder: canceled")

// Config tunes a Reader. The zero value is the default.
type Config struct {
	// Model is the LSTM that the file was coded with, for a file coded with one (its header
	// says whether it was); nil selects the default model (package model).
	Model *lstm.Quantized
	// Concurrency is how many segments are decoded at once (0: runtime.GOMAXPROCS(0)).
	Concurrency int
	// MaxSegment is the largest segment, in capture bytes, that the Reader accepts (0:
	// wire.MaxSegment, the largest a file can hold); larger ones fail with wire.ErrLimit. An
	// encoder cuts segments at the size its header records, but a single block (a packet of
	// up to 64 MiB) may make a segment larger. The Reader's memory is about (Concurrency+1)
	// × 3 × MaxSegment at most, plus the models (up to 88 MiB a goroutine).
	MaxSegment int
}

// CheckHeader returns an error unless the .mqz header h names this build's models (with the
// default LSTM, for a file coded with an LSTM).
func CheckHeader(h wire.Header) error {
	_, err := HeaderOptions(h, nil)
	return err
}

// HeaderOptions returns the codec options that decode a file of header h: with the LSTM m
// (nil: the default model) if the header says the file was coded with an LSTM. It fails,
// wrapping ErrModel, unless the header names these models.
func HeaderOptions(h wire.Header, m *lstm.Quantized) (codec.Options, error) {
	var opt codec.Options
	if h.Options&^wire.OptLSTM != 0 {
		return opt, fmt.Errorf("%w: codec options %#02x, which this build does not know", ErrModel, h.Options)
	}
	if h.Options&wire.OptLSTM != 0 {
		if opt.Model = m; opt.Model == nil {
			var err error
			if opt.Model, err = model.Default(); err != nil {
				return opt, err
			}
		}
	}
	if want := codec.ModelID(opt); h.ModelID != want {
		which := "without an LSTM"
		if opt.Model != nil {
			which = "with LSTM " + opt.Model.ID().String()
		}
		return opt, fmt.Errorf("%w: the file was made with model %x, this build's (codec models v%d %s) is model %x: decompress it with the mqzip build and the -m model that made it",
			ErrModel, h.ModelID[:8], codec.ModelVersion, which, want[:8])
	}
	return opt, nil
}

// Reader is an io.Reader (and io.WriterTo) of the capture restored from a .mqz stream. It
// decodes segments on goroutines of its own; a Reader dropped before its end leaves them to
// finish the segments they hold, and they stop at the next block once it has failed.
type Reader struct {
	wr       *wire.Reader
	conc     int
	size     int // the header's segment size
	queue    []*job
	wireErr  error    // what the container said after the segments queued (io.EOF at its end)
	prev     *job     // the segment read before
	buf      []byte   // what remains to be read of the current segment's bytes
	cur      []byte   // all of them
	free     [][]byte // buffers of segments read, for the next ones
	n        int64    // bytes restored
	crc      uint32
	err      error
	canceled atomic.Bool
	models   codec.Pool // the model tables of decoded segments, for the next ones
	opt      codec.Options
}

// NewReader checks the header of the .mqz stream r and returns a Reader of the capture.
func NewReader(r io.Reader) (*Reader, error) { return NewReaderConfig(r, Config{}) }

// NewReaderConfig is NewReader with a configuration.
func NewReaderConfig(r io.Reader, cfg Config) (*Reader, error) {
	conc := cfg.Concurrency
	if conc < 0 || cfg.MaxSegment < 0 {
		return nil, fmt.Errorf("%w: concurrency %d, max segment %d", ErrConfig, cfg.Concurrency, cfg.MaxSegment)
	}
	if conc == 0 {
		conc = runtime.GOMAXPROCS(0)
	}
	wr, err := wire.NewReader(r, cfg.MaxSegment)
	if err != nil {
		return nil, err
	}
	opt, err := HeaderOptions(wr.Header(), cfg.Model)
	if err != nil {
		return nil, err
	}
	return &Reader{wr: wr, conc: conc, size: int(wr.Header().SegmentSize), opt: opt}, nil
}

// Read reads restored capture bytes.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if err := r.next(); err != nil {
			r.err = err
			if err != io.EOF {
				r.canceled.Store(true)
			}
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// WriteTo writes the restored capture to w, a segment at a time (io.Copy uses it).
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.buf) > 0 {
			n, err := w.Write(r.buf)
			total += int64(n)
			r.buf = r.buf[n:]
			if err != nil {
				r.err = err
				r.canceled.Store(true)
				return total, err
			}
		}
		if r.err != nil {
			if r.err == io.EOF {
				return total, nil
			}
			return total, r.err
		}
		if err := r.next(); err != nil {
			r.err = err
			if err != io.EOF {
				r.canceled.Store(true)
			}
		}
	}
}

// buffer returns an empty buffer for n decoded bytes, reusing one of a segment read if it is
// large enough. (n is within the limit; the pages of a new buffer are not touched until
// written.)
func (r *Reader) buffer(n int) []byte {
	for i, b := range r.free {
		if cap(b) >= n {
			r.free = append(r.free[:i], r.free[i+1:]...)
			return b[:0]
		}
	}
	if len(r.free) > 0 {
		r.free = r.free[1:] // too small: let it go
	}
	return make([]byte, 0, n)
}

// fill starts decoding segments until conc are in flight or the container has none left.
func (r *Reader) fill() {
	for len(r.queue) < r.conc && r.wireErr == nil {
		seg, err := r.wr.Next()
		if err != nil {
			r.wireErr = err
			return
		}
		j := &job{seg: seg, done: make(chan struct{}), out: r.buffer(seg.Size)}
		r.queue = append(r.queue, j)
		go func() {
			defer close(j.done)
			j.err = j.decode(&r.canceled, &r.models, r.opt)
		}()
	}
}

// next makes the next segment's bytes the ones to read: io.EOF at the end, once everything
// is checked.
func (r *Reader) next() error {
	r.fill()
	if len(r.queue) == 0 {
		if r.wireErr != io.EOF {
			return r.wireErr
		}
		return r.finish()
	}
	j := r.queue[0]
	<-j.done
	r.queue = r.queue[1:]
	if j.err != nil {
		return fmt.Errorf("decoder: segment %d (capture offset %d): %w", j.seg.Index, j.seg.Start, j.err)
	}
	if err := r.canonical(j); err != nil {
		return fmt.Errorf("decoder: segment %d (capture offset %d): %w", j.seg.Index, j.seg.Start, err)
	}
	r.n += int64(len(j.out))
	r.crc = wire.UpdateChecksum(r.crc, j.out)
	if r.cur != nil { // read to its end: the next segments may decode into it
		r.free = append(r.free, r.cur)
	}
	r.buf, r.cur = j.out, j.out
	j.out = nil
	r.prev = j
	r.fill() // decode the next segments while this one is read
	return nil
}

// canonical checks that segment j is where the encoder puts one and starts where the segment
// before ended: the stream is then the one the encoder writes for the capture, and a segment
// decoded on its own (DecodeSegment) gives what it gives in the stream.
func (r *Reader) canonical(j *job) error {
	switch {
	case r.prev == nil && !j.start.IsZero():
		return fmt.Errorf("%w: the first segment starts with context %+v", codec.ErrCorrupt, j.start)
	case r.prev != nil && !j.start.Equal(r.prev.end):
		return fmt.Errorf("%w: the segment starts with context %+v, the one before ended with %+v", codec.ErrCorrupt, j.start, r.prev.end)
	case j.blocks > 1 && j.seg.Size > r.size:
		return fmt.Errorf("%w: %d blocks of %d bytes in all, past the segment size %d", codec.ErrCorrupt, j.blocks, j.seg.Size, r.size)
	case r.prev != nil && r.prev.seg.Size+j.first <= r.size:
		return fmt.Errorf("%w: the segment's first block (%d bytes) would have fit in the one before (%d bytes of %d)", codec.ErrCorrupt, j.first, r.prev.seg.Size, r.size)
	}
	return nil
}

// finish checks the whole capture against the trailer.
func (r *Reader) finish() error {
	t := r.wr.Trailer()
	if t.Size != r.n || t.CRC != r.crc {
		return fmt.Errorf("%w: %d bytes with CRC %08x, the original had %d bytes with CRC %08x", ErrMismatch, r.n, r.crc, t.Size, t.CRC)
	}
	return io.EOF
}

// job is the decoding of a segment on its own goroutine.
type job struct {
	seg        wire.Segment
	out        []byte
	first      int // length of its first block
	blocks     int
	start, end codec.Context
	err        error
	done       chan struct{}
}

// DecodeSegment decodes one segment on its own (wire.ReadSegmentAt reads one from a file
// without reading those before it) with the options that the file's header calls for
// (HeaderOptions) and checks it against its length and CRC. When the check fails
// (ErrMismatch), it returns the bytes decoded too.
func DecodeSegment(seg wire.Segment, opt codec.Options) ([]byte, error) {
	j := &job{seg: seg}
	if err := j.decode(new(atomic.Bool), nil, opt); err != nil {
		return j.out, fmt.Errorf("decoder: segment %d (capture offset %d): %w", seg.Index, seg.Start, err)
	}
	return j.out, nil
}

// decode decodes the segment's blocks and checks them.
func (j *job) decode(canceled *atomic.Bool, pool *codec.Pool, opt codec.Options) error {
	seg := j.seg
	ad := arith.NewDecoder(bytes.NewReader(seg.Coded))
	dec, err := codec.NewDecoder(ad, seg.Start, pool, opt)
	if err != nil {
		return err
	}
	defer dec.Release()
	j.start = dec.Context()
	out := j.out[:0]
	if cap(out) < seg.Size {
		out = make([]byte, 0, seg.Size) // within the limit; pages untouched until written
	}
	for {
		if canceled.Load() {
			return errCanceled
		}
		dec.Limit(seg.Size - len(out))
		kind, b, err := dec.Block()
		if err != nil {
			return fmt.Errorf("after %d bytes restored: %w", len(out), err)
		}
		if kind == codec.KindEnd {
			break
		}
		if len(b) > seg.Size-len(out) {
			return fmt.Errorf("%w: more than the segment's %d bytes", codec.ErrCorrupt, seg.Size)
		}
		if j.blocks == 0 {
			j.first = len(b)
		}
		j.blocks++
		out = append(out, b...)
	}
	if err := ad.EndMessage(); err != nil {
		return fmt.Errorf("end of segment: %w", err)
	}
	// The range decoder reads ahead; what it used must be exactly the coded bytes, no more.
	if d := int64(len(seg.Coded)) - ad.Offset(); d != 0 {
		return fmt.Errorf("%w: %d coded bytes after the end of the segment", wire.ErrFormat, d)
	}
	if len(out) != seg.Size || wire.Checksum(out) != seg.CRC {
		j.out = out
		return fmt.Errorf("%w: %d bytes with CRC %08x, the segment had %d bytes with CRC %08x", ErrMismatch, len(out), wire.Checksum(out), seg.Size, seg.CRC)
	}
	j.end = dec.Context()
	j.out = out
	return nil
}
