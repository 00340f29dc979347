package conv

import (
	"container/list"
	"net/netip"

	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/packet"
)

// Kind says whether a conversation carries MQTT.
type Kind int8

// The kinds of conversation.
const (
	KindUndecided Kind = iota // detection has not decided yet
	KindMQTT                  // MQTT, by port or by detection
	KindOther                 // not MQTT
)

// Conversation is one TCP connection.
type Conversation struct {
	ID         int            // Wireshark's tcp.stream: connections numbered from 0 in order of first frame
	A, B       netip.AddrPort // A sent the first frame seen, B received it
	Client     netip.AddrPort // the MQTT client, once the direction is decided
	Broker     netip.AddrPort // the broker, once the direction is decided
	DirRule    Rule           // the evidence that decided the direction
	Kind       Kind
	KindRule   string       // "port", "connect", "framing" or why it is not MQTT
	Version    mqtt.Version // from CONNECT, or guessed
	VersionBy  string       // "connect", "guess: <reason>", or "default"
	ClientID   string       // from CONNECT
	FirstFrame int
	Start      int64 // time of the first frame, ns since the Unix epoch
	Messages   int   // messages delivered so far

	cfg       *Config
	key       connKey
	elem      *list.Element
	half      [2]half // [0]: A→B, [1]: B→A
	clientIdx int     // index of the client's half; valid when DirRule != RuleNone
	lastTime  int64
	frames    int
	closed    bool
	ended     bool // FIN both ways or RST: its buffers are freed
	counted   bool // counted among the MQTT conversations
	holding   bool
	held      []*Message
	holdFrom  int
	holdStart int
	lastMsg   int64 // time of the last message delivered, for ConvDelta
	counts    [2]int
	nmsg      int
}

func newConversation(id int, k connKey, src, dst netip.AddrPort, f Frame, cfg *Config) *Conversation {
	c := &Conversation{ID: id, A: src, B: dst, cfg: cfg, key: k, FirstFrame: f.Number, Start: f.Time}
	switch {
	case cfg.isServerPort(dst.Port()) && !cfg.isServerPort(src.Port()):
		c.setDirection(0, RulePort)
	case cfg.isServerPort(src.Port()) && !cfg.isServerPort(dst.Port()):
		c.setDirection(1, RulePort)
	}
	if cfg.isMQTTPort(src.Port()) || cfg.isMQTTPort(dst.Port()) {
		c.Kind, c.KindRule = KindMQTT, "port"
	} else if cfg.NoDetect {
		c.Kind, c.KindRule = KindOther, "port"
	}
	// Messages are held until the version (and the direction) are known.
	c.holding = true
	return c
}

// setDirection records that half i is the client's.
func (c *Conversation) setDirection(i int, r Rule) {
	c.clientIdx, c.DirRule = i, r
	if i == 0 {
		c.Client, c.Broker = c.A, c.B
	} else {
		c.Client, c.Broker = c.B, c.A
	}
}

// dir returns the direction of half i.
func (c *Conversation) dir(i int) Direction {
	if c.DirRule == RuleNone {
		return DirUnknown
	}
	if i == c.clientIdx {
		return ClientToBroker
	}
	return BrokerToClient
}

// restartedBy reports whether a SYN from src with sequence number seq starts a new connection
// on this conversation's 4-tuple.
func (c *Conversation) restartedBy(src netip.AddrPort, seq uint32) bool {
	i := 0
	if src != c.A {
		i = 1
	}
	h := &c.half[i]
	o := &c.half[1-i]
	if h.fin || o.fin || h.rst || o.rst {
		return true
	}
	return h.synSeen && h.isn != seq
}

// segment handles one TCP segment from half i (fromA says whether it comes from A).
func (c *Conversation) segment(t *Tracker, fromA bool, info *FrameInfo, p *packet.Packet) Result {
	i := 0
	if !fromA {
		i = 1
	}
	h, o := &c.half[i], &c.half[1-i]
	syn := p.Flags&flagSYN != 0
	if syn && p.Flags&flagACK == 0 && c.DirRule == RuleNone {
		c.setDirection(i, RuleSYN)
	} else if syn && c.DirRule == RuleNone {
		c.setDirection(1-i, RuleSYN)
	}
	h.begin(p.Seq, syn)
	if p.Flags&flagACK != 0 && !o.started && !o.ackBase {
		o.base, o.ackBase = p.Ack-1, true
	}
	if p.Flags&flagACK != 0 && p.Flags&flagRST == 0 && o.started && c.Kind != KindOther && !c.closed {
		o.acked(c, t, 1-i, p.Ack)
	}
	info.RelSeq = p.Seq - h.base
	if p.Flags&flagACK != 0 {
		info.RelAck = p.Ack - o.base
	}
	res := Result{Label: segLabel(p.Flags)}
	if p.Flags&flagRST != 0 {
		h.rst = true
	}
	if c.Kind == KindOther || c.closed {
		h.trackOnly(p)
		if p.PayloadLen > 0 {
			res.Label = LabelData
		}
		return res
	}
	if p.PayloadLen > 0 || len(p.Payload) > 0 {
		res.Label = h.add(c, t, i, info, p)
	}
	if p.Flags&flagFIN != 0 {
		h.fin = true
		h.finSeq = p.Seq + uint32(p.PayloadLen)
	}
	before := c.nmsg
	c.process(t, i)
	if h.fin && h.next == h.finSeq || p.Flags&flagRST != 0 {
		h.drain(c, t, i, "connection closed")
		h.discard()
		if p.Flags&flagRST != 0 || o.fin && o.next == o.finSeq {
			t.ended(c)
		}
	}
	if n := c.nmsg - before; n > 0 {
		res.Completed = n
		res.Label = LabelMQTT
	}
	return res
}

func segLabel(flags uint16) Label {
	switch {
	case flags&flagRST != 0:
		return LabelRST
	case flags&flagSYN != 0 && flags&flagACK != 0:
		return LabelSYNACK
	case flags&flagSYN != 0:
		return LabelSYN
	case flags&flagFIN != 0:
		return LabelFIN
	}
	return LabelACK
}

// process frames the new contiguous data of half i (and, once MQTT is recognised, of both).
func (c *Conversation) process(t *Tracker, i int) {
	if c.Kind == KindUndecided {
		c.detect(t, i)
		if c.Kind != KindMQTT {
			return
		}
		c.half[1-i].frame(c, t, 1-i)
	}
	if c.Kind == KindMQTT {
		c.half[i].frame(c, t, i)
	}
}

// decide ends c's hold: it settles the version and the direction from what the held messages
// show (or, when forced, from the defaults) and releases them.
func (c *Conversation) decide(t *Tracker, force bool) {
	if c.Kind == KindUndecided {
		if !force {
			return
		}
		c.Kind, c.KindRule = KindOther, "not recognised as MQTT"
		c.half[0].discard()
		c.half[1].discard()
	}
	if c.Version == 0 {
		var pkts [][]byte
		for _, m := range c.held {
			if m.Status != StatusSkipped {
				pkts = append(pkts, m.Raw)
			}
		}
		if len(pkts) == 0 && !force {
			return
		}
		if len(pkts) < t.cfg.GuessMessages && !force {
			return
		}
		v, why := mqtt.GuessVersion(pkts)
		c.Version, c.VersionBy = v, "guess: "+why
		if v == 0 {
			c.Version, c.VersionBy = mqtt.V311, "default: "+why
		}
	}
	if c.DirRule == RuleNone {
		if !force {
			return
		}
		if c.A.Port() < c.B.Port() {
			c.setDirection(1, RuleGuess)
		} else {
			c.setDirection(0, RuleGuess)
		}
	}
	t.unhold(c)
}

// observe looks at a message as it is cut, before it is held or delivered: a CONNECT settles
// the version, packet types settle the direction; once both are known the hold ends.
func (c *Conversation) observe(t *Tracker, i int, m *Message) {
	if m.Status == StatusSkipped || len(m.Raw) == 0 {
		return
	}
	typ := mqtt.Type(m.Raw[0] >> 4)
	if c.DirRule == RuleNone {
		switch typ {
		case mqtt.Connect, mqtt.Subscribe, mqtt.Unsubscribe, mqtt.Pingreq:
			c.setDirection(i, RuleMsgType)
		case mqtt.Connack, mqtt.Suback, mqtt.Unsuback, mqtt.Pingresp:
			c.setDirection(1-i, RuleMsgType)
		}
	}
	if typ == mqtt.Connect && c.Version == 0 {
		if p, _ := mqtt.Parse(m.Raw, 0); p != nil && p.ProtocolLevel >= 3 && p.ProtocolLevel <= 5 {
			c.Version, c.VersionBy = mqtt.Version(p.ProtocolLevel), "connect"
		}
	}
	if c.holding && c.Version != 0 && c.DirRule != RuleNone {
		t.unhold(c)
	}
}

// finalize fills in the fields of m that depend on the conversation's decisions and parses it.
func (c *Conversation) finalize(m *Message) {
	i := m.half
	m.Dir = c.dir(i)
	m.Index = c.Messages
	m.IndexInDir = c.counts[i]
	if m.Index > 0 {
		m.ConvDelta = m.Frame.Time - c.lastMsg
	}
	c.Messages++
	c.counts[i]++
	c.lastMsg = m.Frame.Time
	if m.Status == StatusSkipped {
		m.ClientID = c.ClientID
		return
	}
	p, err := mqtt.Parse(m.Raw, c.Version)
	m.Packet = p
	if m.Status == StatusTruncated {
		m.ClientID = c.ClientID
		return
	}
	if err != nil {
		m.Status, m.Err = StatusMalformed, err
	}
	if p != nil && p.Type == mqtt.Connect && c.ClientID == "" {
		c.ClientID = p.ClientID
	}
	m.ClientID = c.ClientID
}

// finish delivers what c still buffers and ends its hold.
func (c *Conversation) finish(t *Tracker) {
	for i := range c.half {
		if c.Kind == KindMQTT {
			c.half[i].frame(c, t, i)
			c.half[i].drain(c, t, i, "end of capture or connection evicted")
		}
	}
	if c.holding {
		c.decide(t, true)
	}
	c.half[0].discard()
	c.half[1].discard()
}
