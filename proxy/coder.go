package proxy

import (
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/codec"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errProbe ends a trial decode after its message has ended, so that the model undoes it.
var errProbe = errors.New("proxy: probe")

// stream is the state that both ends keep for one direction of a link connection: the model,
// the escape bit that marks packets sent with DEFLATE, and the checkpoint's running CRC.
type stream struct {
	dir   Direction
	p     params
	model *codec.MessageModel
	esc   arith.Prob
	n     int64  // messages coded so far
	crc   uint32 // CRC-32C of the packets coded since the last checkpoint
}

func newStream(dir Direction, p params) stream {
	return stream{
		dir:   dir,
		p:     p,
		model: codec.NewMessageModel(codec.MessageConfig{SlotBits: p.modelBits, MaxPacket: p.modelLimit}),
	}
}

// due reports whether the next message carries a checkpoint.
func (s *stream) due() bool { return s.p.checkEvery > 0 && (s.n+1)%int64(s.p.checkEvery) == 0 }

// commit records that pkt was coded.
func (s *stream) commit(pkt []byte) {
	if s.due() {
		s.crc = 0
	}
	s.crc = crc32.Update(s.crc, castagnoli, pkt)
	s.n++
}

// checkCoder wraps the range coder of one message: it hashes every decision (so that two
// trial decodes of the same message can be compared), codes the checkpoint just before the
// message ends, and, for a probe, fails once the message has ended so that the model undoes
// the decode.
type checkCoder struct {
	arith.MessageCoder
	bits  uint   // check bits per message: a hash of the message's decisions
	check bool   // code a checkpoint before ending the message
	crc   uint32 // the checkpoint: written by the encoder, expected by the decoder
	probe bool
	hash  uint64
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (c *checkCoder) mix(v uint64) { c.hash = (c.hash ^ v) * fnvPrime }

func (c *checkCoder) Code(t *arith.Table, sym int) (int, error) {
	sym, err := c.MessageCoder.Code(t, sym)
	c.mix(uint64(sym))
	return sym, err
}

func (c *checkCoder) CodeBit(p *arith.Prob, bit int) (int, error) {
	bit, err := c.MessageCoder.CodeBit(p, bit)
	c.mix(uint64(bit))
	return bit, err
}

func (c *checkCoder) CodeBits(v uint32, n int) (uint32, error) {
	v, err := c.MessageCoder.CodeBits(v, n)
	c.mix(uint64(v)<<8 | uint64(n))
	return v, err
}

func (c *checkCoder) CodeBitP(p1 uint32, bit int) (int, error) {
	bit, err := c.MessageCoder.CodeBitP(p1, bit)
	c.mix(uint64(bit))
	return bit, err
}

// EndMessage codes the message's check bits and the checkpoint, if any, and ends the message.
// The decoder compares them only once the message's end proves complete, so that a truncated
// message reads as incomplete rather than as a mismatch.
func (c *checkCoder) EndMessage() error {
	var want, got [2]uint32 // the message's check bits, the checkpoint
	if c.bits > 0 {
		want[0] = uint32(c.hash^c.hash>>32) & (1<<c.bits - 1)
		var err error
		if got[0], err = c.CodeBits(want[0], int(c.bits)); err != nil {
			return err
		}
	}
	if c.check {
		want[1] = c.crc
		var err error
		if got[1], err = c.CodeBits(c.crc, 32); err != nil {
			return err
		}
	}
	if err := c.MessageCoder.EndMessage(); err != nil {
		return err
	}
	switch {
	case got[0] != want[0]:
		return desync("message check bits %x, expected %x", got[0], want[0])
	case got[1] != want[1]:
		return desync("checkpoint CRC %08x, expected %08x", got[1], want[1])
	case c.probe:
		return errProbe
	}
	return nil
}

// encoder codes one direction's packets onto the link.
type encoder struct {
	stream
	ck   checkCoder
	enc  *arith.Encoder
	w    io.Writer // what enc writes to
	fw   *flate.Writer
	fbuf bytes.Buffer
}

func newEncoder(dir Direction, p params, w io.Writer) *encoder {
	return &encoder{stream: newStream(dir, p), enc: arith.NewEncoder(w), w: w}
}

// encode codes one whole, valid MQTT packet as one message. An error leaves the link stream
// unusable.
func (e *encoder) encode(pkt []byte) error {
	e.ck = checkCoder{MessageCoder: e.enc, bits: e.p.checkBits, check: e.due(), crc: e.crc, hash: fnvOffset}
	ck := &e.ck
	if len(pkt) <= e.p.modelLimit {
		if _, err := ck.CodeBit(&e.esc, 0); err != nil {
			return err
		}
		if _, err := e.model.Code(ck, int(e.dir), pkt, nil); err != nil {
			return err
		}
	} else if err := e.encodeLarge(ck, pkt); err != nil {
		return err
	}
	e.commit(pkt)
	return nil
}

// encodeLarge sends pkt compressed with DEFLATE on its own, after a message that says so and
// gives its length, the compressed length and its CRC-32C.
func (e *encoder) encodeLarge(ck *checkCoder, pkt []byte) error {
	e.fbuf.Reset()
	if e.fw == nil {
		e.fw, _ = flate.NewWriter(&e.fbuf, flate.BestSpeed) // the level is valid
	} else {
		e.fw.Reset(&e.fbuf)
	}
	e.fw.Write(pkt) // a bytes.Buffer does not fail
	e.fw.Close()
	if _, err := ck.CodeBit(&e.esc, 1); err != nil {
		return err
	}
	for _, v := range []uint32{uint32(len(pkt)), uint32(e.fbuf.Len()), crc32.Checksum(pkt, castagnoli)} {
		if _, err := ck.CodeBits(v, 32); err != nil {
			return err
		}
	}
	if err := ck.EndMessage(); err != nil {
		return err
	}
	_, err := e.w.Write(e.fbuf.Bytes())
	if e.fbuf.Cap() > 1<<20 {
		e.fbuf = bytes.Buffer{}
	}
	return err
}

// decoder decodes one direction's packets from the link bytes received so far.
type decoder struct {
	stream
	ck   checkCoder
	dec  *arith.Decoder
	rd   bytes.Reader
	pad  padReader
	out  []byte
	zr   io.ReadCloser
	fin  bytes.Reader
	most int // the most link bytes one message can take
}

func newDecoder(dir Direction, p params) *decoder {
	d := &decoder{stream: newStream(dir, p)}
	d.dec = arith.NewDecoder(&d.rd)
	// A model-coded bit costs at most 16 bits (the coder's probabilities are in units of
	// 2^-16): 16 bytes per packet byte. A DEFLATE stream of BestSpeed exceeds its input by at
	// most 5 bytes per 16 KiB stored block.
	d.most = max(17*p.modelLimit, p.maxPacket+p.maxPacket/1024) + 256
	return d
}

// trial is the outcome of decoding one message from the link bytes.
type trial struct {
	hash  uint64
	end   int    // link bytes of the message (for a DEFLATE packet, before the compressed bytes)
	large bool   // the packet follows, compressed with DEFLATE
	size  uint32 // large: the packet's length, the compressed length and the packet's CRC
	zlen  uint32
	sum   uint32
}

// decode decodes the message at the start of buf, the link bytes received and not yet
// consumed. It returns the packet (valid until the next call) and the number of bytes it took,
// or n == 0 when buf does not hold the whole message yet.
//
// A range-coded message that ends at the end of buf is decoded twice: once as the range coder
// reads a truncated input (zero bytes stand for the missing ones) as a probe that the model
// undoes, then for good with 0xFF bytes standing in. A complete message decodes the same
// whatever follows it, so a difference shows that the message is not complete yet; one of the
// two decodes would otherwise take a prefix of a longer message for a whole one with
// probability about 2^-8 (the range coder's flush check).
func (d *decoder) decode(buf []byte) (pkt []byte, n int, err error) {
	if cap(d.out) > 256<<10 {
		d.out = nil // do not keep the buffer of a large packet
	}
	if len(buf) == 0 {
		return nil, 0, nil
	}
	probe, err := d.try(buf, false, true)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, 0, d.waiting(buf)
	case err != nil:
		return nil, 0, desync("%w", err)
	}
	saved := d.esc
	real, err := d.try(buf, true, false)
	switch {
	case err != nil:
		// The probe read a prefix of a longer message as a whole one; the model undid both.
		return nil, 0, d.waiting(buf)
	case real != probe:
		return nil, 0, desync("message decodes differently with different padding: it was not complete")
	case !real.large:
		d.commit(d.out)
		return d.out, real.end, nil
	}
	end := real.end + int(real.zlen)
	if end > len(buf) {
		d.esc = saved // nothing else has changed: decode the header again later
		return nil, 0, d.waiting(buf)
	}
	if err := d.inflate(buf[real.end:end], real); err != nil {
		return nil, 0, err
	}
	d.commit(d.out)
	return d.out, end, nil
}

// decodeWhole decodes the message at the start of buf like decode, when buf is known to end at
// a message's end (the data of a data frame shorter than maxData, which the far side fills
// with whole messages only): one decode suffices, and a message that does not end within buf
// is a desynchronisation.
func (d *decoder) decodeWhole(buf []byte) (pkt []byte, n int, err error) {
	if cap(d.out) > 256<<10 {
		d.out = nil
	}
	if len(buf) == 0 {
		return nil, 0, nil
	}
	real, err := d.try(buf, true, false)
	switch {
	case err != nil:
		return nil, 0, desync("%w", err)
	case real.end > len(buf):
		return nil, 0, desync("message runs past the end of its frame")
	case !real.large:
		d.commit(d.out)
		return d.out, real.end, nil
	}
	end := real.end + int(real.zlen)
	if end > len(buf) {
		return nil, 0, desync("DEFLATE packet runs past the end of its frame")
	}
	if err := d.inflate(buf[real.end:end], real); err != nil {
		return nil, 0, err
	}
	d.commit(d.out)
	return d.out, end, nil
}

// waiting returns nil while buf may still be the start of one message, else a desync error.
func (d *decoder) waiting(buf []byte) error {
	if len(buf) > d.most {
		return desync("no message ends within %d link bytes", len(buf))
	}
	return nil
}

// try decodes the message at the start of buf, with 0xFF bytes after buf when pad is set (else
// the range coder's zero padding and truncation checks). A probe, or a decode that fails,
// leaves the model and the escape bit as they were.
func (d *decoder) try(buf []byte, pad, probe bool) (trial, error) {
	saved := d.esc
	if pad {
		d.pad = padReader{b: buf}
		d.dec.Reset(&d.pad)
	} else {
		d.rd.Reset(buf)
		d.dec.Reset(&d.rd)
	}
	d.ck = checkCoder{MessageCoder: d.dec, bits: d.p.checkBits, check: d.due(), crc: d.crc, probe: probe, hash: fnvOffset}
	ck := &d.ck
	t, err := d.message(ck)
	if err != nil || probe {
		d.esc = saved
	}
	if errors.Is(err, errProbe) {
		err = nil
	}
	t.hash, t.end = ck.hash, int(d.dec.Offset())
	return t, err
}

// message decodes one message through ck: a model-coded packet into d.out, or the header of a
// packet sent with DEFLATE.
func (d *decoder) message(ck *checkCoder) (trial, error) {
	bit, err := ck.CodeBit(&d.esc, 0)
	if err != nil {
		return trial{}, err
	}
	if bit == 0 {
		d.out, err = d.model.Code(ck, int(d.dir), nil, d.out[:0])
		return trial{}, err
	}
	var v [3]uint32
	for i := range v {
		if v[i], err = ck.CodeBits(0, 32); err != nil {
			return trial{}, err
		}
	}
	err = ck.EndMessage()
	if err != nil && !errors.Is(err, errProbe) {
		return trial{}, err
	}
	if v[0] <= uint32(d.p.modelLimit) || v[0] > uint32(d.p.maxPacket) || v[1] > uint32(d.most) {
		return trial{}, desync("DEFLATE packet of %d bytes in %d", v[0], v[1])
	}
	return trial{large: true, size: v[0], zlen: v[1], sum: v[2]}, err
}

// inflate decompresses the packet that t announced from z into d.out and checks it.
func (d *decoder) inflate(z []byte, t trial) error {
	d.fin.Reset(z)
	if d.zr == nil {
		d.zr = flate.NewReader(&d.fin)
	} else if err := d.zr.(flate.Resetter).Reset(&d.fin, nil); err != nil {
		return desync("%w", err)
	}
	if cap(d.out) < int(t.size) {
		d.out = make([]byte, t.size) // t.size ≤ maxPacket
	}
	d.out = d.out[:t.size]
	if _, err := io.ReadFull(d.zr, d.out); err != nil {
		return desync("DEFLATE packet: %w", err)
	}
	if n, err := d.zr.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return desync("DEFLATE packet longer than announced")
	}
	if sum := crc32.Checksum(d.out, castagnoli); sum != t.sum {
		return desync("DEFLATE packet CRC %08x, announced %08x", sum, t.sum)
	}
	return nil
}

// padReader reads b, then four 0xFF bytes, then reports io.EOF.
type padReader struct {
	b []byte
	i int
}

func (r *padReader) ReadByte() (byte, error) {
	switch {
	case r.i < len(r.b):
		r.i++
		return r.b[r.i-1], nil
	case r.i < len(r.b)+4:
		r.i++
		return 0xFF, nil
	}
	return 0, io.EOF
}
