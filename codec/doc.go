// Package codec is the shared coding loop of mqzip's capture codec: the one piece of code that
// both the encoder and the decoder run, so that they cannot drift apart.
//
// A capture is coded block by block (the pcap file header and records, or the pcapng blocks,
// as package capture splits them; bytes that do not parse as a capture are coded as opaque
// blocks, so any input round-trips). Every decision goes through an arith.MessageCoder: on the
// encoder it writes the value it is given, on the decoder it returns the value it reads, and
// both then update the same models with it.
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

// newSession returns the state of a session with options opt.
func newSession(opt Options) (*state, error) {
	s := newState()
	if opt.Model != nil {
		nn, err := newNeural(opt.Model)
		if err != nil {
			return nil, err
		}
		s.nn = nn
	}
	return s, nil
}

// Encoder codes the blocks of a capture.
type Encoder struct{ s *state }

// NewEncoder returns an Encoder that codes through c with options opt. It fails only for a
// model that does not fit.
func NewEncoder(c arith.MessageCoder, opt Options) (*Encoder, error) {
	s, err := newSession(opt)
	if err != nil {
		return nil, err
	}
	s.enc = true
	s.k.c = c
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
func (e *Encoder) Block(kind Kind, raw []byte) error {
	e.s.block(kind, raw)
	return e.s.k.err
}

// Decoder decodes the blocks that an Encoder coded.
type Decoder struct{ s *state }

// NewDecoder returns a Decoder that reads through c with options opt, which must be those
// of the Encoder. It fails only for a model that does not fit.
func NewDecoder(c arith.MessageCoder, opt Options) (*Decoder, error) {
	s, err := newSession(opt)
	if err != nil {
		return nil, err
	}
	s.k.c = c
	return &Decoder{s: s}, nil
}

// Block decodes the next block: its kind (KindEnd at the end) and bytes, valid until the next
// call.
func (d *Decoder) Block() (Kind, []byte, error) {
	k, b := d.s.block(0, nil)
	return k, b, d.s.k.err
}
