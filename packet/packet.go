package packet

import (
	"fmt"
	"net/netip"
	"strconv"
)

// LinkType is a pcap LINKTYPE_ value: the link-layer header type of a capture
// (https://www.tcpdump.org/linktypes.html).
type LinkType uint32

// Link types that Decode handles. The DLT_RAW values 12 and 14, which some systems write
// instead of LinkRaw, decode as LinkRaw.
const (
	LinkNull      LinkType = 0   // BSD loopback: 4-byte address family in the capturing host's byte order
	LinkEthernet  LinkType = 1   // Ethernet II or IEEE 802.3, with optional VLAN tags
	LinkRaw       LinkType = 101 // raw IPv4 or IPv6, told apart by the version field
	LinkLoop      LinkType = 108 // OpenBSD loopback: address family in network byte order
	LinkLinuxSLL  LinkType = 113 // Linux cooked capture v1 (16-byte header)
	LinkIPv4      LinkType = 228 // raw IPv4
	LinkIPv6      LinkType = 229 // raw IPv6
	LinkLinuxSLL2 LinkType = 276 // Linux cooked capture v2 (20-byte header)
)

// String returns the link type's name, or its number for types Decode does not handle.
func (t LinkType) String() string {
	switch t {
	case LinkNull:
		return "null"
	case LinkEthernet:
		return "ethernet"
	case LinkRaw, 12, 14:
		return "raw"
	case LinkLoop:
		return "loop"
	case LinkLinuxSLL:
		return "linux-sll"
	case LinkIPv4:
		return "ipv4"
	case LinkIPv6:
		return "ipv6"
	case LinkLinuxSLL2:
		return "linux-sll2"
	}
	return "linktype(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// EtherType values that Decode recognises.
const (
	EtherTypeIPv4          = 0x0800
	EtherTypeIPv6          = 0x86dd
	EtherTypeVLAN          = 0x8100 // IEEE 802.1Q customer tag
	EtherTypeQinQ          = 0x88a8 // IEEE 802.1ad service tag
	EtherTypeQinQ1         = 0x9100 // pre-standard QinQ tag
	EtherTypeMPLS          = 0x8847
	EtherTypeMPLSMulticast = 0x8848
	EtherTypePPPoE         = 0x8864 // PPPoE session stage
)

// IP protocol numbers of the transport layers that Decode decodes.
const (
	ProtocolTCP = 6
	ProtocolUDP = 17

	protocolIPv4 = 4  // IPv4 in IP (RFC 2003)
	protocolIPv6 = 41 // IPv6 in IP (RFC 2473, RFC 4213)
	maxTunnels   = 4  // IP-in-IP headers Decode goes through
)

// TCP flag bits of Packet.Flags, numbered as in Wireshark's tcp.flags field (RFC 9293, RFC 3168,
// RFC 3540). The three bits above FlagAE are reserved.
const (
	FlagFIN uint16 = 0x001
	FlagSYN uint16 = 0x002
	FlagRST uint16 = 0x004
	FlagPSH uint16 = 0x008
	FlagACK uint16 = 0x010
	FlagURG uint16 = 0x020
	FlagECE uint16 = 0x040
	FlagCWR uint16 = 0x080
	FlagAE  uint16 = 0x100 // accurate ECN, formerly NS
)

// A Packet holds the decoded headers of one frame. Its byte slices point into the frame given
// to Decode: they are valid as long as the frame is, and must not be appended to.
type Packet struct {
	LinkType LinkType
	LinkLen  int       // bytes of link-layer header, VLAN tags, MPLS labels and PPPoE included
	VLANs    [4]uint16 // VLAN identifiers (12 bits) of the first NumVLAN tags, outermost first
	NumVLAN  int       // VLAN tags recorded in VLANs; tags past the fourth are skipped
	// EtherType is the final EtherType (or Linux cooked protocol) after VLAN tags; after an
	// MPLS label stack or a PPPoE header, that of the IP version found. It is 0 for link types
	// without one (null, loop, raw) and for IEEE 802.3 length frames.
	EtherType uint16

	IPVersion int // 4, 6, or 0 when the frame is not IP
	// Tunnels counts the IP-in-IP headers (protocols 4 and 41) that Decode went through, up to
	// four; the IP fields describe the innermost header.
	Tunnels      int
	IPOffset     int        // where the IP header starts in the frame
	Src, Dst     netip.Addr // IP source and destination
	IPHeaderLen  int        // IP header length, IPv4 options and IPv6 extension headers included
	IPPayloadLen int        // IP payload length according to the header (total length - IPHeaderLen)
	IPPayload    []byte     // IP payload (or fragment data) as captured, cut at the IP length
	// TSO reports an IP length field of 0, as frames captured before TCP segmentation offload
	// have: the length is taken from the capture instead (Wireshark does the same). IPv6
	// jumbograms, whose payload length is also 0, are decoded this way too.
	TSO           bool
	IPID          uint32 // IPv4 identification, or IPv6 fragment header identification
	TTL           uint8  // IPv4 time to live or IPv6 hop limit
	TOS           uint8  // IPv4 type of service or IPv6 traffic class
	DF            bool   // IPv4 don't fragment
	Protocol      uint8  // final IP protocol (next header): 6 TCP, 17 UDP, ...
	Fragment      bool   // the datagram is a fragment, its transport not decoded: see Defragmenter
	FragID        uint32 // fragment identification (IPID)
	FragOffset    int    // fragment offset in bytes
	MoreFragments bool   // more fragments follow

	HasTCP       bool   // the TCP header was decoded
	HasUDP       bool   // the UDP header was decoded
	SrcPort      uint16 // TCP or UDP source port
	DstPort      uint16 // TCP or UDP destination port
	Seq, Ack     uint32 // TCP sequence and acknowledgment numbers
	Flags        uint16 // TCP flags (12 bits): FlagFIN, FlagSYN, ...
	Window       uint16 // TCP window, not scaled
	Urgent       uint16 // TCP urgent pointer
	TCPHeaderLen int    // TCP header length (data offset × 4)
	TCPOptions   []byte // TCP options, undecoded
	TCPOffset    int    // where the TCP or UDP header starts in the frame

	// Payload is the TCP or UDP payload as captured, cut at the IP (or UDP) length so that
	// Ethernet padding is excluded.
	Payload []byte
	// PayloadLen is the payload length according to the headers; it exceeds len(Payload) when
	// the capture cut the frame.
	PayloadLen int
	// Truncated reports that the capture cut the frame short: inside the payload (without an
	// error) or inside a header (with an ErrTruncated error).
	Truncated bool
}

// Decode decodes the headers of frame data, captured with link type link, into p. It resets p
// first, then fills it layer by layer; on error, the fields of the layers before the failing
// one stay filled. The error is a *DecodeError wrapping ErrTruncated, ErrMalformed or
// ErrUnsupported. A frame that is not IP, or whose transport is neither TCP nor UDP, is not an
// error. Fragments are not decoded past the IP header: see Defragmenter.
//
// Decode goes through VLAN tags, MPLS labels, PPPoE sessions and IP-in-IP tunnels, but not
// through GRE, VXLAN or other tunnels over UDP: for those, the outer headers are decoded.
func Decode(link LinkType, data []byte, p *Packet) error {
	*p = Packet{LinkType: link}
	var err error
	switch link {
	case LinkEthernet:
		err = p.ethernet(data)
	case LinkLinuxSLL:
		err = p.sll(data)
	case LinkLinuxSLL2:
		err = p.sll2(data)
	case LinkNull, LinkLoop:
		err = p.loopback(data)
	case LinkRaw, 12, 14:
		err = p.raw(data)
	case LinkIPv4:
		p.IPVersion = 4
	case LinkIPv6:
		p.IPVersion = 6
	default:
		return &DecodeError{"link", 0, fmt.Errorf("link type %d: %w", uint32(link), ErrUnsupported)}
	}
	if err != nil {
		return err
	}
	for cut := false; ; cut = p.Truncated {
		switch p.IPVersion {
		case 4:
			err = p.ipv4(data)
		case 6:
			err = p.ipv6(data)
		default:
			return nil
		}
		if err != nil || p.Fragment {
			return err
		}
		if p.Tunnels > 0 && p.Truncated && !cut {
			p.Truncated = false
			layer := "ipv4"
			if p.IPVersion == 6 {
				layer = "ipv6"
			}
			return malformed(layer, p.IPOffset, "length beyond the enclosing datagram")
		}
		end := p.IPOffset + p.IPHeaderLen + len(p.IPPayload)
		if (p.Protocol != protocolIPv4 && p.Protocol != protocolIPv6) || p.Tunnels == maxTunnels {
			return p.transport(p.Protocol, data, end-len(p.IPPayload), end, p.IPPayloadLen)
		}
		// IP in IP: decode the inner header in place of the outer one.
		data = data[:end]
		p.IPVersion = 4
		if p.Protocol == protocolIPv6 {
			p.IPVersion = 6
		}
		p.IPOffset += p.IPHeaderLen
		p.Tunnels++
		p.resetIP()
	}
}

// resetIP clears the fields that ipv4 and ipv6 set.
func (p *Packet) resetIP() {
	p.Src, p.Dst = netip.Addr{}, netip.Addr{}
	p.IPHeaderLen, p.IPPayloadLen, p.IPPayload = 0, 0, nil
	p.TSO, p.IPID, p.TTL, p.TOS, p.DF, p.Protocol = false, 0, 0, 0, false, 0
	p.Fragment, p.FragID, p.FragOffset, p.MoreFragments = false, 0, 0, false
}

// DecodeTransport decodes the TCP or UDP header at the start of payload, the whole payload of
// an IP datagram of protocol proto, into p's transport fields (HasTCP to PayloadLen), leaving
// the others alone. It serves datagrams that Defragmenter reassembled; TCPOffset and error
// offsets count from the start of payload. Protocols other than TCP and UDP are not errors.
func DecodeTransport(proto uint8, payload []byte, p *Packet) error {
	p.HasTCP, p.HasUDP = false, false
	p.SrcPort, p.DstPort = 0, 0
	p.Seq, p.Ack, p.Flags, p.Window, p.Urgent = 0, 0, 0, 0, 0
	p.TCPHeaderLen, p.TCPOptions, p.TCPOffset = 0, nil, 0
	p.Payload, p.PayloadLen = nil, 0
	return p.transport(proto, payload, 0, len(payload), len(payload))
}
