package dissect

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/mqzip/mqzip/capture"
)

// relink rewrites every frame of an Ethernet/IPv4 capture with another link layer (or
// fragments its IP packets) and writes the result as pcap or pcapng.
func relink(t *testing.T, src []byte, link capture.LinkType, ng bool, conv func(eth []byte) [][]byte) []byte {
	t.Helper()
	r, err := capture.NewReader(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var write func(ts int64, b []byte) error
	if ng {
		w, err := capture.NewNgWriter(&out, link)
		if err != nil {
			t.Fatal(err)
		}
		write = func(ts int64, b []byte) error { return w.WriteFrame(0, ts, b, len(b)) }
	} else {
		w, err := capture.NewPcapWriter(&out, link, 262144, true)
		if err != nil {
			t.Fatal(err)
		}
		write = func(ts int64, b []byte) error { return w.WriteFrame(ts, b, len(b)) }
	}
	for {
		f, err := r.Next()
		if err != nil {
			break
		}
		for _, b := range conv(bytes.Clone(f.Data)) {
			if err := write(f.Time, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out.Bytes()
}

func ipOf(eth []byte) []byte { return eth[14:] }

// fragment splits an IPv4 packet whose payload exceeds 48 bytes into two fragments, the
// second sent first.
func fragment(ip []byte) [][]byte {
	if len(ip) < 20 || ip[0]>>4 != 4 {
		return [][]byte{ip}
	}
	ihl := int(ip[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if total > len(ip) || total < ihl {
		return [][]byte{ip}
	}
	payload := ip[ihl:total]
	if len(payload) <= 48 {
		return [][]byte{ip}
	}
	mk := func(part []byte, off int, more bool) []byte {
		h := bytes.Clone(ip[:ihl])
		binary.BigEndian.PutUint16(h[2:], uint16(ihl+len(part)))
		fo := uint16(off / 8)
		if more {
			fo |= 0x2000
		}
		binary.BigEndian.PutUint16(h[6:], fo)
		return append(h, part...)
	}
	return [][]byte{mk(payload[40:], 40, false), mk(payload[:40], 0, true)}
}

// TestLinkTypesEndToEnd dissects the same traffic carried over every supported link type, with
// VLAN tags, IP fragments and pcapng, and expects the same MQTT messages every time.
func TestLinkTypesEndToEnd(t *testing.T) {
	src := readAll(t, "misc/riskyduha-mqtt.pcap")
	want := &collect{}
	if _, err := Run(bytes.NewReader(src), Config{}, want); err != nil {
		t.Fatal(err)
	}
	one := func(f func(eth []byte) []byte) func([]byte) [][]byte {
		return func(eth []byte) [][]byte { return [][]byte{f(eth)} }
	}
	sll := func(eth []byte) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[0:], 0) // to us
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)
		copy(h[6:], eth[6:12])
		binary.BigEndian.PutUint16(h[14:], 0x0800)
		return append(h, ipOf(eth)...)
	}
	sll2 := func(eth []byte) []byte {
		h := make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], 0x0800)
		binary.BigEndian.PutUint32(h[4:], 2) // interface index
		binary.BigEndian.PutUint16(h[8:], 1)
		h[11] = 6
		copy(h[12:], eth[6:12])
		return append(h, ipOf(eth)...)
	}
	null := func(eth []byte) []byte { return append([]byte{2, 0, 0, 0}, ipOf(eth)...) } // AF_INET, little-endian host
	loop := func(eth []byte) []byte { return append([]byte{0, 0, 0, 2}, ipOf(eth)...) }
	vlan := func(eth []byte) []byte {
		return append(append(bytes.Clone(eth[:12]), 0x81, 0x00, 0x00, 0x2a), eth[12:]...)
	}
	qinq := func(eth []byte) []byte {
		return append(append(bytes.Clone(eth[:12]), 0x88, 0xa8, 0x00, 0x07, 0x81, 0x00, 0x00, 0x2a), eth[12:]...)
	}
	frag := func(eth []byte) [][]byte {
		var out [][]byte
		for _, ip := range fragment(ipOf(eth)) {
			out = append(out, append(bytes.Clone(eth[:14]), ip...))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		link capture.LinkType
		ng   bool
		conv func([]byte) [][]byte
	}{
		{"raw", 101, false, one(ipOf)},
		{"ipv4", 228, false, one(ipOf)},
		{"linux-sll", 113, false, one(sll)},
		{"linux-sll2", 276, false, one(sll2)},
		{"null", 0, false, one(null)},
		{"loop", 108, false, one(loop)},
		{"vlan", 1, false, one(vlan)},
		{"qinq", 1, true, one(qinq)},
		{"ip-fragments", 1, false, frag},
		{"pcapng", 1, true, one(func(b []byte) []byte { return b })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := relink(t, src, tc.link, tc.ng, tc.conv)
			got := &collect{}
			if _, err := Run(bytes.NewReader(in), Config{}, got); err != nil {
				t.Fatal(err)
			}
			if len(got.msgs) != len(want.msgs) {
				t.Fatalf("%d messages, want %d", len(got.msgs), len(want.msgs))
			}
			for i := range want.msgs {
				g, w := got.msgs[i], want.msgs[i]
				if !bytes.Equal(g.Raw, w.Raw) || g.Status != w.Status || g.Dir != w.Dir || g.Frame.Time != w.Frame.Time {
					t.Fatalf("message %d differs: %x %s vs %x %s", i, g.Raw, g.Status, w.Raw, w.Status)
				}
			}
		})
	}
}
