package conv

import (
	"net/netip"

	"github.com/mqzip/mqzip/mqtt"
)

// Frame is what the tracker needs to know of one captured frame besides its decoded headers.
type Frame struct {
	Number int   // 1-based frame number
	Time   int64 // nanoseconds since the Unix epoch
	Len    int   // original length on the wire
	CapLen int   // captured length
}

// FrameInfo is the transport metadata of the frame that completed a message, as Wireshark shows
// it for that frame.
type FrameInfo struct {
	Number      int
	Time        int64 // nanoseconds since the Unix epoch
	Delta       int64 // nanoseconds since the previous captured frame (frame.time_delta)
	StreamDelta int64 // nanoseconds since the previous frame of this TCP connection (tcp.time_delta)
	Len, CapLen int
	Src, Dst    netip.Addr
	SrcPort     uint16
	DstPort     uint16
	Seq, Ack    uint32 // raw sequence and acknowledgement numbers
	RelSeq      uint32 // relative to the direction's initial sequence number, as Wireshark shows them
	RelAck      uint32
	Flags       uint16 // tcp.flags
	Window      uint16
	TCPLen      int // TCP payload length of the frame (tcp.len)
}

// Status classifies a message row.
type Status int8

// The statuses of a message.
const (
	StatusOK        Status = iota // a complete packet that passed validation
	StatusMalformed               // a complete packet that failed validation (Err says why)
	StatusTruncated               // the stream ended, or a gap came, before the packet was complete
	StatusSkipped                 // bytes that could not be framed as MQTT, skipped to resynchronise
)

// String returns "ok", "malformed", "truncated" or "skipped".
func (s Status) String() string {
	switch s {
	case StatusMalformed:
		return "malformed"
	case StatusTruncated:
		return "truncated"
	case StatusSkipped:
		return "skipped"
	}
	return "ok"
}

// Message is one MQTT control packet cut from a conversation's byte stream, or a run of bytes
// that could not be framed (Status says which).
type Message struct {
	Conv       *Conversation
	Dir        Direction
	Frame      FrameInfo // the frame that supplied the message's last byte
	FirstFrame int       // the frame that supplied its first byte
	Index      int       // 0-based index of the message within its conversation
	IndexInDir int       // 0-based index within its conversation and direction
	ConvDelta  int64     // nanoseconds since the previous message of the conversation (0 for the first)
	Offset     int64     // offset of the first byte within its direction's stream
	Raw        []byte    // the packet's bytes (owned by the message)
	GapBefore  int64     // bytes lost (never captured) just before this message in its stream
	Status     Status
	Packet     *mqtt.Packet // the dissected packet; nil for skipped bytes
	Err        error        // validation, framing or reassembly error, if any
	ClientID   string       // the conversation's client identifier (from its CONNECT) when the message was delivered
	seq        uint64       // delivery order among messages completed by the same frame
	half       int          // index of the conversation half it came from
}
