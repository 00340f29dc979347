package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/gopacket/pcapgo"
)

// frame is one captured frame of a test capture.
type frame struct {
	link LinkType
	data []byte
	ts   int64 // capture time, ns
}

// readCapture reads every frame of a pcap or pcapng file with gopacket's pcapgo (the project's
// own reader is another package's concern).
func readCapture(tb testing.TB, path string) []frame {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var frames []frame
	if len(raw) >= 4 && binary.BigEndian.Uint32(raw) == 0x0a0d0d0a {
		r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		for {
			data, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				tb.Fatalf("%s: frame %d: %v", path, len(frames)+1, err)
			}
			iface, err := r.Interface(ci.InterfaceIndex)
			if err != nil {
				tb.Fatalf("%s: frame %d: %v", path, len(frames)+1, err)
			}
			frames = append(frames, frame{LinkType(iface.LinkType), data, ci.Timestamp.UnixNano()})
		}
		return frames
	}
	r, err := pcapgo.NewReader(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	// pcapgo keeps the link type in a byte; read all 16 bits from the file header.
	order := binary.ByteOrder(binary.LittleEndian)
	if m := binary.BigEndian.Uint32(raw); m == 0xa1b2c3d4 || m == 0xa1b23c4d {
		order = binary.BigEndian
	}
	link := LinkType(order.Uint32(raw[20:24]) & 0xffff)
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			tb.Fatalf("%s: frame %d: %v", path, len(frames)+1, err)
		}
		frames = append(frames, frame{link, data, ci.Timestamp.UnixNano()})
	}
	return frames
}

// Frame builders for hand-made test frames.

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// put16 returns a copy of b with v written at off.
func put16(b []byte, off int, v uint16) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint16(b[off:], v)
	return b
}

// eth returns an Ethernet header with EtherType et followed by VLAN tags (TPID, VID pairs).
func eth(et uint16, tags ...uint16) []byte {
	h := cat([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1})
	types := append(tags, et)
	for i := 0; i+1 < len(types); i += 2 {
		h = cat(h, be16(types[i]), be16(types[i+1]))
	}
	return cat(h, be16(types[len(types)-1]))
}

// sll returns a Linux cooked v1 header for protocol et.
func sll(et uint16) []byte {
	return cat(be16(0), be16(1), be16(6), []byte{2, 0, 0, 0, 0, 1, 0, 0}, be16(et))
}

// sll2 returns a Linux cooked v2 header for protocol et.
func sll2(et uint16) []byte {
	return cat(be16(et), be16(0), be32(3), be16(1), []byte{4, 6}, []byte{2, 0, 0, 0, 0, 1, 0, 0})
}

// ip4 returns an IPv4 header (10.0.0.1 to 10.0.0.2, ID 0x1234, DF) with options opts, then
// payload.
func ip4(proto uint8, opts, payload []byte) []byte {
	hl := 20 + len(opts)
	h := cat([]byte{0x40 | byte(hl/4), 0x10}, be16(uint16(hl+len(payload))), be16(0x1234), be16(0x4000),
		[]byte{64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}, opts)
	return cat(h, payload)
}

// ip6 returns an IPv6 header (2001:db8::1 to 2001:db8::2) with next header next, then payload.
func ip6(next uint8, payload []byte) []byte {
	src := netip.MustParseAddr("2001:db8::1").As16()
	dst := netip.MustParseAddr("2001:db8::2").As16()
	return cat([]byte{0x60, 0x20, 0, 0}, be16(uint16(len(payload))), []byte{next, 64}, src[:], dst[:], payload)
}

// ext returns an IPv6 extension header (hop-by-hop, routing or destination options) of n×8
// bytes.
func ext(next uint8, n int) []byte {
	h := make([]byte, n*8)
	h[0], h[1] = next, byte(n-1)
	if n*8 >= 8 {
		h[2], h[3] = 1, byte(n*8-4) // one PadN option filling the header
	}
	return h
}

// fragHdr returns an IPv6 fragment header.
func fragHdr(next uint8, off int, more bool, id uint32) []byte {
	fo := uint16(off)
	if more {
		fo |= 1
	}
	return cat([]byte{next, 0}, be16(fo), be32(id))
}

// tcp returns a TCP header (1883 to 50000, seq 1000, ack 2000, window 512) with flags,
// options opts (padded to 4 bytes), then payload.
func tcp(flags uint16, opts, payload []byte) []byte {
	for len(opts)%4 != 0 {
		opts = append(bytes.Clone(opts), 1)
	}
	hl := 20 + len(opts)
	return cat(be16(1883), be16(50000), be32(1000), be32(2000), be16(uint16(hl/4)<<12|flags&0x0fff), be16(512),
		be16(0), be16(7), opts, payload)
}

// udp returns a UDP header (5353 to 53) and payload.
func udp(payload []byte) []byte {
	return cat(be16(5353), be16(53), be16(uint16(8+len(payload))), be16(0), payload)
}

// describe summarises the decoded fields of p in one line, for table tests.
func describe(p *Packet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "link=%d", p.LinkLen)
	if p.NumVLAN > 0 {
		fmt.Fprintf(&b, " vlan=%v", p.VLANs[:p.NumVLAN])
	}
	fmt.Fprintf(&b, " et=%04x", p.EtherType)
	if p.IPVersion == 0 {
		return b.String()
	}
	if p.Tunnels > 0 {
		fmt.Fprintf(&b, " tunnels=%d", p.Tunnels)
	}
	fmt.Fprintf(&b, " ip%d@%d %v>%v hl=%d pl=%d proto=%d", p.IPVersion, p.IPOffset, p.Src, p.Dst,
		p.IPHeaderLen, p.IPPayloadLen, p.Protocol)
	if p.TSO {
		b.WriteString(" tso")
	}
	if p.Fragment {
		fmt.Fprintf(&b, " frag=%#x/%d", p.FragID, p.FragOffset)
		if p.MoreFragments {
			b.WriteString("+")
		}
	}
	switch {
	case p.HasTCP:
		fmt.Fprintf(&b, " tcp@%d %d>%d seq=%d ack=%d flags=%03x win=%d hl=%d opts=%d", p.TCPOffset, p.SrcPort,
			p.DstPort, p.Seq, p.Ack, p.Flags, p.Window, p.TCPHeaderLen, len(p.TCPOptions))
	case p.HasUDP:
		fmt.Fprintf(&b, " udp@%d %d>%d", p.TCPOffset, p.SrcPort, p.DstPort)
	}
	if p.HasTCP || p.HasUDP {
		if len(p.Payload) > 40 {
			fmt.Fprintf(&b, " payload=%q.../%d", p.Payload[:40], p.PayloadLen)
		} else {
			fmt.Fprintf(&b, " payload=%q/%d", p.Payload, p.PayloadLen)
		}
	}
	if p.Truncated {
		b.WriteString(" truncated")
	}
	return b.String()
}
