package mqtt

import "fmt"

// Packet is one dissected MQTT Control Packet. Which fields are set depends on the type and
// version; the others keep their zero values.
type Packet struct {
	FixedHeader

	// PUBLISH flags, from FixedHeader.Flags; a QoS of 3 is kept as 3. In MQTT 3.1 Dup and
	// QoS are also set for PUBREL, SUBSCRIBE and UNSUBSCRIBE, as Wireshark shows them.
	Dup    bool
	QoS    byte
	Retain bool

	// Raw is the whole packet; Header, VarHeader and Payload split it into fixed header,
	// variable header and payload as the specification does for the packet's type. They
	// are sub-slices of the input and partition Raw whenever the fixed header could be read;
	// when the variable header cannot be read to its end, VarHeader runs to the end of Raw
	// and Payload is empty.
	Raw, Header, VarHeader, Payload []byte

	// Version is the version the packet was parsed as.
	Version Version

	// CONNECT. HasWill, HasUsername and HasPassword report that the field was present in
	// the payload; the flags themselves are in ConnectFlags.
	ProtocolName      string
	ProtocolLevel     byte
	ConnectFlags      byte
	KeepAlive         uint16
	ClientID          string
	WillProperties    Properties
	WillPropertiesLen int
	WillTopic         string
	WillPayload       []byte
	Username          string
	Password          []byte
	HasWill           bool
	HasUsername       bool
	HasPassword       bool

	// AckFlags is the Connect Acknowledge Flags byte of a CONNACK.
	AckFlags byte

	// ReasonCode is the CONNACK return code (3.x) or reason code (5.0), or the reason code
	// of a 5.0 PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT or AUTH. MQTT 5.0 lets those omit
	// it: then HasReasonCode is false and the code means 0x00.
	ReasonCode    byte
	HasReasonCode bool

	// TopicLen and Topic are the Topic Name of a PUBLISH. TopicLen is the length field even
	// when the name runs past the end of the packet; Topic holds the raw bytes, which may
	// not be valid UTF-8.
	TopicLen int
	Topic    string

	PacketID    uint16
	HasPacketID bool

	// Subscriptions are the Topic Filters of a SUBSCRIBE, Topics those of an UNSUBSCRIBE.
	Subscriptions []Subscription
	Topics        []string

	// ReasonCodes are the return codes of a SUBACK (3.x) or the reason codes of a SUBACK or
	// UNSUBACK (5.0).
	ReasonCodes []byte

	// Properties are the MQTT 5.0 properties of the variable header; PropertiesLen is their
	// Property Length, and HasProperties reports that the Property Length field is present.
	Properties    Properties
	PropertiesLen int
	HasProperties bool
}

// Subscription is one Topic Filter of a SUBSCRIBE with its options byte: the Requested QoS
// in 3.x; in 5.0 the Subscription Options (bits 0-1 Maximum QoS, 2 No Local, 3 Retain As
// Published, 4-5 Retain Handling, 6-7 reserved).
type Subscription struct {
	Topic   string
	Options byte
}

// Parse dissects one complete packet b, exactly PacketLen bytes long, as version v. When v
// is zero the version comes from a CONNECT's protocol level, and other packets are parsed
// as 3.1.1; a CONNECT always declares its own version. Parse returns the packet filled as
// far as the bytes allow and the first violation of the specification, the one nearest the
// start of the packet, as an *Error (nil if the packet is valid). When b is shorter than the packet the error wraps ErrIncomplete;
// when it is longer, the packet is parsed from b[:PacketLen] and the extra bytes reported.
// Parse never panics and allocates O(len(b)).
func Parse(b []byte, v Version) (*Packet, error) {
	p := new(Packet)
	return p, ParseInto(p, b, v)
}

// ParseInto is like Parse but reuses p, and the capacity of its slices, to limit
// allocations in loops. Slices that p held before are overwritten.
func ParseInto(p *Packet, b []byte, v Version) error {
	prevTopic := p.Topic
	*p = Packet{
		WillProperties: p.WillProperties[:0],
		Subscriptions:  p.Subscriptions[:0],
		Topics:         p.Topics[:0],
		Properties:     p.Properties[:0],
	}
	p.Raw = b
	h, err := ReadFixedHeader(b)
	if err != nil {
		if len(b) > 0 {
			p.Type, p.Flags = Type(b[0]>>4), b[0]&0x0f
		}
		if e, ok := err.(*Error); ok {
			if v == V5 {
				e.Clause = "1.5.5"
			}
			return e
		}
		return &Error{Offset: len(b), Msg: "fixed header incomplete", Err: ErrIncomplete}
	}
	p.FixedHeader = h
	var incomplete *Error
	extra := len(b) - h.PacketLen()
	switch {
	case extra < 0:
		incomplete = &Error{Offset: len(b), Err: ErrIncomplete,
			Msg: fmt.Sprintf("%v truncated: %d of %d bytes", h.Type, len(b), h.PacketLen())}
	case extra > 0:
		b = b[:h.PacketLen()]
		p.Raw = b
	}
	p.Header = b[:h.Len]
	d := decoder{b: b, off: h.Len, end: len(b), region: "packet", v: v, p: p, varEnd: -1,
		prevTopic: prevTopic}
	switch {
	case h.Type == Connect:
		d.parse() // a CONNECT declares its version
	case v == 0:
		d.v = V311
		d.parse()
	case v.known():
		d.parse()
	default:
		d.fail(ErrUnsupported, "", 0, "unknown version %d", byte(v))
		d.v = 0
	}
	if extra > 0 {
		d.malformed(d.cl("2.2.3", "2.1.4"), len(b), "%d bytes after the end of the %v (remaining length %d)",
			extra, h.Type, h.RemainingLength)
	}
	if d.varEnd < 0 {
		d.varEnd = len(b)
	}
	p.VarHeader, p.Payload = b[h.Len:d.varEnd], b[d.varEnd:]
	p.Version = d.v
	switch {
	case incomplete != nil:
		return incomplete
	case d.err != nil:
		return d.err
	}
	return nil
}
