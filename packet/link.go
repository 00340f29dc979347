package packet

import "encoding/binary"

// ethernet decodes an Ethernet II or IEEE 802.3 header and its VLAN tags.
func (p *Packet) ethernet(data []byte) error {
	if len(data) < 14 {
		return p.truncated("ethernet", 0, 14, len(data))
	}
	return p.etherType(data, binary.BigEndian.Uint16(data[12:14]), 14)
}

// sll decodes a Linux cooked capture v1 header: packet type (2), ARPHRD type (2), address
// length (2), address (8), protocol (2).
func (p *Packet) sll(data []byte) error {
	if len(data) < 16 {
		return p.truncated("sll", 0, 16, len(data))
	}
	return p.etherType(data, binary.BigEndian.Uint16(data[14:16]), 16)
}

// sll2 decodes a Linux cooked capture v2 header: protocol (2), reserved (2), interface index
// (4), ARPHRD type (2), packet type (1), address length (1), address (8).
func (p *Packet) sll2(data []byte) error {
	if len(data) < 20 {
		return p.truncated("sll2", 0, 20, len(data))
	}
	return p.etherType(data, binary.BigEndian.Uint16(data[0:2]), 20)
}

// etherType dispatches on EtherType et, whose header ends at off, skipping VLAN tags, an MPLS
// label stack and a PPPoE session header.
func (p *Packet) etherType(data []byte, et uint16, off int) error {
	for {
		switch et {
		case EtherTypeVLAN, EtherTypeQinQ, EtherTypeQinQ1:
			if len(data)-off < 4 {
				return p.truncated("vlan", off, 4, len(data)-off)
			}
			if p.NumVLAN < len(p.VLANs) {
				p.VLANs[p.NumVLAN] = binary.BigEndian.Uint16(data[off:off+2]) & 0x0fff
				p.NumVLAN++
			}
			et = binary.BigEndian.Uint16(data[off+2 : off+4])
			off += 4
			continue
		case EtherTypeMPLS, EtherTypeMPLSMulticast:
			return p.mpls(data, off)
		case EtherTypePPPoE:
			return p.pppoe(data, off)
		}
		break
	}
	p.LinkLen, p.IPOffset = off, off
	if et < 0x0600 { // an IEEE 802.3 length, or a Linux cooked non-Ethernet protocol
		return nil
	}
	p.EtherType = et
	switch et {
	case EtherTypeIPv4:
		p.IPVersion = 4
	case EtherTypeIPv6:
		p.IPVersion = 6
	}
	return nil
}

// mpls skips an MPLS label stack (RFC 3032) at off. MPLS does not name its payload: an IP
// version field of 4 or 6 after the bottom label is taken as IP, as Wireshark and gopacket do.
func (p *Packet) mpls(data []byte, off int) error {
	for {
		if len(data)-off < 4 {
			return p.truncated("mpls", off, 4, len(data)-off)
		}
		bottom := data[off+2]&1 != 0
		off += 4
		if bottom {
			break
		}
	}
	p.LinkLen, p.IPOffset = off, off
	if off < len(data) {
		switch data[off] >> 4 {
		case 4:
			p.EtherType, p.IPVersion = EtherTypeIPv4, 4
		case 6:
			p.EtherType, p.IPVersion = EtherTypeIPv6, 6
		}
	}
	return nil
}

// pppoe decodes a PPPoE session header (RFC 2516) and the PPP protocol field at off.
func (p *Packet) pppoe(data []byte, off int) error {
	if len(data)-off < 8 {
		return p.truncated("pppoe", off, 8, len(data)-off)
	}
	p.LinkLen, p.IPOffset = off+8, off+8
	switch binary.BigEndian.Uint16(data[off+6 : off+8]) {
	case 0x0021:
		p.EtherType, p.IPVersion = EtherTypeIPv4, 4
	case 0x0057:
		p.EtherType, p.IPVersion = EtherTypeIPv6, 6
	}
	return nil
}

// BSD address family values of IPv4 and IPv6 in null and loop headers.
const (
	afInet         = 2
	afInet6BSD     = 24 // NetBSD, OpenBSD, BSD/OS
	afInet6FreeBSD = 28
	afInet6Darwin  = 30
)

// loopback decodes the 4-byte address family of a null or loop header. Null headers are in
// the capturing host's byte order, which the zero high bytes of a small value reveal.
func (p *Packet) loopback(data []byte) error {
	layer := "null"
	if p.LinkType == LinkLoop {
		layer = "loop"
	}
	if len(data) < 4 {
		return p.truncated(layer, 0, 4, len(data))
	}
	af := binary.LittleEndian.Uint32(data)
	if p.LinkType == LinkLoop || data[0] == 0 && data[1] == 0 {
		af = binary.BigEndian.Uint32(data)
	}
	p.LinkLen, p.IPOffset = 4, 4
	switch af {
	case afInet:
		p.IPVersion = 4
	case afInet6BSD, afInet6FreeBSD, afInet6Darwin:
		p.IPVersion = 6
	}
	return nil
}

// raw tells IPv4 from IPv6 by the version field.
func (p *Packet) raw(data []byte) error {
	if len(data) < 1 {
		return p.truncated("raw", 0, 1, 0)
	}
	switch v := data[0] >> 4; v {
	case 4, 6:
		p.IPVersion = int(v)
	default:
		return malformed("raw", 0, "ip version %d", v)
	}
	return nil
}
