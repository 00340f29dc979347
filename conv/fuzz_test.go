package conv

import (
	"net/netip"
	"testing"

	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/packet"
)

// FuzzTracker feeds segments described by the fuzzer's bytes (side, flags, sequence offset,
// length, data) to a Tracker on the MQTT port and on an unknown port, and checks that it never
// panics and that what it delivers holds together.
func FuzzTracker(f *testing.F) {
	seg := func(side, flags byte, off uint16, data []byte) []byte {
		return append([]byte{side | flags<<1, byte(off >> 8), byte(off), byte(len(data))}, data...)
	}
	var s1 []byte
	s1 = append(s1, seg(0, 0x01, 0, nil)...) // SYN
	s1 = append(s1, seg(0, 0, 1, connect311)...)
	s1 = append(s1, seg(1, 0, 1, connack)...)
	p := publish("a/b", "21.5")
	s1 = append(s1, seg(0, 0, uint16(1+len(connect311)+5), p[5:])...)
	s1 = append(s1, seg(0, 0, uint16(1+len(connect311)), p[:5])...)
	f.Add(s1)
	f.Add(seg(1, 0, 7, append(append([]byte("xyz"), pingresp...), publish("t", "v")...)))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, port := range []uint16{1883, 4444} {
			var got []*Message
			tr, err := NewTracker(Config{MaxPending: 512, DetectBytes: 256, HoldFrames: 16}, HandlerFunc(func(m *Message) { got = append(got, m) }))
			if err != nil {
				t.Fatal(err)
			}
			cli := netip.MustParseAddrPort("10.0.0.1:40000")
			srv := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), port)
			frame := 0
			for b := in; len(b) >= 4; {
				side, flags, off, n := b[0]&1, b[0]>>1, uint32(b[1])<<8|uint32(b[2]), int(b[3])
				b = b[4:]
				n = min(n, len(b))
				data := b[:n]
				b = b[n:]
				src, dst := cli, srv
				base := uint32(1000)
				if side == 1 {
					src, dst, base = srv, cli, 900000
				}
				fl := uint16(flagACK | 0x08)
				if flags&1 != 0 {
					fl = flagSYN
				}
				if flags&2 != 0 {
					fl |= flagFIN
				}
				if flags&4 != 0 {
					fl |= flagRST
				}
				frame++
				tr.Feed(Frame{Number: frame, Time: int64(frame)}, 1, &packet.Packet{IPVersion: 4, Src: src.Addr(), Dst: dst.Addr(),
					HasTCP: true, SrcPort: src.Port(), DstPort: dst.Port(), Seq: base + off, Ack: 1000 + uint32(flags)*3,
					Flags: fl, Payload: data, PayloadLen: len(data)})
			}
			tr.Flush()
			for _, m := range got {
				if len(m.Raw) == 0 {
					t.Fatalf("empty message %+v", m)
				}
				if m.Status == StatusOK {
					if _, err := mqtt.Parse(m.Raw, m.Conv.Version); err != nil {
						t.Fatalf("ok message %x does not parse: %v", m.Raw, err)
					}
				}
				if m.Frame.Number < 1 || m.Frame.Number > frame || m.FirstFrame > m.Frame.Number {
					t.Fatalf("message frames %d..%d of %d", m.FirstFrame, m.Frame.Number, frame)
				}
			}
		}
	})
}
