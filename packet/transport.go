package packet

import "encoding/binary"

// transport decodes the header of protocol proto at data[off:]: capEnd is where the captured
// IP payload ends in data, declared the IP payload length from the IP header.
func (p *Packet) transport(proto uint8, data []byte, off, capEnd, declared int) error {
	switch proto {
	case ProtocolTCP:
		return p.tcp(data, off, capEnd, declared)
	case ProtocolUDP:
		return p.udp(data, off, capEnd, declared)
	}
	return nil
}

// tcp decodes a TCP header (RFC 9293, section 3.1).
func (p *Packet) tcp(data []byte, off, capEnd, declared int) error {
	p.TCPOffset = off
	if declared < 20 {
		return malformed("tcp", off, "segment length %d < 20", declared)
	}
	if capEnd-off < 20 {
		return p.truncated("tcp", off, 20, capEnd-off)
	}
	b := data[off:capEnd:capEnd]
	p.SrcPort = binary.BigEndian.Uint16(b[0:2])
	p.DstPort = binary.BigEndian.Uint16(b[2:4])
	p.Seq = binary.BigEndian.Uint32(b[4:8])
	p.Ack = binary.BigEndian.Uint32(b[8:12])
	p.Flags = binary.BigEndian.Uint16(b[12:14]) & 0x0fff
	p.Window = binary.BigEndian.Uint16(b[14:16])
	p.Urgent = binary.BigEndian.Uint16(b[18:20])
	hl := int(b[12]>>4) * 4
	if hl < 20 {
		return malformed("tcp", off, "header length %d < 20", hl)
	}
	if hl > declared {
		return malformed("tcp", off, "header length %d > segment length %d", hl, declared)
	}
	if hl > len(b) {
		return p.truncated("tcp", off, hl, len(b))
	}
	p.TCPHeaderLen = hl
	if hl > 20 {
		p.TCPOptions = b[20:hl:hl]
	}
	p.Payload = b[hl:]
	p.PayloadLen = declared - hl
	p.HasTCP = true
	return nil
}

// udp decodes a UDP header (RFC 768). A length of 0, as in IPv6 jumbograms (RFC 2675) and
// frames captured before UDP segmentation offload, means the whole IP payload.
func (p *Packet) udp(data []byte, off, capEnd, declared int) error {
	p.TCPOffset = off
	if declared < 8 {
		return malformed("udp", off, "datagram length %d < 8", declared)
	}
	if capEnd-off < 8 {
		return p.truncated("udp", off, 8, capEnd-off)
	}
	b := data[off:capEnd:capEnd]
	p.SrcPort = binary.BigEndian.Uint16(b[0:2])
	p.DstPort = binary.BigEndian.Uint16(b[2:4])
	n := int(binary.BigEndian.Uint16(b[4:6]))
	switch {
	case n == 0:
		n = declared
	case n < 8:
		return malformed("udp", off, "length %d < 8", n)
	case n > declared:
		return malformed("udp", off, "length %d > ip payload length %d", n, declared)
	}
	e := min(n, len(b))
	p.Payload = b[8:e:e]
	p.PayloadLen = n - 8
	p.HasUDP = true
	return nil
}
