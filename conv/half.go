package conv

import (
	"sort"

	"github.com/mqzip/mqzip/packet"
)

// half is one direction of a conversation: its TCP sequence space and its reassembled stream.
type half struct {
	started bool   // a segment of this direction was seen
	synSeen bool   // its SYN was seen: the stream starts at a packet boundary
	ackBase bool   // base was taken from the other direction's acknowledgement
	isn     uint32 // initial sequence number (when synSeen)
	base    uint32 // relative sequence numbers count from here, as Wireshark's do
	next    uint32 // sequence number of the next byte expected
	fin     bool
	rst     bool
	finSeq  uint32

	buf    []byte // reassembled bytes; buf[r:] are not yet cut into messages
	r      int
	bufOff int64  // stream offset of buf[r]
	marks  []mark // which frame made which bytes contiguous
	ooo    []oooSeg
	oooLen int

	gap     int64  // bytes lost just before buf[r], not yet reported
	resync  bool   // buf[r:] may not start at an MQTT packet boundary
	skipWhy string // why the next skipped bytes are skipped
	detectN int    // bytes this half fed to detection
}

type mark struct {
	end  int64 // stream offset just past the bytes this frame completed
	info FrameInfo
}

type oooSeg struct {
	seq  uint32
	data []byte
	lost int // bytes after data that the capture cut off
	info FrameInfo
}

// begin records the first segment of the direction.
func (h *half) begin(seq uint32, syn bool) {
	if syn && !h.synSeen && !h.started {
		h.started, h.synSeen = true, true
		h.isn, h.base, h.next = seq, seq, seq+1
		return
	}
	if h.started {
		return
	}
	h.started = true
	if !h.ackBase {
		h.base = seq - 1
	}
	h.next = seq
	h.resync, h.skipWhy = true, "the capture starts in the middle of the connection"
}

func (h *half) trackOnly(p *packet.Packet) {
	if d := int32(p.Seq - h.next); d >= 0 {
		h.next = p.Seq + uint32(p.PayloadLen)
	}
}

func (h *half) pending() int { return len(h.buf) - h.r }

// add takes the payload of one segment.
func (h *half) add(c *Conversation, t *Tracker, i int, info *FrameInfo, p *packet.Packet) Label {
	seq := p.Seq
	if p.Flags&flagSYN != 0 {
		seq++
	}
	data := p.Payload
	lost := p.PayloadLen - len(p.Payload)
	if lost < 0 {
		lost = 0
	}
	label := LabelMQTTSegment
	if c.Kind == KindUndecided {
		label = LabelPending
	}
	d := int32(seq - h.next)
	if d < 0 {
		old := int(-int64(d))
		if old >= len(data)+lost {
			return LabelRetransmitted
		}
		if old >= len(data) {
			lost -= old - len(data)
			data = nil
		} else {
			data = data[old:]
		}
		seq = h.next
		label = LabelRetransmitted
	}
	if d > 0 {
		cp := append([]byte(nil), data...)
		h.insertOOO(oooSeg{seq: seq, data: cp, lost: lost, info: *info})
		for h.oooLen > t.cfg.MaxPending && len(h.ooo) > 0 {
			h.skipTo(c, t, i, h.ooo[0].seq, "a segment was never captured")
			h.pull(c, t, i, info)
		}
		return LabelOutOfOrder
	}
	h.appendData(data, info)
	if lost > 0 {
		h.skipTo(c, t, i, h.next+uint32(lost), "the capture cut the segment short (snap length)")
	}
	h.pull(c, t, i, info)
	return label
}

// appendData appends contiguous bytes that the frame info made available.
func (h *half) appendData(data []byte, info *FrameInfo) {
	if len(data) == 0 {
		return
	}
	if h.r > 0 && h.r >= len(h.buf)/2 {
		n := copy(h.buf, h.buf[h.r:])
		h.buf = h.buf[:n]
		h.r = 0
	}
	h.buf = append(h.buf, data...)
	h.next += uint32(len(data))
	end := h.bufOff + int64(h.pending())
	if n := len(h.marks); n > 0 && h.marks[n-1].info.Number == info.Number {
		h.marks[n-1].end = end
	} else {
		h.marks = append(h.marks, mark{end: end, info: *info})
	}
}

func (h *half) insertOOO(s oooSeg) {
	k := sort.Search(len(h.ooo), func(j int) bool { return int32(h.ooo[j].seq-s.seq) > 0 })
	h.ooo = append(h.ooo, oooSeg{})
	copy(h.ooo[k+1:], h.ooo[k:])
	h.ooo[k] = s
	h.oooLen += len(s.data)
}

// pull appends the out-of-order segments that have become contiguous.
func (h *half) pull(c *Conversation, t *Tracker, i int, info *FrameInfo) {
	for len(h.ooo) > 0 {
		s := h.ooo[0]
		d := int32(s.seq - h.next)
		if d > 0 {
			return
		}
		h.ooo = h.ooo[1:]
		h.oooLen -= len(s.data)
		old := int(-int64(d))
		data, lost := s.data, s.lost
		if old >= len(data)+lost {
			continue
		}
		if old >= len(data) {
			lost -= old - len(data)
			data = nil
		} else {
			data = data[old:]
		}
		h.appendData(data, info)
		if lost > 0 {
			h.skipTo(c, t, i, h.next+uint32(lost), "the capture cut the segment short (snap length)")
		}
	}
	if len(h.ooo) == 0 {
		h.ooo = nil
	}
}

// skipTo declares the bytes from h.next up to seq lost: what is buffered is cut into messages,
// the incomplete rest is delivered as truncated, and the stream resumes at seq.
func (h *half) skipTo(c *Conversation, t *Tracker, i int, seq uint32, why string) {
	n := int64(uint32(seq - h.next))
	if c.Kind == KindMQTT {
		h.frame(c, t, i)
		h.drainBuf(c, t, i, "a gap in the capture follows ("+why+")")
	} else {
		h.dropBuf()
	}
	h.bufOff += n
	h.gap += n
	h.next = seq
	h.resync, h.skipWhy = true, "they follow a gap in the capture ("+why+")"
}

// acked learns from the other side's acknowledgement number that the bytes before ack were
// sent: those the capture never saw are declared lost now rather than at the end of the
// connection (Wireshark's "ACKed segment that wasn't captured").
func (h *half) acked(c *Conversation, t *Tracker, i int, ack uint32) {
	if h.fin && ack == h.finSeq+1 {
		ack--
	}
	if d := int32(ack - h.next); d <= 0 || int(d) > t.cfg.MaxPending {
		return // nothing new, or too far ahead to trust
	}
	for int32(ack-h.next) > 0 {
		if len(h.ooo) > 0 && int32(h.ooo[0].seq-ack) < 0 {
			info := h.ooo[0].info
			if int32(h.ooo[0].seq-h.next) > 0 {
				h.skipTo(c, t, i, h.ooo[0].seq, "a segment was never captured")
			}
			h.pull(c, t, i, &info)
			continue
		}
		h.skipTo(c, t, i, ack, "a segment was never captured")
	}
}

// drain ends the stream: holes before out-of-order segments become gaps, all is framed, and
// an incomplete rest is delivered as truncated.
func (h *half) drain(c *Conversation, t *Tracker, i int, why string) {
	for len(h.ooo) > 0 {
		info := h.ooo[0].info
		h.skipTo(c, t, i, h.ooo[0].seq, "a segment was never captured")
		h.pull(c, t, i, &info)
	}
	if c.Kind == KindMQTT {
		h.frame(c, t, i)
		h.drainBuf(c, t, i, why)
	}
}

// drainBuf delivers the bytes left in the buffer, which hold no complete packet.
func (h *half) drainBuf(c *Conversation, t *Tracker, i int, why string) {
	n := h.pending()
	if n == 0 {
		return
	}
	if h.resync {
		h.cut(c, t, i, n, StatusSkipped, &SkipError{Offset: h.bufOff, N: n, Why: h.skipWhy})
		return
	}
	h.cut(c, t, i, n, StatusTruncated, &TruncatedError{Offset: h.bufOff, Have: n, Want: wantLen(h.buf[h.r:]), Why: why})
}

func (h *half) dropBuf() {
	h.bufOff += int64(h.pending())
	h.buf, h.r, h.marks = h.buf[:0], 0, h.marks[:0]
}

// discard frees everything the half buffers.
func (h *half) discard() {
	h.dropBuf()
	h.buf, h.marks, h.ooo, h.oooLen = nil, nil, nil, 0
}

// frameAt returns the frame that made the stream byte at offset off available.
func (h *half) frameAt(off int64) FrameInfo {
	k := sort.Search(len(h.marks), func(j int) bool { return h.marks[j].end > off })
	if k == len(h.marks) {
		k = len(h.marks) - 1
	}
	return h.marks[k].info
}

// cut delivers the next n buffered bytes as one message.
func (h *half) cut(c *Conversation, t *Tracker, i int, n int, st Status, err error) {
	raw := make([]byte, n)
	copy(raw, h.buf[h.r:h.r+n])
	m := &Message{Conv: c, Raw: raw, Status: st, Err: err, Offset: h.bufOff, GapBefore: h.gap, half: i}
	m.Frame = h.frameAt(h.bufOff + int64(n) - 1)
	m.FirstFrame = h.frameAt(h.bufOff).Number
	h.gap = 0
	h.r += n
	h.bufOff += int64(n)
	k := 0
	for k < len(h.marks) && h.marks[k].end <= h.bufOff {
		k++
	}
	if k > 0 {
		h.marks = h.marks[:copy(h.marks, h.marks[k:])]
	}
	if h.r == len(h.buf) {
		h.buf, h.r = h.buf[:0], 0
	}
	c.nmsg++
	c.observe(t, i, m)
	t.emit(c, m)
	if c.holding {
		c.decide(t, false)
	}
}
