// Package arith implements the range coder at the core of mqzip's capture codec and link proxy:
// a carry-propagating range coder in the style of LZMA's (a 32-bit range, a 64-bit low value
// whose bit 32 is the carry, a cache byte followed by a run of 0xFF bytes awaiting that carry),
// coding symbols against integer frequency tables, adaptive binary probabilities and raw bits.
//
// # Tables and precision
//
// A [Table] holds n ≥ 1 symbol frequencies, each at least 1, summing to a total T ≤ [MaxTotal]
// (1<<16). The coder's range R is renormalised a byte at a time so that R lies in [1<<24, 1<<32)
// before every coding step. A table splits [0, R) exactly, with no remainder: symbol s with
// cumulative frequency c (the sum of the frequencies before it) and frequency f gets
//
//	[floor(R*c/T), floor(R*(c+f)/T))
//
// whose width is at least floor(R*f/T) ≥ floor(2^24*1/2^16) = 256, so no symbol of frequency
// at least 1 ever gets an empty interval (TestNoZeroWidth checks this at the extremes, and
// TestBoundExact the exactness of the division for every total). The width differs from the
// ideal R*f/T by less than 1, so a symbol costs at most -log2(1 - T/(R*f)) bits more than its
// ideal -log2(f/T): under 0.0057 bits for a symbol of frequency 1 (and 0.0057/f for frequency
// f), under 2^-22 bits for one of frequency ≥ T/2. On average the loss (the divergence of the
// coded probabilities from the table's) is below n/(256*R*ln 2) bits per symbol for a table
// of n symbols: under 10^-7 bits for 257 symbols, so a long stream comes out within a byte
// or two of its information content (TestLongStream). The divisions by T are exact multiplications by a 64-bit
// reciprocal computed once per table (exact because R*c < 2^48 and T ≤ 2^16), and the
// decoder's symbol search compares products, so coding a symbol needs no hardware division.
//
// [Prob] is LZMA's adaptive bit probability (11 bits, adaptation shift 5). Raw bits
// ([Encoder.EncodeBits]) are coded in chunks of at most 16 as uniform symbols.
//
// # Message termination
//
// [Encoder.Flush] ends a message so that it decodes from the bytes emitted so far, whatever
// follows them, and the next message starts afresh without any handshake. Instead of LZMA's
// four or five bytes it emits only the pending carry bytes (which carry the message's own
// information) plus k = 1 or 2 bytes: the fewest leading bytes of the 32-bit window that name
// an aligned block of 2^(32-8k) values lying wholly inside the final interval [low, low+R). One
// byte suffices unless R < 2^25 and no block of 2^24 fits; two always do, since R ≥ 2^24. On
// average this costs about half a byte per message beyond the message's information (the
// tests measure it). Because every value in the block lies in the final interval, the bytes that
// follow (the next message, zero padding or nothing) cannot change how the message decodes.
//
// The decoder recomputes k from its own state (low is the window minus the code value, and R
// is shared), so [Decoder.EndMessage] consumes exactly those bytes, checks them against the
// value the encoder must have written (a window value decoded from corrupt input lands in the
// block with probability 2^(32-8k)/R, so this checks between 1 and 9 bits per message; it
// caught 93% of single-bit errors in TestCorrupt), hands back the look-ahead bytes it read beyond them and starts the next message afresh. As
// no coder state crosses a message boundary, a message's bytes also decode alone (given the
// model's state). A message in which nothing was coded (or only symbols of probability 1)
// costs no bytes at all. Close ends the last message the same way.
//
// # Running past the end of the input
//
// The decoder keeps a 4-byte window and so reads up to 4 bytes beyond the end of a message.
// When its reader reports [io.EOF] it substitutes zero bytes, which is what lets a message
// decode from exactly its own bytes; for a complete message, padding only ever stands for
// bytes after its end. A message whose bytes are not all present is reported as [io.ErrUnexpectedEOF] (wrapped
// in a [*DataError] carrying the offset) as soon as the decoder's window has moved wholly past
// the end of the input (the message cannot end before that), or at the latest by EndMessage.
// Every proper prefix of a valid stream fails so (TestTruncated). Once a message has ended the
// decoder reads its reader again, so a reader that reports io.EOF while drained and later
// returns more bytes (such as a [bytes.Buffer] a link proxy appends frames to) works.
//
// # Why integers only
//
// The encoder and decoder must split every interval identically on every machine, or the
// decoder silently decodes garbage. Floating point does not guarantee that in Go (fused
// multiply-add on arm64 and amd64 v3, CPU-dependent math routines), so the coder, its tables
// and its probabilities use unsigned integer arithmetic only, whose results Go defines exactly.
package arith

import (
	"errors"
	"fmt"
)

// MaxTotal is the largest total frequency a Table may have. With the range kept at 2^24 or
// more it leaves at least 8 bits of headroom, so every symbol's interval is at least 256 wide.
const MaxTotal = 1 << 16

// MaxBits is the largest number of raw bits EncodeBits and DecodeBits code in one call.
const MaxBits = 32

var (
	// ErrCorrupt reports input that no encoder could have produced: a first window equal to
	// 0xFFFFFFFF, or end-of-message bytes other than those the encoder writes.
	ErrCorrupt = errors.New("arith: corrupt input")

	// ErrTable reports an invalid frequency table: no symbols, a zero frequency or a total
	// above MaxTotal.
	ErrTable = errors.New("arith: invalid frequency table")

	// ErrValue reports a symbol, bit or raw value out of range for what it is coded with.
	ErrValue = errors.New("arith: value out of range")

	// ErrClosed reports use of an Encoder after Close.
	ErrClosed = errors.New("arith: encoder closed")

	errZero = errors.New("arith: zero Encoder or Decoder: use NewEncoder or NewDecoder")
)

// A DataError reports a problem in the decoder's input at a byte offset from the start of the
// stream. Err is ErrCorrupt or io.ErrUnexpectedEOF, so errors.Is works through it.
type DataError struct {
	Offset int64 // byte offset in the input where the problem shows
	Err    error // ErrCorrupt or io.ErrUnexpectedEOF
}

func (e *DataError) Error() string {
	msg := e.Err.Error()
	if e.Err == ErrCorrupt {
		msg = "corrupt input"
	}
	return fmt.Sprintf("arith: offset %d: %s", e.Offset, msg)
}

// Unwrap returns e.Err.
func (e *DataError) Unwrap() error { return e.Err }

// Coder codes one symbol: the encoder's writes sym and returns it, the decoder's ignores sym
// and returns the symbol it reads. A coding loop written once against Coder drives both the
// Encoder and the Decoder, so the two cannot drift apart.
type Coder interface {
	Code(t *Table, sym int) (int, error)
}

// MessageCoder is Coder with the rest of what a shared coding loop needs: adaptive bits, raw
// bits and the end of a message. *Encoder and *Decoder implement it.
type MessageCoder interface {
	Coder
	// CodeBit codes one bit with the adaptive probability p and returns it.
	CodeBit(p *Prob, bit int) (int, error)
	// CodeBits codes the n low bits of v as raw bits and returns them.
	CodeBits(v uint32, n int) (uint32, error)
	// CodeBitP codes one bit with the probability p1 of a 1, in units of 2^-16.
	CodeBitP(p1 uint32, bit int) (int, error)
	// EndMessage ends the current message (the encoder flushes it, the decoder consumes
	// the flush bytes).
	EndMessage() error
}

var (
	_ MessageCoder = (*Encoder)(nil)
	_ MessageCoder = (*Decoder)(nil)
)
