package dataset

import (
	"math/bits"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/lstm"
)

// FeatureSet names the meaning of the features below; it is stored in model files
// (lstm.Meta.FeatureSet) so that a model is never fed features it was not trained on.
const FeatureSet = "mqzip-mqtt/4"

// Features is the number of features at every step. In units of 1/lstm.FeatOne, they are:
//
//	0       frame number of the message, log2(1+n)/32
//	1       time since the previous message of the conversation, log2(1+µs)/32
//	2       the conversation's past predictability: the share of the body bytes of its earlier
//	        messages that equalled their hint, (matched+1)/(total+2); a stand-in for the
//	        conversation's past compression ratio that needs no model to compute
//	3..18   message type, one-hot
//	19..22  the four flag bits of the fixed header
//	23      remaining length, log2(1+n)/32
//	24      direction: 1 client to broker, -1 broker to client, 0 unknown
//	25      position in the body, min(pos, 255)/32
//	26      body bytes left before EOM, min(left, 255)/32 (0 exactly at the EOM step)
//	27      body bytes left before EOM, log2(1+left)/32
//	28      1 when the step has a hint
//	29      1 when the hint comes from a message of the same remaining length
//	30      1 when the previous byte of the body equalled its hint
//	31      consecutive body bytes up to here that equalled their hints, min(run, 255)/32
//	32, 33  the confidence of the order-2 and order-4 guesses (below), in [0, 1)
//
// Each step has Hints hints (lstm.Model.Probs). The first is the byte at the same position of
// the candidate message, below. The second and third are the guesses of two adaptive context
// models of the conversation's symbol stream (body bytes and EOMs) of orders 2 and 4: for each
// context, a table slot keeps a likeliest symbol with a majority counter (the count goes up
// when the symbol comes again, down when another does, and another symbol takes the slot at
// zero); the confidence is count/(seen+1). They bring the LSTM what it cannot learn in advance:
// the statistics of the conversation at hand.
//
// The first hint of a step is the byte at the same position of the candidate
// message: the last message of the conversation, in either direction, with the same type and
// remaining length if there is one in the Context's table, else the last one with the same
// type. (A broker echoes a client's PUBLISH to the client when it subscribes to its own topic:
// the candidate is then the message just sent.) The hint is EOM where the candidate ends, and
// lstm.NoHint past its end or without a candidate.
//
// log2 is computed in integers: the position of the leading bit plus the next 12 bits as the
// fraction (a piecewise-linear log2).
const Features = 34

// Hints is the number of hints at every step.
const Hints = 3

const (
	fFrame = iota
	fDelta
	fPredictable
	fType
	fFlags    = fType + 16
	fLength   = fFlags + 4
	fDir      = fLength + 1
	fPos      = fDir + 1
	fLeft     = fPos + 1
	fLeftLog  = fLeft + 1
	fHint     = fLeftLog + 1
	fSameLen  = fHint + 1
	fMatched  = fSameLen + 1
	fRun      = fMatched + 1
	fConf2    = fRun + 1
	fConf4    = fConf2 + 1
	nFeatures = fConf4 + 1
)

// tableSize is the number of slots of a Context's table of messages by type and remaining
// length.
const tableSize = 64

// guessSlots is the number of slots of each adaptive context model of a Context.
const guessSlots = 1024

// Context computes the features and hints of the steps of one conversation, message after
// message: Begin when a message's fixed header is known, then Step before each symbol and
// Push after each body byte, then End. It sees the body only through Push, so an encoder and
// a decoder run it alike. Its memory is bounded: the bodies of the last message of each type
// (16) and of a direct-mapped table of tableSize recent messages. The zero
// Context is ready to use.
type Context struct {
	base           [Features]int16
	length, pos    int
	run            int
	matched, total int64
	cand           []byte // the candidate message's body, or nil
	body           []byte // the body pushed so far
	last           [16][]byte
	lastSeen       [16]bool
	table          [tableSize]slot
	key            uint64
	hist           uint64 // the last 4 symbols of the conversation, 9 bits each, the newest lowest
	guess          [2][guessSlots]guess
}

// guess is a slot of an adaptive context model.
type guess struct {
	key        uint64 // 0: empty
	sym        uint16
	cnt, total uint16
}

// guessOrders are the orders of the adaptive context models.
var guessOrders = [2]int{2, 4}

// slot returns the slot of the context of order guessOrders[i] and its key.
func (c *Context) slot(i int) (*guess, uint64) {
	k := guessOrders[i]
	key := c.hist&(1<<(9*k)-1) | uint64(k)<<56 | 1<<63
	return &c.guess[i][(key*0x9e3779b97f4a7c15)>>(64-10)], key
}

// observe records that symbol x came, in the context models and the history.
func (c *Context) observe(x int) {
	for i := range c.guess {
		g, key := c.slot(i)
		switch {
		case g.key != key:
			*g = guess{key: key, sym: uint16(x), cnt: 1, total: 1}
		case int(g.sym) == x:
			g.cnt = min(g.cnt+1, 1<<15)
			g.total = min(g.total+1, 1<<15)
		case g.cnt > 1:
			g.cnt--
			g.total = min(g.total+1, 1<<15)
		default:
			g.sym, g.cnt = uint16(x), 1
			g.total = min(g.total+1, 1<<15)
		}
	}
	c.hist = (c.hist<<9 | uint64(x)) & (1<<36 - 1)
}

type slot struct {
	key  uint64 // 0: empty
	body []byte
}

// Begin starts message m; only its metadata is read (not its body).
func (c *Context) Begin(m *Message) {
	b := &c.base
	*b = [Features]int16{}
	b[fFrame] = logFeature(uint64(max(m.Frame, 0)))
	b[fDelta] = logFeature(uint64(max(m.Delta, 0) / 1000))
	b[fPredictable] = int16((c.matched + 1) * lstm.FeatOne / (c.total + 2))
	b[fType+int(m.Type&15)] = lstm.FeatOne
	for i := range 4 {
		if m.Flags>>i&1 != 0 {
			b[fFlags+i] = lstm.FeatOne
		}
	}
	b[fLength] = logFeature(uint64(max(m.RemainingLength, 0)))
	switch m.Dir {
	case conv.ClientToBroker:
		b[fDir] = lstm.FeatOne
	case conv.BrokerToClient:
		b[fDir] = -lstm.FeatOne
	}
	c.length, c.pos, c.run, c.body = max(m.RemainingLength, 0), 0, 0, c.body[:0]
	t := m.Type & 15
	c.key = uint64(m.RemainingLength)<<4 | uint64(t) | 1<<63
	c.cand = nil
	if s := &c.table[c.key%tableSize]; s.key == c.key {
		c.cand = s.body
		b[fSameLen] = lstm.FeatOne
	} else if c.lastSeen[t] {
		c.cand = c.last[t]
	}
}

// Step writes to dst (Features values) and hints (Hints values) the features and hints of the
// next step, the one that predicts the body byte at the current position or the EOM after
// the body.
func (c *Context) Step(dst []int16, hints []int) {
	copy(dst, c.base[:])
	left := max(c.length-c.pos, 0)
	dst[fPos] = int16(min(c.pos, 255) * lstm.FeatOne / 32)
	dst[fLeft] = int16(min(left, 255) * lstm.FeatOne / 32)
	dst[fLeftLog] = logFeature(uint64(left))
	if c.pos > 0 && c.run > 0 {
		dst[fMatched] = lstm.FeatOne
	}
	dst[fRun] = int16(min(c.run, 255) * lstm.FeatOne / 32)
	for i := range c.guess {
		hints[1+i] = lstm.NoHint
		if g, key := c.slot(i); g.key == key {
			hints[1+i] = int(g.sym)
			dst[fConf2+i] = int16(int(g.cnt) * lstm.FeatOne / (int(g.total) + 1))
		}
	}
	hint := lstm.NoHint
	switch {
	case c.cand == nil || c.pos > len(c.cand):
	case c.pos == len(c.cand):
		hint = lstm.EOM
	default:
		hint = int(c.cand[c.pos])
	}
	dst[fHint] = 0
	if hint != lstm.NoHint {
		dst[fHint] = lstm.FeatOne
	}
	hints[0] = hint
}

// Push records the body byte that came at the current position.
func (c *Context) Push(x byte) {
	if c.cand != nil && c.pos < len(c.cand) && c.cand[c.pos] == x {
		c.run++
		c.matched++
	} else {
		c.run = 0
	}
	c.total++
	c.body = append(c.body, x)
	c.pos++
	c.observe(int(x))
}

// End records the message whose bytes were pushed, and the EOM after them.
func (c *Context) End() {
	c.observe(lstm.EOM)
	t := int(c.key & 15)
	c.last[t] = append(c.last[t][:0], c.body...)
	c.lastSeen[t] = true
	s := &c.table[c.key%tableSize]
	s.key = c.key
	s.body = append(s.body[:0], c.body...)
}

// logFeature returns log2(1+x)/32 in units of 1/lstm.FeatOne.
func logFeature(x uint64) int16 {
	return int16(log2Fixed(x+1) / 32)
}

// log2Fixed returns a piecewise-linear log2(x) in units of 1/lstm.FeatOne (0 for x = 0): the
// index of the leading bit, and the FeatShift bits after it as the fraction.
func log2Fixed(x uint64) int64 {
	if x == 0 {
		return 0
	}
	n := bits.Len64(x) - 1
	frac := (x << (63 - n)) >> (63 - lstm.FeatShift) & (lstm.FeatOne - 1)
	return int64(n)<<lstm.FeatShift | int64(frac)
}
