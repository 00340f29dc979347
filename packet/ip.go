package packet

import (
	"encoding/binary"
	"net/netip"
)

// ipv4 decodes an IPv4 header (RFC 791) at p.IPOffset.
func (p *Packet) ipv4(data []byte) error {
	off := p.IPOffset
	b := data[off:]
	if len(b) < 20 {
		return p.truncated("ipv4", off, 20, len(b))
	}
	if v := b[0] >> 4; v != 4 {
		return malformed("ipv4", off, "version %d, want 4", v)
	}
	hl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	p.TOS = b[1]
	p.IPID = uint32(binary.BigEndian.Uint16(b[4:6]))
	frag := binary.BigEndian.Uint16(b[6:8])
	p.DF = frag&0x4000 != 0
	p.MoreFragments = frag&0x2000 != 0
	p.FragOffset = int(frag&0x1fff) * 8
	p.TTL = b[8]
	p.Protocol = b[9]
	p.Src = netip.AddrFrom4([4]byte(b[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	if hl < 20 {
		return malformed("ipv4", off, "header length %d < 20", hl)
	}
	if total == 0 { // captured before TCP segmentation offload
		p.TSO = true
		total = max(len(b), hl)
	}
	if total < hl {
		return malformed("ipv4", off, "total length %d < header length %d", total, hl)
	}
	if len(b) < hl {
		return p.truncated("ipv4", off, hl, len(b))
	}
	p.IPHeaderLen = hl
	p.IPPayloadLen = total - hl
	if total > len(b) {
		p.Truncated = true
		total = len(b)
	}
	p.IPPayload = b[hl:total:total]
	if p.MoreFragments || p.FragOffset != 0 {
		p.Fragment = true
		p.FragID = p.IPID
	}
	return nil
}

// IPv6 extension headers (RFC 8200, section 4; RFC 4302).
const (
	ipv6HopByHop    = 0
	ipv6Routing     = 43
	ipv6Fragment    = 44
	ipv6AH          = 51
	ipv6NoNext      = 59
	ipv6DestOptions = 60
)

// ipv6 decodes an IPv6 header (RFC 8200) at p.IPOffset and its extension headers, up to the
// upper-layer header, ESP, "no next header" or a fragment header of a real fragment.
func (p *Packet) ipv6(data []byte) error {
	off := p.IPOffset
	b := data[off:]
	if len(b) < 40 {
		return p.truncated("ipv6", off, 40, len(b))
	}
	if v := b[0] >> 4; v != 6 {
		return malformed("ipv6", off, "version %d, want 6", v)
	}
	p.TOS = uint8(binary.BigEndian.Uint16(b[0:2]) >> 4)
	end := 40 + int(binary.BigEndian.Uint16(b[4:6])) // declared end of the datagram
	next := b[6]
	p.TTL = b[7]
	p.Src = netip.AddrFrom16([16]byte(b[8:24]))
	p.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	if end == 40 && next != ipv6NoNext && len(b) > 40 { // a jumbogram, or captured before segmentation offload
		p.TSO = true
		end = len(b)
	}
	capEnd := min(end, len(b))
	if end > len(b) {
		p.Truncated = true
	}
	hl := 40
	for isExtension(next) {
		if err := p.extension(off+hl, 2, end-hl, capEnd-hl); err != nil {
			return err
		}
		n := 8 // fragment header
		switch next {
		case ipv6AH:
			n = (int(b[hl+1]) + 2) * 4
		case ipv6HopByHop, ipv6Routing, ipv6DestOptions:
			n = (int(b[hl+1]) + 1) * 8
		}
		if err := p.extension(off+hl, n, end-hl, capEnd-hl); err != nil {
			return err
		}
		h, kind := b[hl:hl+n], next
		next = h[0]
		hl += n
		if kind == ipv6Fragment && p.fragmentHeader(h) {
			break // the rest is fragment data
		}
	}
	p.Protocol = next
	p.IPHeaderLen = hl
	p.IPPayloadLen = end - hl
	p.IPPayload = b[hl:capEnd:capEnd]
	return nil
}

// isExtension reports whether next names an IPv6 extension header that ipv6 walks over.
func isExtension(next uint8) bool {
	switch next {
	case ipv6HopByHop, ipv6Routing, ipv6Fragment, ipv6AH, ipv6DestOptions:
		return true
	}
	return false
}

// extension checks that an extension header of need bytes at offset at fits in the declared
// and in the captured rest of the datagram.
func (p *Packet) extension(at, need, declared, captured int) error {
	if need > declared {
		return malformed("ipv6", at, "extension header of %d bytes beyond payload length (%d left)", need, declared)
	}
	if need > captured {
		return p.truncated("ipv6", at, need, captured)
	}
	return nil
}

// fragmentHeader records IPv6 fragment header h and reports whether the datagram is a
// fragment; an atomic fragment (offset 0, no more fragments: RFC 6946) is not.
func (p *Packet) fragmentHeader(h []byte) bool {
	fo := binary.BigEndian.Uint16(h[2:4])
	p.FragOffset = int(fo &^ 7)
	p.MoreFragments = fo&1 != 0
	p.IPID = binary.BigEndian.Uint32(h[4:8])
	if p.FragOffset == 0 && !p.MoreFragments {
		return false
	}
	p.Fragment = true
	p.FragID = p.IPID
	return true
}
