package arith

import (
	"fmt"
	"io"
)

const (
	topValue = 1 << 24    // the range is renormalised to at least topValue
	maxRange = 1<<32 - 1  // the range of a fresh message
	bufSize  = 4096       // the Encoder writes to its io.Writer in chunks of this size
	topMask  = 0xFF000000 // the byte about to leave the 32-bit window
	lowMask  = 1<<32 - 1  // the window part of the Encoder's low
	carryBit = uint64(1) << 32
)

// An Encoder range-codes symbols to an io.Writer.
//
// It writes to an io.Writer, in chunks through an internal buffer, rather than appending to
// a caller's []byte because the link proxy and the capture codec both stream: each Flush hands
// a message's bytes to the writer at once (so a socket sees them when the message ends), and
// a failing writer makes the Encoder's error sticky, as with compress/flate. Callers that want
// the bytes in memory pass a *bytes.Buffer.
//
// The Encoder's state between messages is only its byte offset: every message starts with a
// fresh range. An Encoder is not safe for concurrent use.
type Encoder struct {
	w       io.Writer
	buf     []byte // bytes final but not yet written to w
	low     uint64 // bottom of the interval; bit 32 is a carry into the pending bytes
	rng     uint32 // width of the interval
	cache   byte   // first pending byte, followed by pending-1 bytes of 0xFF
	pending int64  // bytes awaiting a possible carry; 0 only before a message's first shift
	written int64  // bytes made final (in buf or written to w)
	err     error  // sticky write error
	closed  bool
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder {
	e := new(Encoder)
	e.Reset(w)
	return e
}

// Reset discards the Encoder's state, including bytes not yet flushed, and makes it write a
// new stream to w.
func (e *Encoder) Reset(w io.Writer) {
	buf := e.buf[:0]
	if buf == nil {
		buf = make([]byte, 0, bufSize)
	}
	*e = Encoder{w: w, buf: buf}
	e.restart()
}

// restart starts a fresh message.
func (e *Encoder) restart() {
	e.low, e.rng, e.cache, e.pending = 0, maxRange, 0, 0
}

// Offset returns the number of bytes of the stream the coded symbols have determined so far:
// after Flush, the number of bytes written to the io.Writer.
func (e *Encoder) Offset() int64 { return e.written + e.pending }

// ready returns the error that keeps the Encoder from coding, if any.
func (e *Encoder) ready() error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if e.rng == 0 {
		return errZero
	}
	return nil
}

// normalize shifts bytes out of the window until the range is at least topValue.
func (e *Encoder) normalize() error {
	for e.rng < topValue {
		e.rng <<= 8
		e.shiftLow()
	}
	if len(e.buf) >= bufSize || e.err != nil {
		return e.writeBuf()
	}
	return nil
}

// shiftLow moves the top byte of the window to the pending bytes, first making the pending
// bytes final when that byte (with any carry) shows that no later carry can reach them.
func (e *Encoder) shiftLow() {
	switch {
	case e.pending == 0:
		// First shift of a message: its interval lies in [0, 2^32-1), so no carry can come.
		e.cache = byte(e.low >> 24)
	case uint32(e.low) < topMask || e.low >= carryBit:
		e.emitPending()
		e.cache = byte(e.low >> 24)
	}
	e.pending++
	e.low = (e.low << 8) & lowMask
}

// emitPending makes the pending bytes final, adding the carry in bit 32 of low.
func (e *Encoder) emitPending() {
	if e.pending == 0 {
		return
	}
	carry := byte(e.low >> 32)
	e.buf = append(e.buf, e.cache+carry)
	for run := e.pending - 1; run > 0; run-- {
		e.buf = append(e.buf, 0xFF+carry)
		if len(e.buf) >= 1<<20 { // a long run: hand it over in pieces
			e.writeBuf()
		}
	}
	e.written += e.pending
	e.pending = 0
}

// writeBuf writes the final bytes to w.
func (e *Encoder) writeBuf() error {
	if e.err != nil {
		e.buf = e.buf[:0]
		return e.err
	}
	if len(e.buf) > 0 {
		if _, err := e.w.Write(e.buf); err != nil {
			e.err = fmt.Errorf("arith: write: %w", err)
		}
	}
	e.buf = e.buf[:0]
	return e.err
}

// A Decoder range-decodes symbols from an io.ByteReader (a *bytes.Reader for a []byte, a
// *bufio.Reader or *bytes.Buffer for a stream), so that it can follow a stream message by
// message.
//
// It keeps a 4-byte window of look-ahead. When the reader reports io.EOF it pads with zero
// bytes and reports io.ErrUnexpectedEOF as soon as the padding reaches into the current
// message; see the package documentation. Errors are sticky until Reset. A Decoder is not safe
// for concurrent use.
type Decoder struct {
	r      io.ByteReader
	rng    uint32 // width of the interval
	code   uint32 // window minus the bottom of the interval
	win    uint32 // the 4 stream bytes in the window (zero where padded)
	loaded bool   // the window holds the current message's first bytes
	eof    bool   // the reader reported io.EOF during this message: pad from now on
	shifts int64  // bytes shifted out of the window since the message began
	avail  int64  // real (not padded) bytes read since the message began
	base   int64  // stream offset at which the message began
	back   [4]byte
	nback  int // bytes in back, read beyond the last message's end, to be read again
	err    error
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.ByteReader) *Decoder {
	d := new(Decoder)
	d.Reset(r)
	return d
}

// Reset discards the Decoder's state, including look-ahead bytes read from the previous
// reader, and makes it read a new stream from r.
func (d *Decoder) Reset(r io.ByteReader) {
	*d = Decoder{r: r}
	d.restart()
}

// restart starts a fresh message at the current offset.
func (d *Decoder) restart() {
	d.base += d.shifts
	d.rng, d.code, d.win = maxRange, 0, 0
	d.loaded, d.eof = false, false
	d.shifts, d.avail = 0, 0
}

// Offset returns the number of input bytes consumed: after EndMessage, the offset of the end
// of the message, equal to the Encoder's Offset after the matching Flush; within a message,
// the offset of the first byte of the decoder's 4-byte window.
func (d *Decoder) Offset() int64 { return d.base + d.shifts }

// readByte returns the next input byte, or a zero byte of padding once the reader has
// reported io.EOF.
func (d *Decoder) readByte() byte {
	if d.nback > 0 {
		b := d.back[0]
		copy(d.back[:], d.back[1:d.nback])
		d.nback--
		d.avail++
		return b
	}
	if d.eof {
		return 0
	}
	b, err := d.r.ReadByte()
	if err != nil {
		d.eof = true
		if err != io.EOF && d.err == nil {
			d.err = fmt.Errorf("arith: read: %w", err)
		}
		return 0
	}
	d.avail++
	return b
}

// load reads the first window of a message.
func (d *Decoder) load() error {
	for range 4 {
		b := d.readByte()
		d.win = d.win<<8 | uint32(b)
	}
	d.code = d.win
	d.loaded = true
	if d.err != nil {
		return d.err
	}
	if d.code >= d.rng {
		d.err = &DataError{Offset: d.base, Err: ErrCorrupt}
		return d.err
	}
	return nil
}

// start makes the Decoder ready to decode a symbol: no sticky error, the window loaded.
func (d *Decoder) start() error {
	if d.err != nil {
		return d.err
	}
	if d.rng == 0 {
		return errZero
	}
	if !d.loaded {
		return d.load()
	}
	return nil
}

// normalize shifts bytes into the window until the range is at least topValue. Once the
// window has moved past the end of the input, the message cannot be complete: its end
// (Offset plus at least one byte) lies beyond the input.
func (d *Decoder) normalize() error {
	for d.rng < topValue {
		d.rng <<= 8
		b := d.readByte()
		d.code = d.code<<8 | uint32(b)
		d.win = d.win<<8 | uint32(b)
		d.shifts++
	}
	if d.eof {
		if d.err != nil {
			return d.err
		}
		if d.shifts >= d.avail && !d.fresh() {
			d.err = &DataError{Offset: d.base + d.avail, Err: io.ErrUnexpectedEOF}
			return d.err
		}
	}
	return nil
}
