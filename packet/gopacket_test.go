package packet

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// TestAgreesWithGopacket decodes every frame of every test capture with Decode and with
// gopacket, the reference: the IP addresses, ports, TCP sequence and acknowledgment numbers,
// flags, window and payload must be equal.
func TestAgreesWithGopacket(t *testing.T) {
	for _, path := range testcaps.All(t) {
		t.Run(testcaps.Name(path), func(t *testing.T) {
			var p Packet
			var nIP, nTCP, nUDP int
			for i, f := range readCapture(t, path) {
				err := Decode(f.link, f.data, &p)
				gp := gopacket.NewPacket(f.data, gopacketDecoder(f.link), gopacket.DecodeOptions{NoCopy: true, Lazy: true})
				if gp.Layer(layers.LayerTypeERSPANII) != nil && p.EtherType == 0x88be {
					// gopacket decodes ERSPAN type II right after Ethernet; it is only valid in
					// GRE, and Wireshark does not decode it there either.
					t.Logf("frame %d: ERSPAN type II in Ethernet, skipped", i+1)
					continue
				}
				if diff := agree(&p, err, gp); diff != "" {
					t.Errorf("frame %d: %s\n  ours:     %s (err %v)\n  gopacket: %v", i+1, diff, describe(&p), err, gp)
					continue
				}
				nIP += min(p.IPVersion, 1)
				if p.HasTCP {
					nTCP++
				}
				if p.HasUDP {
					nUDP++
				}
			}
			if nTCP == 0 {
				t.Errorf("no TCP segment compared")
			}
			t.Logf("%d IP packets, %d TCP segments, %d UDP datagrams agree", nIP, nTCP, nUDP)
		})
	}
}

// agree compares our decode p (and its error) with gopacket's, returning what differs.
func agree(p *Packet, err error, gp gopacket.Packet) string {
	// Compare the IP header we decoded with gopacket's, counting IP-in-IP tunnels.
	var src, dst []byte
	var version, n int
	for _, l := range gp.Layers() {
		switch ip := l.(type) {
		case *layers.IPv4:
			if n == p.Tunnels {
				src, dst, version = ip.SrcIP, ip.DstIP, 4
			}
			n++
		case *layers.IPv6:
			if n == p.Tunnels {
				src, dst, version = ip.SrcIP, ip.DstIP, 6
			}
			n++
		}
	}
	switch {
	case version != p.IPVersion && (version == 0 || err == nil):
		return fmt.Sprintf("IP version %d, gopacket's %d", p.IPVersion, version)
	case version != 0:
		if s, _ := netip.AddrFromSlice(src); s != p.Src {
			return "source address"
		}
		if d, _ := netip.AddrFromSlice(dst); d != p.Dst {
			return "destination address"
		}
	}
	gt, _ := gp.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if (gt != nil) != (p.HasTCP && err == nil) {
		return "TCP decoded by one only"
	}
	if gt != nil {
		var flags uint16
		for i, f := range []bool{gt.FIN, gt.SYN, gt.RST, gt.PSH, gt.ACK, gt.URG, gt.ECE, gt.CWR, gt.NS} {
			if f {
				flags |= 1 << i
			}
		}
		switch {
		case uint16(gt.SrcPort) != p.SrcPort || uint16(gt.DstPort) != p.DstPort:
			return "TCP ports"
		case gt.Seq != p.Seq || gt.Ack != p.Ack:
			return "TCP seq or ack"
		case flags != p.Flags&0x1ff:
			return "TCP flags"
		case gt.Window != p.Window || gt.Urgent != p.Urgent:
			return "TCP window or urgent pointer"
		case int(gt.DataOffset)*4 != p.TCPHeaderLen:
			return "TCP header length"
		case !bytes.Equal(gt.Payload, p.Payload):
			return "TCP payload"
		}
	}
	gu, _ := gp.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if (gu != nil) != (p.HasUDP && err == nil) {
		return "UDP decoded by one only"
	}
	if gu != nil && (uint16(gu.SrcPort) != p.SrcPort || uint16(gu.DstPort) != p.DstPort) {
		return "UDP ports"
	}
	if p.Truncated && !gp.Metadata().Truncated {
		return "truncation"
	}
	return ""
}

// gopacketDecoder returns gopacket's decoder for a link type; gopacket v1.1.19 names the raw
// IPv4 and IPv6 link types but has no decoder for them.
func gopacketDecoder(link LinkType) gopacket.Decoder {
	switch link {
	case LinkIPv4:
		return layers.LayerTypeIPv4
	case LinkIPv6:
		return layers.LayerTypeIPv6
	}
	return layers.LinkType(link)
}
