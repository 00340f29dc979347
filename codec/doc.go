// Package codec is the shared coding loop of mqzip's capture codec: the one piece of code that
// both the encoder and the decoder run, so that they cannot drift apart.
//
// A capture is coded block by block (the pcap file header and records, or the pcapng blocks,
// as package capture splits them; bytes that do not parse as a capture are coded as opaque
// blocks, so any input round-trips). Every decision goes through an arith.MessageCoder: on the
// encoder it writes the value it is given, on the decoder it returns the value it reads, and
// both then update the same models with it.
//
// An Encoder or Decoder codes one segment: a run of whole blocks that package encoder cuts
// from the capture by input size, each coded with fresh models so that segments can be coded
// and decoded in parallel. A segment's stream starts with its Context, the structural facts of
// the blocks before it (byte order, timestamp resolution, link types: see Context), and ends
// with KindEnd; so it decodes on its own, given only its bytes and its input offset.
//
// The models are integer-only and structure-aware. Fields that can be predicted are coded as
// "equals the prediction" flags with the difference coded only when the flag is off:
// timestamps against the previous one, lengths against the lengths that other headers imply,
// IP identifiers against the flow's last plus one, TCP sequence and acknowledgement numbers
// against the flow's next expected ones, TCP timestamps against the flow's last, and checksums
// against their recomputed values (checksums are coded after everything they cover, so the
// decoder can recompute them too). Other header bytes are predicted by the same bytes of the
// flow's previous frame; a frame's flow is named by its position in a list of recent flows.
// TCP payload is framed as MQTT (packet type, position in the packet) and each byte is
// predicted from the same position of the flow's last packet of the same type. All bits use
// adaptive probabilities of 16-bit precision.
//
// MQTT packet bodies are also predicted by the byte-level LSTM (package lstm), with a state of
// its own for each TCP conversation, when Options.Model is set: its bit probabilities enter
// the payload model's mixer beside the context models (see neural).
package codec

import (
	"crypto/sha256"
	"fmt"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/lstm"
)

// ModelVersion numbers the models of this package: any change to them that changes the coded
// bits increments it, so that a file is never decoded with models other than those that coded
// it.
const ModelVersion = 6

// Options are the choices of a coding session, which its encoder and decoder must share.
type Options struct {
	// Model is the LSTM that predicts MQTT packet bodies beside the context models, or nil
	// for none. It must fit package dataset's features (dataset.CheckModel).
	Model *lstm.Quantized
}

// ModelID returns the identifier of the models that code with opt, which .mqz headers carry:
// the SHA-256 of this package's models' name and version and of the LSTM's ID, if any.
func ModelID(opt Options) [32]byte {
	name := fmt.Sprintf("mqzip codec context models v%d", ModelVersion)
	if opt.Model != nil {
		id := opt.Model.ID()
		name += fmt.Sprintf(" + lstm %x", id[:])
	}
	return sha256.Sum256([]byte(name))
}

// newSession returns the state of a session with options opt, its tables from pool.
func newSession(opt Options, pool *Pool) (*state, error) {
	s := newState(pool)
	if opt.Model != nil {
		nn, err := newNeural(opt.Model)
		if err != nil {
			return nil, err
		}
		s.nn = nn
	}
	return s, nil
}

// Encoder codes the blocks of one segment of a capture.
type Encoder struct{ s *state }

// NewEncoder returns an Encoder that codes one segment through c with options opt, with fresh
// models (their tables from pool, which may be nil): it codes ctx first, the Context of the
// capture's blocks before the segment (the zero Context for the first segment), so that the
// segment can be decoded on its own. It fails only for a model that does not fit.
func NewEncoder(c arith.MessageCoder, ctx Context, pool *Pool, opt Options) (*Encoder, error) {
	s, err := newSession(opt, pool)
	if err != nil {
		return nil, err
	}
	s.enc = true
	s.k.c = c
	ctx = ctx.Clone()
	s.codeContext(ctx, 0)
	s.setContext(ctx)
	return &Encoder{s: s}, nil
}

// Measure turns on the accounting of where the bits go (see Stats); it costs time.
func (e *Encoder) Measure() { e.s.k.stats = new(Stats) }

// Stats returns where the bits went so far (zero unless Measure was called).
func (e *Encoder) Stats() Stats {
	if e.s.k.stats == nil {
		return Stats{}
	}
	return *e.s.k.stats
}

// Block codes one block of the given kind with its exact bytes. The block is left as it was.
// KindEnd ends the segment.
func (e *Encoder) Block(kind Kind, raw []byte) error {
	e.s.block(kind, raw)
	return e.s.k.err
}

// Context returns the Context after the blocks coded so far.
func (e *Encoder) Context() Context { return e.s.ctx.Clone() }

// Release hands the Encoder's model tables back to its Pool, if any, for the Encoders and
// Decoders made after it; the Encoder must not be used after.
func (e *Encoder) Release() { e.s.release() }

// Decoder decodes the blocks of a segment that an Encoder coded.
type Decoder struct{ s *state }

// NewDecoder returns a Decoder of one segment read through c with options opt (those of the
// Encoder), with fresh models (their tables from pool, which may be nil): it decodes the
// segment's starting Context at once. offset is the input offset at which the segment starts
// (the capture bytes before it), which bounds the Context a valid stream can hold. It fails
// for a model that does not fit, or a Context that does not decode.
func NewDecoder(c arith.MessageCoder, offset int64, pool *Pool, opt Options) (*Decoder, error) {
	s, err := newSession(opt, pool)
	if err != nil {
		return nil, err
	}
	s.k.c = c
	s.setContext(s.codeContext(Context{}, offset/minIDB))
	if s.k.err != nil {
		return nil, s.k.err
	}
	return &Decoder{s: s}, nil
}

// Limit makes the next blocks fail as corrupt if they claim more than n bytes (n ≤ MaxBlock):
// the decoder of a segment passes what remains of the segment's length, so that a damaged
// length fails before its bytes are allocated and decoded.
func (d *Decoder) Limit(n int) { d.s.maxBlock = min(n, MaxBlock) }

// Block decodes the next block: its kind (KindEnd at the end of the segment) and bytes, valid
// until the next call.
func (d *Decoder) Block() (Kind, []byte, error) {
	k, b := d.s.block(0, nil)
	return k, b, d.s.k.err
}

// Context returns the Context after the blocks decoded so far: right after NewDecoder, the
// segment's starting Context.
func (d *Decoder) Context() Context { return d.s.ctx.Clone() }

// Release hands the Decoder's model tables back to its Pool, if any, for the Encoders and
// Decoders made after it; the Decoder must not be used after.
func (d *Decoder) Release() { d.s.release() }
