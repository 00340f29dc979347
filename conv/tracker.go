package conv

import (
	"container/heap"
	"container/list"
	"net/netip"

	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/packet"
)

// Handler receives the messages of a Tracker, in capture order.
type Handler interface {
	// Message is called once per message. The message and its Raw bytes stay valid after
	// the call; the handler may keep them.
	Message(m *Message)
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(m *Message)

// Message calls f(m).
func (f HandlerFunc) Message(m *Message) { f(m) }

// Label classifies a frame for the table of frames without MQTT messages.
type Label string

// The labels Feed gives frames.
const (
	LabelMQTT          Label = "mqtt"               // completed one or more messages
	LabelMQTTSegment   Label = "mqtt-segment"       // carries bytes of a message completed later
	LabelPending       Label = "tcp-detect-pending" // data of a connection not yet recognised as MQTT or not
	LabelData          Label = "tcp-data"           // data of a connection that is not MQTT
	LabelSYN           Label = "tcp-syn"
	LabelSYNACK        Label = "tcp-syn-ack"
	LabelFIN           Label = "tcp-fin"
	LabelRST           Label = "tcp-rst"
	LabelACK           Label = "tcp-ack" // no payload
	LabelRetransmitted Label = "tcp-retransmission"
	LabelOutOfOrder    Label = "tcp-out-of-order"
)

// Result is what Feed says of one frame.
type Result struct {
	Conv      *Conversation
	Label     Label
	Completed int // messages this frame completed
}

type connKey struct{ a, b netip.AddrPort }

func keyOf(src, dst netip.AddrPort) connKey {
	if src.Compare(dst) < 0 {
		return connKey{src, dst}
	}
	return connKey{dst, src}
}

// Tracker follows the TCP connections of one capture. Feed it every TCP frame in capture
// order, then call Flush. It is not safe for concurrent use.
type Tracker struct {
	cfg    Config
	h      Handler
	conns  map[connKey]*Conversation
	lru    *list.List // of *Conversation, most recently active first
	nextID int
	frame  int // number of the frame being fed
	seq    uint64
	held   map[*Conversation]struct{}
	queue  msgQueue
	done   []*Conversation // connections that ended (FIN both ways, or RST), oldest first
	nMQTT  int
}

// maxEnded is how many ended connections stay known, so that their late segments (final ACKs,
// retransmitted FINs) are still counted as theirs; older ones are forgotten.
const maxEnded = 1024

// NewTracker returns a Tracker that delivers messages to h.
func NewTracker(cfg Config, h Handler) (*Tracker, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Tracker{cfg: c, h: h, conns: map[connKey]*Conversation{}, lru: list.New(),
		held: map[*Conversation]struct{}{}}, nil
}

// Conversations returns the number of TCP connections seen so far (the next tcp.stream id).
func (t *Tracker) Conversations() int { return t.nextID }

// MQTTConversations returns the number of TCP connections recognised as MQTT so far.
func (t *Tracker) MQTTConversations() int { return t.nMQTT }

// Feed processes one frame whose TCP header p decoded (p.HasTCP must be true).
func (t *Tracker) Feed(f Frame, delta int64, p *packet.Packet) Result {
	t.frame = f.Number
	src := netip.AddrPortFrom(p.Src, p.SrcPort)
	dst := netip.AddrPortFrom(p.Dst, p.DstPort)
	k := keyOf(src, dst)
	c := t.conns[k]
	syn := p.Flags&flagSYN != 0 && p.Flags&flagACK == 0
	if c != nil && syn && c.restartedBy(src, p.Seq) {
		t.close(c)
		delete(t.conns, k)
		t.lru.Remove(c.elem)
		c = nil
	}
	if c == nil {
		c = t.open(k, src, dst, f)
	}
	t.lru.MoveToFront(c.elem)
	info := FrameInfo{Number: f.Number, Time: f.Time, Delta: delta, Len: f.Len, CapLen: f.CapLen,
		Src: p.Src, Dst: p.Dst, SrcPort: p.SrcPort, DstPort: p.DstPort, Seq: p.Seq, Ack: p.Ack,
		Flags: p.Flags, Window: p.Window, TCPLen: p.PayloadLen}
	if c.lastTime != 0 || c.frames > 0 {
		info.StreamDelta = f.Time - c.lastTime
	}
	c.lastTime = f.Time
	c.frames++
	res := c.segment(t, src == c.A, &info, p)
	res.Conv = c
	if c.Kind == KindMQTT && !c.counted {
		c.counted = true
		t.nMQTT++
	}
	t.checkHolds()
	return res
}

// Flush ends every conversation: partial messages are delivered as truncated, held messages
// are released, and all messages are delivered.
func (t *Tracker) Flush() {
	for e := t.lru.Back(); e != nil; e = e.Prev() {
		t.close(e.Value.(*Conversation))
	}
	t.release(true)
}

func (t *Tracker) open(k connKey, src, dst netip.AddrPort, f Frame) *Conversation {
	if len(t.conns) >= t.cfg.MaxConversations {
		old := t.lru.Back().Value.(*Conversation)
		t.close(old)
		delete(t.conns, old.key)
		t.lru.Remove(old.elem)
	}
	c := newConversation(t.nextID, k, src, dst, f, &t.cfg)
	t.nextID++
	t.conns[k] = c
	c.elem = t.lru.PushFront(c)
	return c
}

// ended notes that c's connection has ended; the oldest ended connections are forgotten.
func (t *Tracker) ended(c *Conversation) {
	if c.ended {
		return
	}
	c.ended = true
	t.done = append(t.done, c)
	if len(t.done) <= maxEnded {
		return
	}
	old := t.done[0]
	t.done = t.done[1:]
	if len(t.done) < cap(t.done)/4 {
		t.done = append([]*Conversation(nil), t.done...)
	}
	if t.conns[old.key] == old {
		t.close(old)
		delete(t.conns, old.key)
		t.lru.Remove(old.elem)
	}
}

// close ends conversation c: its buffered data and held messages are delivered.
func (t *Tracker) close(c *Conversation) {
	if c.closed {
		return
	}
	c.closed = true
	c.finish(t)
	t.checkHolds()
}

// emit delivers a message of c, or holds it back while c is undecided.
func (t *Tracker) emit(c *Conversation, m *Message) {
	m.seq = t.seq
	t.seq++
	if c.holding {
		if len(c.held) == 0 {
			c.holdFrom = m.FirstFrame
			c.holdStart = t.frame
			t.held[c] = struct{}{}
		}
		c.held = append(c.held, m)
		return
	}
	c.finalize(m)
	if len(t.held) == 0 && t.queue.Len() == 0 {
		t.h.Message(m)
		return
	}
	heap.Push(&t.queue, m)
}

// checkHolds releases the messages of conversations whose hold has ended or lasted too long,
// then delivers what the remaining holds no longer block.
func (t *Tracker) checkHolds() {
	for c := range t.held {
		if c.holding && t.frame-c.holdStart < t.cfg.HoldFrames && !c.closed {
			continue
		}
		c.decide(t, true)
	}
	t.release(false)
}

// unhold moves c's held messages to the output queue.
func (t *Tracker) unhold(c *Conversation) {
	c.holding = false
	for _, m := range c.held {
		c.finalize(m)
		heap.Push(&t.queue, m)
	}
	c.held = nil
	delete(t.held, c)
}

func (t *Tracker) release(all bool) {
	min := int(^uint(0) >> 1)
	if !all {
		for c := range t.held {
			if c.holdFrom < min {
				min = c.holdFrom
			}
		}
	}
	for t.queue.Len() > 0 && (all || t.queue[0].Frame.Number < min) {
		t.h.Message(heap.Pop(&t.queue).(*Message))
	}
}

// msgQueue orders messages by the frame that completed them, then by the order they were cut.
type msgQueue []*Message

func (q msgQueue) Len() int { return len(q) }
func (q msgQueue) Less(i, j int) bool {
	if q[i].Frame.Number != q[j].Frame.Number {
		return q[i].Frame.Number < q[j].Frame.Number
	}
	return q[i].seq < q[j].seq
}
func (q msgQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *msgQueue) Push(x any)   { *q = append(*q, x.(*Message)) }
func (q *msgQueue) Pop() any {
	old := *q
	m := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return m
}

const (
	flagFIN = 0x001
	flagSYN = 0x002
	flagRST = 0x004
	flagACK = 0x010
)

var _ = mqtt.V311
