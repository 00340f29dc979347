// Package encoder compresses packet captures into the .mqz format: it splits the capture into
// its blocks (package capture), cuts the sequence of blocks into segments, codes each segment
// with the shared coding loop (package codec) through its own range coder (package arith) and
// frames the results (package wire).
//
// Segments are cut at block boundaries by input size alone (Config.SegmentSize): a segment
// ends before the block that would take it past the size. Each is coded with fresh models,
// starting from the Context of the blocks before it (the structural facts its blocks depend
// on, which the splitter tracks as it reads), so segments are coded on Config.Concurrency
// goroutines at once and decoded likewise; since the cuts do not depend on the concurrency,
// neither does the output. At most Concurrency+1 segments are in memory: the one being read
// and those being coded or waiting to be written, in order.
package encoder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/capture"
	"github.com/mqzip/mqzip/codec"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/model"
	"github.com/mqzip/mqzip/wire"
)

// DefaultSegmentSize is the segment size of the zero Config: the input size at which the
// capture is cut into independently coded segments. Each cut costs the compression that
// fresh models lose while they learn again (see docs/codec-plan.md for the measurements).
const DefaultSegmentSize = 8 << 20

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("encoder: invalid configuration")

// errCanceled stops the coding of the segments in flight when Encode fails.
var errCanceled = errors.New("encoder: canceled")

// Stats says what Encode did.
type Stats struct {
	In       int64       // bytes of capture read
	Out      int64       // bytes of .mqz written
	Blocks   int         // capture blocks coded
	Frames   int         // of them, packets
	Segments int         // segments coded
	Opaque   int64       // bytes coded as opaque (not parseable as a capture)
	ParseAt  int64       // offset where parsing stopped, or -1
	Reason   error       // why parsing stopped, if it did
	Bits     codec.Stats // where the bits went (with Config.Stats)
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
	// SegmentSize is the input size at which the capture is cut into segments (0:
	// DefaultSegmentSize; else from wire.MinSegmentSize to wire.MaxSegmentSize). It is
	// recorded in the file: the decoder needs no setting. Smaller segments let smaller
	// captures use more cores, at some cost in compression.
	SegmentSize int
	// Concurrency is how many segments are coded at once (0: runtime.GOMAXPROCS(0)). It
	// changes the speed and the memory used, never the output.
	Concurrency int
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

// resolve returns the segment size and concurrency that cfg asks for.
func (cfg Config) resolve() (size, conc int, err error) {
	size, conc = cfg.SegmentSize, cfg.Concurrency
	if size == 0 {
		size = DefaultSegmentSize
	}
	if size < wire.MinSegmentSize || size > wire.MaxSegmentSize {
		return 0, 0, fmt.Errorf("%w: segment size %d outside [%d, %d]", ErrConfig, size, wire.MinSegmentSize, wire.MaxSegmentSize)
	}
	if conc < 0 {
		return 0, 0, fmt.Errorf("%w: concurrency %d", ErrConfig, conc)
	}
	if conc == 0 {
		conc = runtime.GOMAXPROCS(0)
	}
	return size, conc, nil
}

// Encode compresses the capture read from r and writes the .mqz file to w. Input that is not a
// valid capture is still compressed losslessly (from the first byte that does not parse, as
// opaque bytes); Stats.Reason says why.
func Encode(w io.Writer, r io.Reader) (Stats, error) { return EncodeConfig(w, r, Config{}) }

// EncodeConfig is Encode with a configuration.
func EncodeConfig(w io.Writer, r io.Reader, cfg Config) (Stats, error) {
	st := Stats{ParseAt: -1}
	size, conc, err := cfg.resolve()
	if err != nil {
		return st, err
	}
	opt, flags, err := cfg.options()
	if err != nil {
		return st, err
	}
	ww, err := wire.NewWriter(w, wire.Header{ModelID: codec.ModelID(opt), Options: flags, SegmentSize: uint32(size)})
	if err != nil {
		return st, err
	}
	p := &pipeline{w: ww, size: size, conc: conc, stats: cfg.Stats, opt: opt}
	sp := &splitter{size: size, p: p}
	err = split(r, sp, &st)
	if err == nil {
		err = sp.flush()
	}
	if err == nil {
		err = p.finish()
	}
	if err != nil {
		p.abort()
		return st, err
	}
	if err := ww.Close(wire.Trailer{Size: st.In, CRC: sp.crc}); err != nil {
		return st, err
	}
	st.Out = ww.Size()
	st.Segments = sp.n
	st.Bits = p.bits
	return st, nil
}

// split reads the capture from r and hands its blocks to sp.
func split(r io.Reader, sp *splitter, st *Stats) error {
	tee := &keeper{r: r}
	emit := func(kind codec.Kind, b []byte) error {
		st.In += int64(len(b))
		st.Blocks++
		return sp.add(kind, b)
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
			return err
		}
		tee.consumed(st.In)
	}
	if perr == io.EOF {
		return nil
	}
	// Code the rest as opaque bytes: what the reader buffered past the last block, then the
	// remainder of the input.
	st.ParseAt, st.Reason = st.In, perr
	rest := io.MultiReader(tee.pending(st.In), r)
	buf := make([]byte, codec.MaxOpaque)
	for {
		n, err := io.ReadFull(rest, buf)
		if n > 0 {
			st.Opaque += int64(n)
			if err := emit(codec.KindOpaque, buf[:n]); err != nil {
				return err
			}
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("encoder: reading input: %w", err)
		}
	}
}

// segment is a run of whole blocks, coded on its own.
type segment struct {
	index  int
	start  int64         // input offset
	ctx    codec.Context // at its start
	end    codec.Context // after its last block, as the splitter tracked it
	data   []byte        // its blocks' bytes
	blocks []blockRef
	crc    uint32 // of data
}

type blockRef struct {
	kind codec.Kind
	n    int
}

// splitter cuts the blocks into segments and tracks the Context they start with.
type splitter struct {
	size  int
	p     *pipeline
	ctx   codec.Context // after the blocks so far
	cur   *segment
	start int64  // input offset of the next segment
	n     int    // segments made
	crc   uint32 // of the whole input
}

// add adds a block (which it copies), first cutting the current segment if the block would
// take it past the segment size.
func (s *splitter) add(kind codec.Kind, b []byte) error {
	if s.cur != nil && len(s.cur.data)+len(b) > s.size {
		if err := s.flush(); err != nil {
			return err
		}
	}
	if s.cur == nil {
		s.cur = &segment{index: s.n, start: s.start, ctx: s.ctx.Clone(), data: s.p.buffer()}
	}
	c := s.cur
	c.data = append(c.data, b...)
	c.blocks = append(c.blocks, blockRef{kind, len(b)})
	c.crc = wire.UpdateChecksum(c.crc, b)
	s.crc = wire.UpdateChecksum(s.crc, b)
	s.ctx.Observe(kind, b)
	return nil
}

// flush hands the current segment, if any, to the pipeline.
func (s *splitter) flush() error {
	c := s.cur
	if c == nil {
		return nil
	}
	s.cur = nil
	c.end = s.ctx.Clone()
	s.start += int64(len(c.data))
	s.n++
	return s.p.submit(c)
}

// job is the coding of a segment on its own goroutine.
type job struct {
	seg   *segment
	coded bytes.Buffer
	bits  codec.Stats
	err   error
	done  chan struct{}
}

// pipeline codes up to conc segments at once and writes them in order.
type pipeline struct {
	w        *wire.Writer
	size     int // segment size
	conc     int
	stats    bool
	queue    []*job // in input order: coding, or coded and waiting to be written
	free     [][]byte
	canceled atomic.Bool
	bits     codec.Stats
	models   codec.Pool // the model tables of coded segments, for the next ones
	opt      codec.Options
}

// buffer returns an empty buffer for a segment's bytes, reusing those of written segments.
func (p *pipeline) buffer() []byte {
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, min(p.size, 256<<10)) // grown by append: small inputs stay small
}

// submit starts coding seg, first writing the oldest segment if conc are in flight.
func (p *pipeline) submit(seg *segment) error {
	if len(p.queue) >= p.conc {
		if err := p.writeHead(); err != nil {
			return err
		}
	}
	j := &job{seg: seg, done: make(chan struct{})}
	p.queue = append(p.queue, j)
	go func() {
		defer close(j.done)
		j.err = j.code(&p.canceled, p.stats, &p.models, p.opt)
	}()
	return nil
}

// writeHead waits for the oldest segment in flight and writes it.
func (p *pipeline) writeHead() error {
	j := p.queue[0]
	<-j.done
	p.queue = p.queue[1:]
	if j.err != nil {
		return j.err
	}
	if err := p.w.WriteSegment(j.coded.Bytes(), len(j.seg.data), j.seg.crc); err != nil {
		return err
	}
	p.bits.Add(&j.bits)
	if cap(j.seg.data) <= 2*p.size { // not a buffer grown for one large block
		p.free = append(p.free, j.seg.data)
	}
	return nil
}

// finish writes the segments still in flight.
func (p *pipeline) finish() error {
	for len(p.queue) > 0 {
		if err := p.writeHead(); err != nil {
			return err
		}
	}
	return nil
}

// abort stops the coding of the segments in flight and waits for their goroutines.
func (p *pipeline) abort() {
	p.canceled.Store(true)
	for _, j := range p.queue {
		<-j.done
	}
	p.queue = nil
}

// code codes the segment: its Context, its blocks, the end of the segment.
func (j *job) code(canceled *atomic.Bool, measure bool, pool *codec.Pool, opt codec.Options) error {
	seg := j.seg
	ae := arith.NewEncoder(&j.coded)
	enc, err := codec.NewEncoder(ae, seg.ctx, pool, opt)
	if err != nil {
		return err
	}
	defer enc.Release()
	if measure {
		enc.Measure()
	}
	off := 0
	for _, b := range seg.blocks {
		if canceled.Load() {
			return errCanceled
		}
		if err := enc.Block(b.kind, seg.data[off:off+b.n]); err != nil {
			return fmt.Errorf("encoder: segment %d (input offset %d): %w", seg.index, seg.start+int64(off), err)
		}
		off += b.n
	}
	if err := enc.Block(codec.KindEnd, nil); err != nil {
		return err
	}
	if err := ae.Close(); err != nil {
		return err
	}
	if got := enc.Context(); !got.Equal(seg.end) {
		// The splitter's Context.Observe and the coding loop disagree: the next segment
		// would start from facts the decoder does not have. A bug; refuse to write it.
		return fmt.Errorf("encoder: segment %d ends with context %+v, the splitter tracked %+v", seg.index, got, seg.end)
	}
	j.bits = enc.Stats()
	return nil
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
	return bytes.NewReader(k.keep[d:])
}
