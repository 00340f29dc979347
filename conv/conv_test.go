package conv

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/packet"
)

// Packets used by the tests.
var (
	connect311 = []byte{0x10, 0x0e, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 2, 'i', 'd'}
	connack    = []byte{0x20, 0x02, 0, 0}
	pingreq    = []byte{0xc0, 0}
	pingresp   = []byte{0xd0, 0}
)

func publish(topic, payload string) []byte {
	rl := 2 + len(topic) + len(payload)
	b := []byte{0x30, byte(rl), 0, byte(len(topic))}
	if rl > 127 {
		b = []byte{0x30, byte(rl&0x7f | 0x80), byte(rl >> 7), 0, byte(len(topic))}
	}
	return append(append(b, topic...), payload...)
}

// sim drives a Tracker with hand-made segments of one connection.
type sim struct {
	t        *testing.T
	tr       *Tracker
	msgs     []*Message
	frame    int
	cli, srv netip.AddrPort
	seq      [2]uint32 // next sequence number of client, server
}

func newSim(t *testing.T, cfg Config, cliPort, srvPort uint16) *sim {
	s := &sim{t: t, cli: netip.MustParseAddrPort(fmt.Sprintf("10.0.0.1:%d", cliPort)),
		srv: netip.MustParseAddrPort(fmt.Sprintf("10.0.0.2:%d", srvPort)), seq: [2]uint32{1000, 5000}}
	tr, err := NewTracker(cfg, HandlerFunc(func(m *Message) { s.msgs = append(s.msgs, m) }))
	if err != nil {
		t.Fatal(err)
	}
	s.tr = tr
	return s
}

// send feeds a segment from the client (side 0) or server (side 1) at sequence offset off
// from that side's current base (the base does not move: callers say where bytes go).
func (s *sim) sendAt(side int, seq uint32, flags uint16, data []byte) Result {
	s.frame++
	src, dst := s.cli, s.srv
	if side == 1 {
		src, dst = s.srv, s.cli
	}
	p := &packet.Packet{IPVersion: 4, Src: src.Addr(), Dst: dst.Addr(), HasTCP: true,
		SrcPort: src.Port(), DstPort: dst.Port(), Seq: seq, Ack: s.seq[1-side], Flags: flags | flagACK,
		Payload: data, PayloadLen: len(data)}
	if flags&flagSYN != 0 && side == 0 {
		p.Flags = flags
	}
	return s.tr.Feed(Frame{Number: s.frame, Time: int64(s.frame) * 1e6, Len: 54 + len(data), CapLen: 54 + len(data)}, 1e6, p)
}

// send feeds in-order data from a side and advances its sequence number.
func (s *sim) send(side int, data []byte) Result {
	r := s.sendAt(side, s.seq[side], 0x08, data)
	s.seq[side] += uint32(len(data))
	return r
}

func (s *sim) handshake() {
	s.sendAt(0, s.seq[0], flagSYN, nil)
	s.seq[0]++
	s.sendAt(1, s.seq[1], flagSYN, nil)
	s.seq[1]++
	s.sendAt(0, s.seq[0], 0, nil)
}

func (s *sim) raws() [][]byte {
	var out [][]byte
	for _, m := range s.msgs {
		out = append(out, m.Raw)
	}
	return out
}

func wantRaws(t *testing.T, got []*Message, want ...[]byte) {
	t.Helper()
	if len(got) != len(want) {
		for _, m := range got {
			t.Logf("got %s %x err=%v", m.Status, m.Raw, m.Err)
		}
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].Raw, want[i]) {
			t.Errorf("message %d: got %x (%s), want %x", i, got[i].Raw, got[i].Status, want[i])
		}
	}
}

func TestInOrderManyPerSegmentAndSplit(t *testing.T) {
	s := newSim(t, Config{}, 40000, 1883)
	s.handshake()
	p1, p2, p3 := publish("a/b", "21.5"), publish("a/c", "x"), publish("long/topic", string(bytes.Repeat([]byte("z"), 300)))
	stream := append(append(append(append([]byte{}, connect311...), p1...), p2...), p3...)
	// CONNECT and half of p1 in one segment, the rest of p1, p2 and a byte of p3, then p3 in
	// single bytes.
	cut1 := len(connect311) + 3
	cut2 := len(connect311) + len(p1) + len(p2) + 1
	s.send(0, stream[:cut1])
	r := s.send(0, stream[cut1:cut2])
	if r.Completed != 2 || r.Label != LabelMQTT {
		t.Errorf("second segment: completed %d label %s, want 2 mqtt", r.Completed, r.Label)
	}
	for i := cut2; i < len(stream); i++ {
		r = s.send(0, stream[i:i+1])
	}
	s.tr.Flush()
	wantRaws(t, s.msgs, connect311, p1, p2, p3)
	m := s.msgs[3]
	if m.Frame.Number != s.frame || m.FirstFrame != 5 {
		t.Errorf("p3 frames: first %d last %d, want 5 and %d", m.FirstFrame, m.Frame.Number, s.frame)
	}
	for _, m := range s.msgs {
		if m.Status != StatusOK || m.Dir != ClientToBroker || m.Conv.DirRule != RulePort {
			t.Errorf("message %x: status %s dir %s rule %s", m.Raw, m.Status, m.Dir, m.Conv.DirRule)
		}
	}
	if s.msgs[0].Conv.Version != mqtt.V311 || s.msgs[0].Conv.VersionBy != "connect" {
		t.Errorf("version %v by %q", s.msgs[0].Conv.Version, s.msgs[0].Conv.VersionBy)
	}
	if s.msgs[1].Packet.Topic != "a/b" || string(s.msgs[1].Packet.Payload) != "21.5" {
		t.Errorf("p1 parsed as topic %q payload %q", s.msgs[1].Packet.Topic, s.msgs[1].Packet.Payload)
	}
}

func TestOutOfOrderRetransmittedOverlapping(t *testing.T) {
	s := newSim(t, Config{}, 40000, 1883)
	s.handshake()
	p1, p2, p3 := publish("t", "one"), publish("t", "two"), publish("t", "three")
	stream := append(append(append(append([]byte{}, connect311...), p1...), p2...), p3...)
	base := s.seq[0]
	n := len(stream)
	// Deliver: [20:n] first (out of order), then [0:10], [5:25] (overlap), [0:10] again (retransmission).
	if r := s.sendAt(0, base+20, 0x08, stream[20:n]); r.Label != LabelOutOfOrder {
		t.Errorf("label %s, want %s", r.Label, LabelOutOfOrder)
	}
	s.sendAt(0, base, 0x08, stream[:10])
	r := s.sendAt(0, base+5, 0x08, stream[5:25])
	if r.Completed != 4 {
		t.Errorf("the frame that filled the hole completed %d messages, want 4", r.Completed)
	}
	if r := s.sendAt(0, base, 0x08, stream[:10]); r.Label != LabelRetransmitted {
		t.Errorf("label %s, want %s", r.Label, LabelRetransmitted)
	}
	s.tr.Flush()
	wantRaws(t, s.msgs, connect311, p1, p2, p3)
	for _, m := range s.msgs {
		if m.Frame.Number != 6 {
			t.Errorf("message %x completed by frame %d, want 6", m.Raw, m.Frame.Number)
		}
	}
}

func TestGapThenResync(t *testing.T) {
	s := newSim(t, Config{MaxPending: 64}, 40000, 1883)
	s.handshake()
	p1, p2, p3, p4 := publish("t", "aaaa"), publish("t/x", "0123456789012345678901234567890123456789"), publish("t", "c"), publish("t", "d")
	s.send(0, connect311)
	s.send(0, p1)
	base := s.seq[0]
	// p2 is lost but for its last 10 bytes, which arrive with p3 and p4; more data after
	// them fills the pending budget and forces the gap.
	tail := append(append(append([]byte{}, p2[len(p2)-10:]...), p3...), p4...)
	off := uint32(len(p2) - 10)
	s.sendAt(0, base+off, 0x08, tail)
	filler := bytes.Repeat(pingreq, 40)
	s.sendAt(0, base+off+uint32(len(tail)), 0x08, filler)
	s.tr.Flush()
	got := s.msgs
	if len(got) < 5 {
		t.Fatalf("got %d messages", len(got))
	}
	wantRaws(t, got[:2], connect311, p1)
	if got[2].Status != StatusSkipped || !bytes.Equal(got[2].Raw, p2[len(p2)-10:]) || got[2].GapBefore != int64(off) {
		t.Errorf("after the gap: %s %x gap %d, want skipped %x gap %d", got[2].Status, got[2].Raw, got[2].GapBefore, p2[len(p2)-10:], off)
	}
	if !errors.Is(got[2].Err, ErrSkipped) {
		t.Errorf("skipped row error %v", got[2].Err)
	}
	wantRaws(t, got[3:5], p3, p4)
	if len(got) != 5+40 {
		t.Errorf("got %d messages, want %d", len(got), 45)
	}
}

func TestTruncatedAtEnd(t *testing.T) {
	s := newSim(t, Config{}, 40000, 1883)
	s.handshake()
	p := publish("t", "payload")
	s.send(0, connect311)
	s.send(0, p[:5])
	s.tr.Flush()
	if len(s.msgs) != 2 || s.msgs[1].Status != StatusTruncated || !errors.Is(s.msgs[1].Err, ErrTruncated) {
		t.Fatalf("got %d messages; last %+v", len(s.msgs), s.msgs[len(s.msgs)-1])
	}
	var te *TruncatedError
	if !errors.As(s.msgs[1].Err, &te) || te.Have != 5 || te.Want != len(p) {
		t.Errorf("truncation error %v", s.msgs[1].Err)
	}
}

func TestMidstreamStart(t *testing.T) {
	s := newSim(t, Config{}, 40000, 1883)
	p1, p2 := publish("sensor/1", "21.5"), publish("sensor/2", "22.0")
	// The capture starts with the last 4 bytes of a packet, then two whole ones.
	s.send(0, append(append([]byte("1.25"), p1...), p2...))
	s.tr.Flush()
	wantRaws(t, s.msgs, []byte("1.25"), p1, p2)
	if s.msgs[0].Status != StatusSkipped {
		t.Errorf("first row status %s, want skipped", s.msgs[0].Status)
	}
	if c := s.msgs[1].Conv; c.Version != mqtt.V311 || c.VersionBy == "connect" {
		t.Errorf("version %v by %q, want a guess", c.Version, c.VersionBy)
	}
}

func TestDirectionRules(t *testing.T) {
	t.Run("syn", func(t *testing.T) {
		s := newSim(t, Config{}, 40000, 1337)
		s.handshake()
		s.send(0, connect311)
		s.send(1, connack)
		s.tr.Flush()
		wantRaws(t, s.msgs, connect311, connack)
		if c := s.msgs[0].Conv; c.DirRule != RuleSYN || c.Kind != KindMQTT || c.KindRule != "connect" {
			t.Errorf("rule %s kind %d by %q", c.DirRule, c.Kind, c.KindRule)
		}
		if s.msgs[1].Dir != BrokerToClient {
			t.Errorf("CONNACK direction %s", s.msgs[1].Dir)
		}
	})
	t.Run("msgtype", func(t *testing.T) {
		// No SYN, no known port: the server's CONNACK... here PINGRESP sent by side 1 decides.
		s := newSim(t, Config{}, 40000, 17501)
		s.send(1, append(append([]byte{}, pingresp...), publish("a", "1")...))
		s.send(0, append(append([]byte{}, pingreq...), pingreq...))
		s.tr.Flush()
		if len(s.msgs) != 4 {
			t.Fatalf("got %d messages", len(s.msgs))
		}
		c := s.msgs[0].Conv
		if c.DirRule != RuleMsgType || c.Client != s.cli || s.msgs[0].Dir != BrokerToClient {
			t.Errorf("rule %s client %v dir %s", c.DirRule, c.Client, s.msgs[0].Dir)
		}
	})
}

func TestNotMQTT(t *testing.T) {
	s := newSim(t, Config{}, 40000, 8080)
	s.handshake()
	r := s.send(0, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	s.send(1, []byte("HTTP/1.1 200 OK\r\n\r\n"))
	s.tr.Flush()
	if len(s.msgs) != 0 {
		t.Errorf("HTTP gave %d messages", len(s.msgs))
	}
	if r.Conv.Kind != KindOther {
		t.Errorf("kind %d", r.Conv.Kind)
	}
}

func TestNewSYNStartsNewConversation(t *testing.T) {
	s := newSim(t, Config{}, 40000, 1883)
	s.handshake()
	s.send(0, connect311)
	s.sendAt(0, s.seq[0], flagFIN, nil)
	s.sendAt(1, s.seq[1], flagFIN, nil)
	s.seq = [2]uint32{9000, 7000}
	s.handshake()
	s.send(0, connect311)
	s.tr.Flush()
	if len(s.msgs) != 2 || s.msgs[0].Conv.ID != 0 || s.msgs[1].Conv.ID != 1 {
		t.Fatalf("conversations: %d messages", len(s.msgs))
	}
	if s.tr.Conversations() != 2 {
		t.Errorf("Conversations() = %d", s.tr.Conversations())
	}
}

func TestOrderAcrossHeldConversations(t *testing.T) {
	var got []*Message
	tr, _ := NewTracker(Config{}, HandlerFunc(func(m *Message) { got = append(got, m) }))
	a := netip.MustParseAddrPort("10.0.0.1:40000")
	b := netip.MustParseAddrPort("10.0.0.2:1883")
	c := netip.MustParseAddrPort("10.0.0.3:40001")
	feed := func(n int, src, dst netip.AddrPort, seq uint32, data []byte) {
		tr.Feed(Frame{Number: n, Time: int64(n)}, 0, &packet.Packet{IPVersion: 4, Src: src.Addr(), Dst: dst.Addr(), HasTCP: true,
			SrcPort: src.Port(), DstPort: dst.Port(), Seq: seq, Flags: 0x18, Payload: data, PayloadLen: len(data)})
	}
	// Conversation 0 starts mid-stream: its version is undecided until 8 messages.
	feed(1, a, b, 100, publish("x", "1"))
	// Conversation 1 has a CONNECT and is decided at once.
	feed(2, c, b, 500, connect311)
	for i := 0; i < 8; i++ {
		feed(3+i, a, b, 100+uint32(i+1)*uint32(len(publish("x", "1"))), publish("x", "1"))
	}
	tr.Flush()
	if len(got) != 10 {
		t.Fatalf("got %d messages", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Frame.Number < got[i-1].Frame.Number {
			t.Errorf("message %d from frame %d delivered after frame %d", i, got[i].Frame.Number, got[i-1].Frame.Number)
		}
	}
}

func TestEvictionBoundsConversations(t *testing.T) {
	var got []*Message
	tr, _ := NewTracker(Config{MaxConversations: 10}, HandlerFunc(func(m *Message) { got = append(got, m) }))
	b := netip.MustParseAddrPort("10.0.0.2:1883")
	for i := 0; i < 100; i++ {
		a := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(30000+i))
		tr.Feed(Frame{Number: i + 1}, 0, &packet.Packet{IPVersion: 4, Src: a.Addr(), Dst: b.Addr(), HasTCP: true,
			SrcPort: a.Port(), DstPort: b.Port(), Seq: 1, Flags: flagSYN})
		tr.Feed(Frame{Number: i + 1}, 0, &packet.Packet{IPVersion: 4, Src: a.Addr(), Dst: b.Addr(), HasTCP: true,
			SrcPort: a.Port(), DstPort: b.Port(), Seq: 2, Flags: 0x18, Payload: connect311[:7], PayloadLen: 7})
		if len(tr.conns) > 10 {
			t.Fatalf("%d conversations tracked, limit 10", len(tr.conns))
		}
	}
	tr.Flush()
	if len(got) != 100 {
		t.Fatalf("got %d truncated CONNECTs, want 100", len(got))
	}
	for _, m := range got {
		if m.Status != StatusTruncated {
			t.Errorf("status %s", m.Status)
		}
	}
}
