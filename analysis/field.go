package analysis

import (
	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/table"
)

// The prediction rules, in order of preference when two cost the same. NumRules is their
// number.
const (
	ruleConstant = iota
	ruleSame
	ruleIncrement
	ruleAdvance
	ruleLength
	ruleOther
	NumRules
)

// RuleNames names the prediction rules as the field table shows them, in the order of the
// hit rates of Field.Hits.
var RuleNames = [NumRules]string{"constant", "same as last", "previous+1", "previous+length", "payload length", "other direction"}

// mirrors pairs the fields that swap meaning between the two directions of a conversation.
var mirrors = map[string]string{
	"ip.src": "ip.dst", "ip.dst": "ip.src",
	"tcp.srcport": "tcp.dstport", "tcp.dstport": "tcp.srcport",
	"tcp.seq": "tcp.ack", "tcp.ack": "tcp.seq",
	"tcp.seq_raw": "tcp.ack_raw", "tcp.ack_raw": "tcp.seq_raw",
}

// fieldStat accumulates the statistics of one field.
type fieldStat struct {
	name     string
	category string
	desc     string
	col      *table.Column // nil for a property field
	prop     mqtt.PropertyID
	mirror   int // index of the mirrored field, or -1

	vals      counter // X
	prevCtx   counter // the previous value (context)
	prevJoint counter // (previous value, X)
	typeJoint counter // (packet type, X)
	types     [17]int // packet types of the messages that carry the field (16: none)
	hits      [NumRules]int
}

func newFieldStat(name, category, desc string, limit int) *fieldStat {
	f := &fieldStat{name: name, category: category, desc: desc, mirror: -1}
	for _, c := range []*counter{&f.vals, &f.prevCtx, &f.prevJoint, &f.typeJoint} {
		c.limit = limit
	}
	return f
}

// fieldPrev is what a conversation direction remembers of a field's last value.
type fieldPrev struct {
	h      uint64
	n      int64
	num    bool
	ok     bool
	offRaw int64 // value minus the message length
	offPay int64 // value minus the MQTT payload length
	offOK  bool
}

// noPrev is the context hash of a field's first value in a conversation direction.
const noPrev = 0x6e6f2d70726576

// msgCtx is what the rules need to know of the message being scored.
type msgCtx struct {
	typ    int
	rawLen int64
	payLen int64
	prev   []fieldPrev // this direction's memory, or nil
	other  []fieldPrev // the opposite direction's memory, or nil
	pLen   [2]int64    // this direction's previous message: TCP length, message length
	pLenOK bool
	oTCP   int64 // the opposite direction's last TCP length
}

// observe scores value v of field i in message context x, then remembers it.
func (f *fieldStat) observe(i int, v []byte, x *msgCtx) {
	h := hashBytes(v)
	n, num := parseNum(v)
	f.vals.add(h)
	f.types[x.typ]++
	f.typeJoint.add(mix(uint64(x.typ)+1, h))
	var p *fieldPrev
	if i < len(x.prev) {
		p = &x.prev[i]
	}
	ctx := uint64(noPrev)
	if p != nil && p.ok {
		ctx = p.h
		if p.h == h {
			f.hits[ruleSame]++
		}
		if num && p.num {
			if n == p.n+1 {
				f.hits[ruleIncrement]++
			}
			if x.pLenOK && (n == p.n+x.pLen[0] && x.pLen[0] != 0 || n == p.n+x.pLen[1]) {
				f.hits[ruleAdvance]++
			}
		}
	}
	f.prevCtx.add(ctx)
	f.prevJoint.add(mix(ctx, h))
	if num && p != nil && p.offOK && (n-x.rawLen == p.offRaw || n-x.payLen == p.offPay) {
		f.hits[ruleLength]++
	}
	if f.otherHit(i, h, n, num, x) {
		f.hits[ruleOther]++
	}
	if p != nil {
		*p = fieldPrev{h: h, n: n, num: num, ok: true}
		if num {
			p.offRaw, p.offPay, p.offOK = n-x.rawLen, n-x.payLen, true
		}
	}
}

// otherHit reports whether the opposite direction's last message predicts the value: the same
// field, the mirrored one, or the mirrored one advanced by that message's TCP length.
func (f *fieldStat) otherHit(i int, h uint64, n int64, num bool, x *msgCtx) bool {
	if i < len(x.other) && x.other[i].ok && x.other[i].h == h {
		return true
	}
	j := f.mirror
	if j < 0 || j >= len(x.other) || !x.other[j].ok {
		return false
	}
	o := &x.other[j]
	return o.h == h || num && o.num && x.oTCP != 0 && n == o.n+x.oTCP
}

// result computes the field's row of the table; total is the number of messages.
func (f *fieldStat) result(total int) Field {
	n := f.vals.n
	r := Field{Name: f.name, Category: f.category, Description: f.desc, Present: n,
		Distinct: f.vals.distinct(), DistinctCapped: f.vals.over > 0}
	if n == 0 {
		return r
	}
	r.Entropy = f.vals.entropy()
	// Conditioning cannot add information; past MaxDistinct the estimates can, so they are
	// clamped to H(X).
	r.CondPrev = min(r.Entropy, max(0, f.prevJoint.entropy()-f.prevCtx.entropy()))
	r.CondType = min(r.Entropy, max(0, f.typeJoint.entropy()-entropyOfTypes(f.types[:], n)))
	hits := f.hits
	hits[ruleConstant] = f.vals.mode()
	for k := range hits {
		r.Hits[k] = float64(hits[k]) / float64(n)
	}
	r.Verdict, r.Rule, r.Bits = verdict(r.Distinct, r.Entropy, r.Hits)
	if total > 0 {
		r.BitsPerMessage = r.Bits * float64(n) / float64(total)
	}
	return r
}

func entropyOfTypes(types []int, n int) float64 {
	m := make(map[uint64]int32, len(types))
	for t, c := range types {
		if c > 0 {
			m[uint64(t)] = int32(min(c, 1<<30))
		}
	}
	return entropyOf(n, m)
}

// The verdicts of the field table.
const (
	VerdictFixed       = "fixed"
	VerdictPredictable = "predictable"
	VerdictRaw         = "raw"
)

// ruleTolerance is how many bits more than the cheapest rule an earlier (simpler) rule may
// cost and still be preferred: "same as last" over "other direction" for an address that both
// predict.
const ruleTolerance = 0.02

// verdict applies the documented thresholds: it returns the verdict, the rule (for a
// predictable field) and the cost in bits per message that carries the field.
func verdict(distinct int, entropy float64, hits [NumRules]float64) (string, string, float64) {
	if distinct <= 1 {
		return VerdictFixed, "", 0
	}
	var cost [NumRules]float64
	best := -1
	for k, p := range hits {
		cost[k] = binaryEntropy(p) + (1-p)*entropy
		if p >= MinHitRate && (best < 0 || cost[k] < cost[best]) {
			best = k
		}
	}
	if best < 0 || cost[best] > MaxCostRatio*entropy {
		return VerdictRaw, "", entropy
	}
	for k, p := range hits[:best] {
		if p >= MinHitRate && cost[k] <= cost[best]+ruleTolerance && cost[k] <= MaxCostRatio*entropy {
			best = k
			break
		}
	}
	return VerdictPredictable, RuleNames[best], cost[best]
}

// messageType is the packet type of m as an index of fieldStat.types (16: no packet).
func messageType(m *conv.Message) int {
	if m.Packet == nil {
		return 16
	}
	return int(m.Packet.Type & 15)
}
