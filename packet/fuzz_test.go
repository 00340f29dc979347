package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

// FuzzDecode decodes arbitrary frames of arbitrary link types, seeded with frames of the
// bundled captures and the hand-made ones of the tests. Decode must not panic, must return
// only *DecodeError wrapping a sentinel, and must fill consistent fields.
func FuzzDecode(f *testing.F) {
	for _, path := range testcaps.Bundled(f) {
		for i, fr := range readCapture(f, path) {
			if i < 4 || i%64 == 0 {
				f.Add(uint32(fr.link), fr.data)
			}
		}
	}
	v4 := ip4(6, []byte{1, 1, 1, 0}, tcp(FlagACK, tcpOpts, mqttPub))
	v6 := ip6(0, cat(ext(44, 1), fragHdr(6, 0, false, 1), tcp(FlagSYN, nil, nil)))
	for _, s := range []struct {
		link LinkType
		data []byte
	}{
		{LinkLinuxSLL2, cat(sll2(0x86dd), v6)},
		{LinkEthernet, cat(eth(0x0800, 0x88a8, 1, 0x8100, 2), v4)},
		{LinkEthernet, cat(eth(0x8847), []byte{0, 1, 1, 64}, v4)},
		{LinkEthernet, cat(eth(0x8864), []byte{0x11, 0, 0, 1, 0, 0, 0, 0x21}, v4)},
		{LinkNull, cat(le32(30), v6)},
		{LinkLoop, cat(be32(2), ip4(17, nil, udp([]byte("x"))))},
		{LinkRaw, ip4(41, nil, v6)},
		{LinkIPv4, put16(v4, 6, 0x2001)},
		{LinkIPv6, ip6(51, cat([]byte{6, 4, 0, 0}, make([]byte, 20), tcp(FlagACK, nil, mqttPing)))},
	} {
		f.Add(uint32(s.link), s.data)
	}
	f.Fuzz(func(t *testing.T, link uint32, data []byte) {
		var p, q Packet
		err := Decode(LinkType(link), data, &p)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || !(errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported)) {
				t.Fatalf("Decode returned %T %v", err, err)
			}
			if errors.Is(err, ErrTruncated) && !p.Truncated {
				t.Fatalf("%v, but Truncated is false", err)
			}
		}
		if err2 := Decode(LinkType(link), data, &q); !equalPackets(&p, &q) || (err == nil) != (err2 == nil) {
			t.Fatalf("two decodes differ: %s\n%s", describe(&p), describe(&q))
		}
		if err == nil {
			checkPacket(t, &p, data)
		}
		if p.IPVersion != 0 {
			DecodeTransport(p.Protocol, p.IPPayload, &q)
		}
	})
}

// equalPackets compares two decodes of the same frame.
func equalPackets(p, q *Packet) bool {
	return describe(p) == describe(q) && bytes.Equal(p.IPPayload, q.IPPayload) && bytes.Equal(p.TCPOptions, q.TCPOptions)
}

// checkPacket checks the invariants of a successful decode of data.
func checkPacket(t *testing.T, p *Packet, data []byte) {
	t.Helper()
	within := func(name string, b []byte, off int) {
		if len(b) > 0 && (off < 0 || off+len(b) > len(data) || &data[off] != &b[0]) {
			t.Fatalf("%s is not data[%d:%d]", name, off, off+len(b))
		}
	}
	if p.IPVersion == 0 {
		if p.HasTCP || p.HasUDP || p.IPPayload != nil {
			t.Fatalf("transport without IP: %s", describe(p))
		}
		return
	}
	bits := map[int]int{4: 32, 6: 128}[p.IPVersion]
	if p.IPOffset < p.LinkLen || p.IPHeaderLen < 20 || len(p.IPPayload) > p.IPPayloadLen ||
		len(p.IPPayload) < p.IPPayloadLen && !p.Truncated || p.Src.BitLen() != bits || p.Dst.BitLen() != bits {
		t.Fatalf("inconsistent IP fields: %s", describe(p))
	}
	within("IPPayload", p.IPPayload, p.IPOffset+p.IPHeaderLen)
	if !p.HasTCP && !p.HasUDP {
		return
	}
	if p.HasTCP == p.HasUDP || p.Fragment || len(p.Payload) > p.PayloadLen || len(p.Payload) < p.PayloadLen && !p.Truncated {
		t.Fatalf("inconsistent transport fields: %s", describe(p))
	}
	hl := 8
	if p.HasTCP {
		hl = p.TCPHeaderLen
		if hl < 20 || hl != 20+len(p.TCPOptions) || p.TCPHeaderLen+p.PayloadLen != p.IPPayloadLen {
			t.Fatalf("inconsistent TCP fields: %s", describe(p))
		}
		within("TCPOptions", p.TCPOptions, p.TCPOffset+20)
	}
	within("Payload", p.Payload, p.TCPOffset+hl)
}

// FuzzDefragment feeds a Defragmenter fragments described by the input and checks every
// reassembled datagram against a simple model that keeps the first byte received at each
// offset. The first input byte picks the limits: generous (the model must match exactly) or
// tight (only the memory bound is checked).
func FuzzDefragment(f *testing.F) {
	rec := func(flags byte, off uint16, data []byte) []byte {
		return cat([]byte{flags}, be16(off), []byte{byte(len(data))}, data)
	}
	full := bytes.Repeat([]byte("abcdefgh"), 40)
	f.Add(cat([]byte{0}, rec(1, 0, full[:200]), rec(0, 25, full[200:300])))
	f.Add(cat([]byte{0}, rec(0, 25, full[200:300]), rec(1, 10, full[80:208]), rec(1, 0, full[:96]), rec(1, 0, full[:96])))
	f.Add(cat([]byte{0}, rec(3, 0, full[:64]), rec(2, 8, full[64:72]), rec(1, 4, bytes.Repeat([]byte{9}, 64)), rec(4, 8, full[64:72])))
	f.Add(cat([]byte{1}, rec(1, 0, full[:248]), rec(9, 0, full[:248]), rec(17, 0, full[:248]), rec(0x81, 8100, full[:200])))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		cfg, exact := DefragConfig{MaxBytes: 1 << 30, MaxDatagrams: 1 << 20, Timeout: 1 << 62}, in[0]&1 == 0
		if !exact {
			cfg = DefragConfig{MaxBytes: 1, MaxDatagrams: 3, Timeout: 100}
		}
		d := NewDefragmenter(cfg)
		type model struct {
			bytes map[int]byte
			total int
		}
		models := map[fragKey]*model{}
		in = in[1:]
		for now := int64(0); len(in) >= 4; now++ {
			// A record: flags (bit 0 more fragments, bit 1 IPv6, bit 2 cut by the capture,
			// bits 3-4 datagram, bit 7 large offsets), 13-bit offset in 8-byte units, length.
			flags, off, n := in[0], int(binary.BigEndian.Uint16(in[1:3])&0x1fff), int(in[3])
			in = in[4:]
			if flags&0x80 == 0 {
				off %= 64
			}
			n = min(n, len(in))
			data := in[:n]
			in = in[n:]
			p := Packet{IPVersion: 4, Protocol: 17, IPHeaderLen: 20, Fragment: true, FragID: uint32(flags>>3) & 3,
				FragOffset: off * 8, MoreFragments: flags&1 != 0, IPPayload: data, IPPayloadLen: len(data)}
			p.Src, p.Dst = netip.AddrFrom4([4]byte{10, 0, 0, 1}), netip.AddrFrom4([4]byte{10, 0, 0, 2})
			if flags&2 != 0 {
				p.IPVersion, p.IPHeaderLen = 6, 48
				p.Src, p.Dst = netip.IPv6Loopback(), netip.IPv6Unspecified()
			}
			if flags&4 != 0 {
				p.IPPayloadLen++
			}
			k := fragKey{src: p.Src, dst: p.Dst, id: p.FragID}
			if p.IPVersion == 4 {
				k.proto = p.Protocol
			}
			payload, done, err := d.Add(&p, now)
			if s := d.Stats(); s.Bytes > max(cfg.MaxBytes, minDefragBytes) || s.Pending > cfg.MaxDatagrams || s.Bytes < 0 {
				t.Fatalf("over the limits: %+v", s)
			}
			if !exact {
				continue
			}
			switch {
			case errors.Is(err, ErrTruncated):
				continue
			case errors.Is(err, ErrMalformed):
				delete(models, k)
				continue
			case err != nil:
				t.Fatalf("Add: %v", err)
			}
			m := models[k]
			if m == nil {
				m = &model{bytes: map[int]byte{}, total: -1}
				models[k] = m
			}
			for i, c := range data {
				if _, ok := m.bytes[p.FragOffset+i]; !ok {
					m.bytes[p.FragOffset+i] = c
				}
			}
			if !p.MoreFragments {
				m.total = p.FragOffset + len(data)
			}
			complete := m.total >= 0 && len(m.bytes) == m.total
			if done != complete {
				t.Fatalf("done = %v, model complete = %v (%d of %d bytes)", done, complete, len(m.bytes), m.total)
			}
			if !done {
				continue
			}
			for i, c := range payload {
				if m.bytes[i] != c {
					t.Fatalf("byte %d = %d, want %d", i, c, m.bytes[i])
				}
			}
			if len(payload) != m.total {
				t.Fatalf("payload of %d bytes, want %d", len(payload), m.total)
			}
			delete(models, k)
		}
	})
}
