// Package dataset turns MQTT captures into what the model of package lstm learns from and is
// measured on: for each TCP conversation, its messages in order, each with the metadata that
// travels raw (the fixed header: type, flags and remaining length, plus direction and timing)
// and the bytes the model predicts (those after the fixed header, then EOM).
//
// Each step of a message carries the feature vector described at Features, hints (the byte at
// the same place in an earlier message of the same type, and others: see Context) and the
// distributions of the experts (see Shared): adaptive context models of orders 0 to 6 whose
// statistics the conversations of a capture share, which the model mixes with its own
// prediction. They are what lets the model beat the baselines on captures it never saw: the
// LSTM alone knows MQTT, the experts know the capture at hand. Features are
// integers in units of 1/lstm.FeatOne computed with integer arithmetic only, so that an encoder
// and a decoder compute the same vector on any architecture. Conversations are split between
// training and validation whole (Split), never message by message.
//
// Run measures a Predictor (the float or quantized model, or the baselines: the adaptive
// order-k context model and Repeat) over conversations, by message type and direction.
// Predict shows what the quantized model generates for each message of a conversation. A
// Store keeps the coding state of many conversations in bounded memory.
package dataset

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/mqtt"
)

// Message is one MQTT message as the model sees it.
type Message struct {
	Dir             conv.Direction
	Type            mqtt.Type
	Flags           byte  // the low nibble of the first byte
	RemainingLength int   // from the fixed header: the length of Body
	Frame           int   // the number of the frame that completed the message
	Delta           int64 // nanoseconds since the previous message of the conversation (0 for the first)
	Header          []byte
	Body            []byte // the bytes after the fixed header
}

// Conversation is the MQTT messages of one TCP connection, in order.
type Conversation struct {
	Capture  string // the name of the capture it came from
	ID       int    // its number in the capture (Wireshark's tcp.stream)
	Messages []Message
}

// Steps returns the number of steps of the conversation's sequence: one per body byte and one
// per EOM.
func (c *Conversation) Steps() int {
	n := 0
	for i := range c.Messages {
		n += len(c.Messages[i].Body) + 1
	}
	return n
}

// Options tunes Read. The zero value is the default.
type Options struct {
	Dissect dissect.Config
	// MaxBody leaves out messages whose body is longer (such as images); 0 means 65536 and
	// a negative value keeps every message.
	MaxBody int
}

// ErrNoMQTT is returned by Read for a capture that holds no complete MQTT message.
var ErrNoMQTT = errors.New("dataset: no MQTT message in the capture")

// ReadFile reads the conversations of the capture at path.
func ReadFile(path, name string, opt Options) ([]Conversation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return Read(f, name, opt)
}

// Read dissects the capture read from r and returns its conversations, in the order of their
// first message. It keeps the complete messages (valid or malformed) and leaves out truncated
// ones and bytes that could not be framed. A capture that could not be read to its end gives
// the conversations read so far along with the error.
func Read(r io.Reader, name string, opt Options) ([]Conversation, error) {
	maxBody := opt.MaxBody
	if maxBody == 0 {
		maxBody = 1 << 16
	}
	h := &collector{name: name, maxBody: maxBody, byConv: map[*conv.Conversation]int{}}
	_, err := dissect.Run(r, opt.Dissect, h)
	if errors.Is(err, dissect.ErrUnsupportedLink) {
		err = nil // the MQTT of the supported frames is still good
	}
	if err != nil {
		return h.convs, fmt.Errorf("dataset: %s: %w", name, err)
	}
	if len(h.convs) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoMQTT, name)
	}
	return h.convs, nil
}

// collector gathers the messages of a dissection into conversations.
type collector struct {
	name    string
	maxBody int
	byConv  map[*conv.Conversation]int
	convs   []Conversation
	last    []int64 // per conversation, the time of its last message
}

func (h *collector) Frame(*dissect.Frame) {}

func (h *collector) Message(m *conv.Message) {
	p := m.Packet
	if p == nil || (m.Status != conv.StatusOK && m.Status != conv.StatusMalformed) || len(m.Raw) != p.PacketLen() {
		return
	}
	if h.maxBody >= 0 && p.RemainingLength > h.maxBody {
		return
	}
	i, ok := h.byConv[m.Conv]
	if !ok {
		i = len(h.convs)
		h.byConv[m.Conv] = i
		h.convs = append(h.convs, Conversation{Capture: h.name, ID: m.Conv.ID})
		h.last = append(h.last, m.Frame.Time)
	}
	c := &h.convs[i]
	msg := Message{
		Dir:             m.Dir,
		Type:            p.Type,
		Flags:           p.Flags,
		RemainingLength: p.RemainingLength,
		Frame:           m.Frame.Number,
		Header:          m.Raw[:p.Len],
		Body:            m.Raw[p.Len:],
	}
	if len(c.Messages) > 0 {
		msg.Delta = max(m.Frame.Time-h.last[i], 0)
	}
	h.last[i] = m.Frame.Time
	c.Messages = append(c.Messages, msg)
}

// Sequence returns the conversation as a sequence for package lstm, in pieces of at most
// maxSteps steps (0: no limit; the pieces cut only between messages, unless one message is
// longer than maxSteps). Each piece is run from the initial state in training. The experts'
// statistics are sh's, which the conversation's symbols are added to; nil stands for fresh
// ones.
func (c *Conversation) Sequence(sh *Shared, maxSteps int) []lstm.Sequence {
	var seqs []lstm.Sequence
	var cur lstm.Sequence
	if sh == nil {
		sh = NewShared()
	}
	fx := Context{Shared: sh}
	feat, hints := make([]int16, Features), make([]int, Hints)
	var exp [Experts][]uint32
	for i := range c.Messages {
		m := &c.Messages[i]
		if maxSteps > 0 && len(cur.Syms) > 0 && len(cur.Syms)+len(m.Body)+1 > maxSteps {
			seqs = append(seqs, cur)
			cur = lstm.Sequence{}
		}
		fx.Begin(m)
		for pos := 0; pos <= len(m.Body); pos++ {
			sym := uint16(lstm.EOM)
			if pos < len(m.Body) {
				sym = uint16(m.Body[pos])
			}
			fx.Step(feat, hints)
			cur.Syms = append(cur.Syms, sym)
			cur.Feats = append(cur.Feats, feat...)
			for _, h := range hints {
				cur.Hints = append(cur.Hints, uint16(h))
			}
			for _, f := range fx.Experts(&exp) {
				cur.Experts = append(cur.Experts, float32(f[sym])/lstm.FreqTotal)
			}
			if pos < len(m.Body) {
				fx.Push(m.Body[pos])
			}
		}
		fx.End()
	}
	if len(cur.Syms) > 0 {
		seqs = append(seqs, cur)
	}
	return seqs
}

// Sequences returns the sequences of all the conversations (see Conversation.Sequence), which
// share the experts' statistics in their order, as Run shares them.
func Sequences(convs []Conversation, maxSteps int) []lstm.Sequence {
	var seqs []lstm.Sequence
	sh := NewShared()
	for i := range convs {
		seqs = append(seqs, convs[i].Sequence(sh, maxSteps)...)
	}
	return seqs
}

// ReadFiles reads the conversations of the captures at paths, named by their paths, and drops
// the conversations that repeat an earlier one (Dedup). A capture without MQTT is skipped; any
// other error stops the reading.
func ReadFiles(paths []string, opt Options) ([]Conversation, error) {
	var all []Conversation
	for _, p := range paths {
		convs, err := ReadFile(p, p, opt)
		if err != nil && !errors.Is(err, ErrNoMQTT) {
			return nil, err
		}
		all = append(all, convs...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: in any of %d captures", ErrNoMQTT, len(paths))
	}
	return Dedup(all), nil
}

// ErrModel is returned for a model that was not trained on the features this package computes.
var ErrModel = errors.New("dataset: model does not fit the features")

// CheckModel returns an error wrapping ErrModel unless q was trained on the features, hints
// and experts this package computes (FeatureSet, Features, Hints and Experts).
func CheckModel(q *lstm.Quantized) error {
	c := q.Config()
	if fs := q.Meta().FeatureSet; fs != FeatureSet || c.Features != Features || c.Hints != Hints || c.Experts != Experts {
		return fmt.Errorf("%w: the model takes features %q (%d features, %d hints, %d experts), this build computes %q (%d, %d, %d)",
			ErrModel, fs, c.Features, c.Hints, c.Experts, FeatureSet, Features, Hints, Experts)
	}
	return nil
}
