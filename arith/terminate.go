package arith

import "io"

// flushPoint returns how far to raise low, and how many leading bytes k of the 32-bit window
// to emit, so that those k bytes name an aligned block of 2^(32-8k) values lying wholly inside
// [low, low+rng): every stream that starts with them then decodes the message the same way.
// k is 1 when such a block of 2^24 fits, else 2 (a block of 2^16 always fits, as rng ≥ 2^24).
// low is taken modulo 2^32: the blocks are aligned to multiples of 2^32 too.
func flushPoint(low, rng uint32) (delta uint32, k int) {
	const b1, b2 = 1 << 24, 1 << 16
	delta = -low & (b1 - 1)
	if uint64(delta)+b1 <= uint64(rng) {
		return delta, 1
	}
	return -low & (b2 - 1), 2
}

// fresh reports whether nothing has been coded in the current message that needs a byte:
// no byte has left the window and the range is whole. Such a message ends with no bytes.
func (e *Encoder) fresh() bool { return e.pending == 0 && e.rng == maxRange }

// fresh is the Encoder's fresh, from the Decoder's side.
func (d *Decoder) fresh() bool { return !d.loaded || d.shifts == 0 && d.rng == maxRange }

// Flush ends the current message: it emits the fewest bytes that make everything coded so far
// decodable from the bytes written so far, whatever follows them (on average about half a
// byte beyond the message's information; see the package documentation), writes all final
// bytes to the io.Writer and starts the next message with a fresh range. A message in which
// nothing was coded costs nothing. The decoder ends the message with EndMessage.
func (e *Encoder) Flush() error {
	if err := e.ready(); err != nil {
		return err
	}
	e.terminate()
	return e.writeBuf()
}

// EndMessage is Flush, under the name the shared coding loop (MessageCoder) calls.
func (e *Encoder) EndMessage() error { return e.Flush() }

// Close ends the current message as Flush does and writes everything; the stream then ends.
// Later calls other than Close and Reset return ErrClosed. Close does not close the
// io.Writer.
func (e *Encoder) Close() error {
	if e.closed {
		return e.err
	}
	if err := e.ready(); err != nil {
		return err
	}
	e.terminate()
	e.closed = true
	return e.writeBuf()
}

// terminate pins the message's interval to its flush block, makes every pending byte final
// (no carry can reach them once low lies in the block) and starts a fresh message.
func (e *Encoder) terminate() {
	if !e.fresh() {
		delta, k := flushPoint(uint32(e.low), e.rng)
		e.low += uint64(delta)
		for range k {
			e.shiftLow()
		}
		e.emitPending()
	}
	e.restart()
}

// EndMessage ends the current message, which must have been ended by Flush (or Close) after
// coding the same symbols: it consumes exactly the bytes Flush emitted, checks them, keeps the
// look-ahead bytes it read beyond them for the next message and starts that message afresh.
// It returns an error wrapping io.ErrUnexpectedEOF if the input ended before the message's
// end, or ErrCorrupt if the bytes are not those Flush writes for the decoded symbols.
func (d *Decoder) EndMessage() error {
	if d.err != nil {
		return d.err
	}
	if d.rng == 0 {
		return errZero
	}
	k, want := 0, uint32(0)
	if !d.fresh() {
		low := d.win - d.code
		delta, n := flushPoint(low, d.rng)
		k, want = n, low+delta
	}
	present := d.avail - d.shifts // real bytes in the window
	switch {
	case present < int64(k):
		d.err = &DataError{Offset: d.base + d.avail, Err: io.ErrUnexpectedEOF}
		return d.err
	case k > 0 && (d.win^want)>>(32-8*k) != 0:
		if d.eof { // padding stood in for bytes of this message: blame the truncation
			d.err = &DataError{Offset: d.base + d.avail, Err: io.ErrUnexpectedEOF}
		} else {
			d.err = &DataError{Offset: d.base + d.shifts, Err: ErrCorrupt}
		}
		return d.err
	}
	for j := k; j < int(present) && d.nback < len(d.back); j++ {
		d.back[d.nback] = byte(d.win >> (24 - 8*j))
		d.nback++
	}
	d.shifts += int64(k)
	d.restart()
	return nil
}
