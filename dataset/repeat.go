package dataset

import (
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/mqtt"
)

// MessageStarter is implemented by a Predictor that wants to know each message's metadata
// (never its body) before its first step; Run calls StartMessage after Begin.
type MessageStarter interface {
	StartMessage(m *Message)
}

// repeatHistory is the number of earlier messages of each type that Repeat keeps for each
// conversation.
const repeatHistory = 64

// Repeat is the baseline that expects each message to repeat the previous message of the same
// type and topic in its conversation. For a PUBLISH, whose topic is in its body, the candidate
// is, while the topic is being read, the latest earlier PUBLISH whose body begins with the
// bytes read so far, and once the topic is complete the latest with that topic (kept even when
// the payload then differs). For the other types it is the latest message of the same type.
//
// Its escape model: the candidate's next symbol (a byte or EOM) gets the probability that the
// candidate was right in the past (an adaptive estimate kept apart for the first symbol of a
// candidate, for a symbol after a right guess and after a wrong one), and the rest is spread
// by an adaptive order-2 context model (ContextModel). Without a candidate, the order-2 model
// alone predicts. The estimates and the order-2 model learn across conversations.
type Repeat struct {
	fallback *ContextModel
	hits     [3][2]float64 // per state: hits and trials
	fall     []float64

	past  map[mqtt.Type][][]byte // this conversation's earlier bodies, the newest last
	typ   mqtt.Type
	body  []byte
	cand  []byte // the candidate, or nil
	fixed bool   // the topic is complete: the candidate no longer changes
	state int    // 0: first symbol, 1: after a right guess, 2: after a wrong one
	guess int    // the candidate's symbol at this step, or -1
}

// NewRepeat returns the baseline, empty.
func NewRepeat() *Repeat {
	r := &Repeat{fallback: NewContextModel(2), fall: make([]float64, lstm.Symbols)}
	for i := range r.hits {
		r.hits[i] = [2]float64{0.5, 1}
	}
	return r
}

// Begin starts a conversation: it forgets the earlier messages.
func (r *Repeat) Begin() { r.past = map[mqtt.Type][][]byte{} }

// StartMessage starts message m, of which it reads the type only.
func (r *Repeat) StartMessage(m *Message) {
	if r.past == nil {
		r.Begin()
	}
	r.typ, r.body, r.state = m.Type, r.body[:0], 0
	r.fixed = m.Type != mqtt.Publish
	r.cand = nil
	if p := r.past[m.Type]; len(p) > 0 {
		r.cand = p[len(p)-1]
	}
}

// Predict writes the distribution of the next symbol to dst; the features, hints and experts
// are not used.
func (r *Repeat) Predict(_ []int16, _ []int, _ [][]uint32, dst []float64) {
	r.fallback.Probs(r.fall)
	r.guess = -1
	if r.cand != nil && len(r.body) <= len(r.cand) && (r.fixed || startsWith(r.cand, r.body)) {
		r.guess = lstm.EOM
		if len(r.body) < len(r.cand) {
			r.guess = int(r.cand[len(r.body)])
		}
	}
	if r.guess < 0 {
		copy(dst, r.fall)
		return
	}
	h := &r.hits[r.state]
	p := h[0] / h[1]
	for s, v := range r.fall {
		dst[s] = (1 - p) * v
	}
	dst[r.guess] += p
}

// Update records the symbol that came.
func (r *Repeat) Update(sym int) {
	r.fallback.Update(sym)
	if r.guess >= 0 {
		h := &r.hits[r.state]
		h[1]++
		r.state = 2
		if sym == r.guess {
			h[0]++
			r.state = 1
		}
	}
	if sym == lstm.EOM {
		p := append(r.past[r.typ], append([]byte(nil), r.body...))
		r.past[r.typ] = p[max(len(p)-repeatHistory, 0):]
		return
	}
	r.body = append(r.body, byte(sym))
	if !r.fixed {
		r.refind()
	}
}

// refind picks, while a PUBLISH's topic is being read, the latest earlier PUBLISH that begins
// with the bytes read so far, and fixes it once the topic is complete.
func (r *Repeat) refind() {
	if n := len(r.body); n >= 2 && n >= 2+int(r.body[0])<<8|int(r.body[1]) {
		r.fixed = true
	}
	p := r.past[r.typ]
	for i := len(p) - 1; i >= 0; i-- {
		if startsWith(p[i], r.body) {
			r.cand = p[i]
			return
		}
	}
	r.cand = nil
}

func startsWith(b, prefix []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}
