package dataset

import (
	"math/bits"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/mqtt"
)

// FeatureSet names the meaning of the features below; it is stored in model files
// (lstm.Meta.FeatureSet) so that a model is never fed features it was not trained on.
const FeatureSet = "mqzip-mqtt/8"

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
//	34, 35  the confidence of the order-1 and order-3 guesses
//	36      1 when the step has a topic hint (below)
//	37..43  for each hint slot, how often its hint was right in this conversation at this
//	        place: (hits+1/2)/(trials+1) over the earlier steps with a hint in that slot of
//	        the messages of the same type and direction, at the same position of the body
//	        (positions from 63 on share one count); counts are halved past 64 trials so that
//	        they follow change. It lets the copy gates distrust a hint that has been wrong
//	        there, such as the last value of a sensor reading that always changes.
//	44..46  for each expert (see Experts), the largest frequency of its table, in [0, 1)
//	47      the highest order of the Shared statistics whose context was seen, /8 (-1/8
//	        for none); 0 without a Shared
//
// Each step has Hints hints (lstm.Model.Probs). The first is the byte at the same position of
// the candidate message, below. The second to fifth are the guesses of adaptive context
// models of the conversation's symbol stream (body bytes and EOMs) of orders 2, 4, 1 and 3. The
// sixth, the topic hint, is the next symbol of the message that the "repeat" baseline expects
// (see Repeat): for a PUBLISH, while its topic is read, the latest earlier PUBLISH of the
// conversation that begins with the bytes read so far, then the latest with the same topic;
// for the other types, none. The seventh is the candidate message's byte one position back
// (or EOM): it is right where the message has one byte more than its candidate before this
// place, as when a number gains a digit. For each
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
const Features = 48

// Hints is the number of hints at every step.
const Hints = 7

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
	fConf1    = fConf4 + 1
	fConf3    = fConf1 + 1
	fTopic    = fConf3 + 1
	fHitRate  = fTopic + 1
	fExpConf  = fHitRate + Hints
	fDepth    = fExpConf + Experts
	nFeatures = fDepth + 1
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
// Context is ready to use; with Shared set, it also computes the experts' distributions
// (Experts) and adds what it is shown to the shared statistics.
type Context struct {
	// Shared holds the statistics that the conversations of a capture share, or is nil.
	Shared *Shared

	exp  [Experts][lstm.Symbols]uint32 // the experts' tables of the last step
	undo *journal                      // a clone's: how to undo its changes to Shared

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
	hist           uint64 // the last 6 symbols of the conversation, 9 bits each, the newest lowest
	guess          [len(guessOrders)][guessSlots]guess
	pubs           [pubHistory][]byte // the bodies of the last PUBLISH messages, a ring
	npubs          int                // PUBLISH messages seen
	topic          []byte             // the topic candidate, or nil
	topicFixed     bool               // the topic is complete: the topic candidate stays
	publish        bool               // the current message is a PUBLISH
	place          int                // the current message's type and direction, times hitPlaces
	hints          [Hints]int         // the hints of the last step
	hits           [hitTypes * hitPlaces][Hints]hitCount
}

// hitPlaces is the number of positions in a body for which a Context counts the hits of each
// hint slot; hitTypes the number of pairs of message type and direction.
const (
	hitPlaces = 64
	hitTypes  = 16 * 3
)

// hitCount counts how often a hint slot was right at a place.
type hitCount struct{ hits, trials uint8 }

// pubHistory is the number of earlier PUBLISH bodies a Context keeps for the topic hint.
const pubHistory = 16

// guess is a slot of an adaptive context model.
type guess struct {
	key        uint64 // 0: empty
	sym        uint16
	cnt, total uint16
}

// confFeature is the feature of the confidence of each adaptive context model.
var confFeature = [len(guessOrders)]int{fConf2, fConf4, fConf1, fConf3}

// guessOrders are the orders of the adaptive context models.
var guessOrders = [4]int{2, 4, 1, 3}

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
	if c.Shared != nil {
		c.Shared.update(c.hist, x, c.undo)
	}
	c.hist = (c.hist<<9 | uint64(x)) & (1<<(9*maxOrder) - 1)
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
	c.publish = t == mqtt.Publish
	c.place = (int(t)*3 + int(b[fDir]/lstm.FeatOne+1)) * hitPlaces
	for k := range c.hints {
		c.hints[k] = lstm.NoHint
	}
	c.topic, c.topicFixed = nil, false
	if c.publish && c.npubs > 0 {
		c.topic = c.pubs[(c.npubs-1)%pubHistory]
	}
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
			dst[confFeature[i]] = int16(int(g.cnt) * lstm.FeatOne / (int(g.total) + 1))
		}
	}
	hints[1+len(c.guess)] = lstm.NoHint
	switch {
	case c.topic == nil || c.pos > len(c.topic):
	case c.pos == len(c.topic):
		hints[1+len(c.guess)] = lstm.EOM
	default:
		hints[1+len(c.guess)] = int(c.topic[c.pos])
	}
	dst[fTopic] = 0
	if hints[1+len(c.guess)] != lstm.NoHint {
		dst[fTopic] = lstm.FeatOne
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
	hints[6] = lstm.NoHint
	switch {
	case c.cand == nil || c.pos == 0 || c.pos > len(c.cand)+1:
	case c.pos == len(c.cand)+1:
		hints[6] = lstm.EOM
	default:
		hints[6] = int(c.cand[c.pos-1])
	}
	hc := &c.hits[c.place+min(c.pos, hitPlaces-1)]
	for k := range Hints {
		c.hints[k] = hints[k]
		dst[fHitRate+k] = int16((2*int(hc[k].hits) + 1) * lstm.FeatOne / (2*int(hc[k].trials) + 2))
	}
	if c.Shared != nil {
		dst[fDepth] = int16(c.Shared.blend(c.hist, &c.exp) * lstm.FeatOne / 8)
		for e := range c.exp {
			var top uint32
			for _, f := range c.exp[e] {
				top = max(top, f)
			}
			dst[fExpConf+e] = int16(min(top, lstm.FreqTotal-1) >> (lstm.FreqBits - lstm.FeatShift))
		}
	}
}

// Experts writes to dst the experts' frequency tables for the step that Step described last
// (see Shared), and returns dst; without a Shared, it returns nil. The tables are c's: the
// next Step overwrites them.
func (c *Context) Experts(dst *[Experts][]uint32) [][]uint32 {
	if c.Shared == nil {
		return nil
	}
	for e := range dst {
		dst[e] = c.exp[e][:]
	}
	return dst[:]
}

// countHits records in the hit counts whether the hints of the last step were x.
func (c *Context) countHits(x int) {
	hc := &c.hits[c.place+min(c.pos, hitPlaces-1)]
	for k, h := range c.hints {
		if h == lstm.NoHint {
			continue
		}
		n := &hc[k]
		if n.trials >= 64 {
			n.hits, n.trials = n.hits/2, n.trials/2
		}
		n.trials++
		if h == x {
			n.hits++
		}
	}
}

// Push records the body byte that came at the current position.
func (c *Context) Push(x byte) {
	c.countHits(int(x))
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
	if c.publish && !c.topicFixed {
		c.findTopic()
	}
}

// findTopic picks the topic candidate while a PUBLISH's topic is being read.
func (c *Context) findTopic() {
	b := c.body
	if len(b) >= 2 && len(b) >= 2+int(b[0])<<8|int(b[1]) {
		c.topicFixed = true
	}
	c.topic = nil
	for i := c.npubs - 1; i >= max(c.npubs-pubHistory, 0); i-- {
		if p := c.pubs[i%pubHistory]; len(p) >= len(b) && string(p[:len(b)]) == string(b) {
			c.topic = p
			return
		}
	}
}

// End records the message whose bytes were pushed, and the EOM after them.
func (c *Context) End() {
	c.countHits(lstm.EOM)
	c.observe(lstm.EOM)
	t := int(c.key & 15)
	c.last[t] = append(c.last[t][:0], c.body...)
	c.lastSeen[t] = true
	s := &c.table[c.key%tableSize]
	s.key = c.key
	s.body = append(s.body[:0], c.body...)
	if c.publish {
		p := &c.pubs[c.npubs%pubHistory]
		*p = append((*p)[:0], c.body...)
		c.npubs++
	}
}

// Discard undoes the changes that c, a clone, made to the Shared statistics, the latest
// first, so that they are as they were when c was cloned (provided that nothing else changed
// them since). c must not be used afterwards. It does nothing for a Context that is not a
// clone.
func (c *Context) Discard() {
	if c.undo != nil {
		c.undo.rollback()
		c.undo = nil
	}
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

// Clone returns a copy of c that can be stepped on its own without changing c, as to try out
// what a model would generate.
// The clone adds to the Shared statistics of c as c would, so that it predicts as c would,
// and keeps a journal of its changes: Discard undoes them.
func (c *Context) Clone() *Context {
	d := *c
	d.undo = &journal{}
	d.body = append([]byte(nil), c.body...)
	for i := range d.last {
		d.last[i] = append([]byte(nil), c.last[i]...)
	}
	for i := range d.table {
		d.table[i].body = append([]byte(nil), c.table[i].body...)
	}
	for i := range d.pubs {
		d.pubs[i] = append([]byte(nil), c.pubs[i]...)
	}
	return &d
}
