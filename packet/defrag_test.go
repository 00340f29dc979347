package packet

import (
	"bytes"
	"errors"
	"testing"
)

// segment is a TCP segment of 3000 bytes to fragment.
var segment = tcp(FlagPSH|FlagACK, tcpOpts, bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), 83)[:2972])

// frag4 returns an Ethernet frame holding bytes [off, end) of IPv4 payload data, identification id.
func frag4(id uint16, data []byte, off, end int) []byte {
	f := ip4(6, nil, data[off:end])
	fo := uint16(off / 8)
	if end < len(data) {
		fo |= 0x2000
	}
	return cat(eth(0x0800), put16(put16(f, 4, id), 6, fo))
}

// frag6 returns an Ethernet frame holding bytes [off, end) of IPv6 fragmentable part data.
func frag6(id uint32, data []byte, off, end int) []byte {
	return cat(eth(0x86dd), ip6(0, cat(ext(44, 1), fragHdr(6, off, end < len(data), id), data[off:end])))
}

// addFrame decodes frame f and adds it to d.
func addFrame(t *testing.T, d *Defragmenter, f []byte, now int64) (*Packet, []byte, bool, error) {
	t.Helper()
	p := new(Packet)
	if err := Decode(LinkEthernet, f, p); err != nil && !errors.Is(err, ErrTruncated) {
		t.Fatalf("Decode: %v", err)
	}
	payload, done, err := d.Add(p, now)
	return p, payload, done, err
}

func TestDefragment(t *testing.T) {
	tests := []struct {
		name   string
		pieces [][2]int // byte ranges of the fragments, in arrival order
		want   DefragStats
	}{
		{"in order", [][2]int{{0, 1480}, {1480, 2960}, {2960, 3000}}, DefragStats{}},
		{"reversed", [][2]int{{2960, 3000}, {1480, 2960}, {0, 1480}}, DefragStats{}},
		{"middle first", [][2]int{{1480, 2960}, {0, 1480}, {2960, 3000}}, DefragStats{}},
		{"duplicate", [][2]int{{0, 1480}, {0, 1480}, {2960, 3000}, {2960, 3000}, {1480, 2960}}, DefragStats{Duplicates: 2}},
		{"overlapping", [][2]int{{0, 1000}, {800, 2000}, {2400, 3000}, {1600, 2600}}, DefragStats{Overlaps: 2}},
		{"overlap covering others", [][2]int{{8, 16}, {1600, 1608}, {0, 2400}, {2400, 3000}}, DefragStats{Overlaps: 1}},
		{"many small", func() (r [][2]int) {
			for off := 2992; off >= 0; off -= 8 {
				r = append(r, [2]int{off, min(off+8, 3000)})
			}
			return r
		}(), DefragStats{}},
	}
	for _, tt := range tests {
		for _, v6 := range []bool{false, true} {
			name := tt.name + " ipv4"
			if v6 {
				name = tt.name + " ipv6"
			}
			t.Run(name, func(t *testing.T) {
				d := NewDefragmenter(DefragConfig{})
				var got []byte
				for i, r := range tt.pieces {
					f := frag4(0x4242, segment, r[0], r[1])
					if v6 {
						f = frag6(0x42424242, segment, r[0], r[1])
					}
					p, payload, done, err := addFrame(t, d, f, int64(i)*1e6)
					if err != nil {
						t.Fatalf("fragment %d: %v", i, err)
					}
					if done != (i == len(tt.pieces)-1) {
						t.Fatalf("fragment %d: done = %v", i, done)
					}
					if done {
						got = payload
						if err := DecodeTransport(p.Protocol, payload, p); err != nil || !p.HasTCP || p.SrcPort != 1883 ||
							p.PayloadLen != 2972 || !bytes.Equal(p.Payload, segment[28:]) {
							t.Errorf("DecodeTransport: %v, %s", err, describe(p))
						}
					}
				}
				if !bytes.Equal(got, segment) {
					t.Errorf("reassembled %d bytes, differing from the %d sent", len(got), len(segment))
				}
				s := d.Stats()
				tt.want.Fragments, tt.want.Reassembled = int64(len(tt.pieces)), 1
				if s != tt.want {
					t.Errorf("Stats = %+v, want %+v", s, tt.want)
				}
			})
		}
	}
}

func TestDefragmentConflict(t *testing.T) {
	d := NewDefragmenter(DefragConfig{})
	other := bytes.Clone(segment)
	other[1500] ^= 0xff
	for i, f := range [][]byte{frag4(1, segment, 0, 1600), frag4(1, other, 1480, 3000)} {
		if _, payload, done, err := addFrame(t, d, f, 0); err != nil || done != (i == 1) || done && !bytes.Equal(payload, segment) {
			t.Fatalf("fragment %d: done %v, %v", i, done, err)
		}
	}
	if s := d.Stats(); s.Overlaps != 1 || s.Conflicts != 1 {
		t.Errorf("Stats = %+v, want one conflicting overlap", s)
	}
}

func TestDefragmentSeparatesDatagrams(t *testing.T) {
	d := NewDefragmenter(DefragConfig{})
	other := bytes.Repeat([]byte{7}, 3000)
	frames := [][]byte{frag4(1, segment, 0, 1480), frag4(2, other, 0, 1480), frag6(1, other, 1480, 3000),
		frag4(2, other, 1480, 3000), frag4(1, segment, 1480, 3000), frag6(1, other, 0, 1480)}
	want := [][]byte{nil, nil, nil, other, segment, other}
	for i, f := range frames {
		_, payload, done, err := addFrame(t, d, f, 0)
		if err != nil || done != (want[i] != nil) || !bytes.Equal(payload, want[i]) {
			t.Errorf("fragment %d: done %v, %v", i, done, err)
		}
	}
}

func TestDefragmentTimeout(t *testing.T) {
	d := NewDefragmenter(DefragConfig{Timeout: 10e9})
	addFrame(t, d, frag4(1, segment, 0, 1480), 0)
	addFrame(t, d, frag4(2, segment, 0, 1480), 5e9)
	if _, _, done, err := addFrame(t, d, frag4(1, segment, 1480, 3000), 10e9); done || err != nil {
		t.Errorf("datagram completed after its timeout: %v", err)
	}
	if _, _, done, err := addFrame(t, d, frag4(2, segment, 1480, 3000), 14e9); !done || err != nil {
		t.Errorf("datagram not completed before its timeout: %v", err)
	}
	if s := d.Stats(); s.TimedOut != 1 || s.Reassembled != 1 || s.Pending != 1 {
		t.Errorf("Stats = %+v", s)
	}
	if _, _, _, err := addFrame(t, d, frag4(3, segment, 0, 1480), 40e9); err != nil {
		t.Fatal(err)
	}
	if s := d.Stats(); s.TimedOut != 2 || s.Pending != 1 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestDefragmentMemoryCap(t *testing.T) {
	d := NewDefragmenter(DefragConfig{MaxBytes: 1}) // raised to room for one largest datagram
	const n = 100
	for id := range n {
		if _, _, done, err := addFrame(t, d, frag4(uint16(id), segment, 0, 1480), int64(id)); done || err != nil {
			t.Fatalf("datagram %d: done %v, %v", id, done, err)
		}
		if s := d.Stats(); s.Bytes > minDefragBytes {
			t.Fatalf("datagram %d: %d bytes held, over %d", id, s.Bytes, minDefragBytes)
		}
	}
	s := d.Stats()
	if s.Evicted == 0 || s.Evicted+int64(s.Pending) != n {
		t.Fatalf("Stats = %+v, want evictions", s)
	}
	// The oldest datagram was evicted, the newest was kept.
	if _, _, done, _ := addFrame(t, d, frag4(0, segment, 1480, 3000), n); done {
		t.Error("evicted datagram completed")
	}
	if _, _, done, _ := addFrame(t, d, frag4(n-1, segment, 1480, 3000), n); !done {
		t.Error("newest datagram did not complete")
	}
	// A largest datagram fits.
	big := bytes.Repeat([]byte{1}, 65535-20)
	for off := 0; off < len(big); off += 8192 {
		_, payload, done, err := addFrame(t, d, frag4(9999, big, off, min(off+8192, len(big))), n+1)
		if err != nil || done != (off+8192 >= len(big)) || done && !bytes.Equal(payload, big) {
			t.Fatalf("offset %d: done %v, %v", off, done, err)
		}
	}
}

func TestDefragmentMaxDatagrams(t *testing.T) {
	d := NewDefragmenter(DefragConfig{MaxDatagrams: 2})
	for id := range 3 {
		addFrame(t, d, frag6(uint32(id), segment, 0, 1480), 0)
	}
	if s := d.Stats(); s.Pending != 2 || s.Evicted != 1 {
		t.Errorf("Stats = %+v", s)
	}
	if _, _, done, _ := addFrame(t, d, frag6(0, segment, 1480, 3000), 0); done {
		t.Error("evicted datagram completed")
	}
}

func TestDefragmentErrors(t *testing.T) {
	big := make([]byte, 65600)
	tests := []struct {
		name   string
		frames [][]byte // the last one is rejected
		want   error
	}{
		{"odd middle fragment", [][]byte{frag4(1, segment, 0, 1001)}, ErrMalformed},
		{"empty middle fragment", [][]byte{frag4(1, segment, 8, 8)}, ErrMalformed},
		{"two different ends", [][]byte{frag4(1, segment, 2000, 3000), frag4(1, segment[:2500], 2000, 2500)}, ErrMalformed},
		{"end before data", [][]byte{frag6(1, segment, 0, 2400), frag6(1, segment[:2000], 1000, 2000)}, ErrMalformed},
		{"fragment past the end", [][]byte{frag6(1, segment[:2000], 1000, 2000), frag6(1, segment, 0, 2400)}, ErrMalformed},
		{"beyond 65535 bytes", [][]byte{frag4(1, big, 65512, 65600)}, ErrMalformed},
		{"ipv6 beyond 65535 bytes", [][]byte{frag6(1, big, 65520, 65600)}, ErrMalformed},
		{"cut by the capture", [][]byte{frag4(1, segment, 0, 1480)[:100]}, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDefragmenter(DefragConfig{})
			var err error
			for _, f := range tt.frames {
				_, _, _, err = addFrame(t, d, f, 0)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Add = %v, want %v", err, tt.want)
			}
			if s := d.Stats(); s.Pending != 0 || s.Bytes != 0 {
				t.Errorf("datagram kept after error: %+v", s)
			}
		})
	}
}

func TestDefragmentNotFragment(t *testing.T) {
	d := NewDefragmenter(DefragConfig{})
	_, payload, done, err := addFrame(t, d, cat(eth(0x0800), ip4(6, nil, segment)), 0)
	if err != nil || !done || !bytes.Equal(payload, segment) {
		t.Errorf("Add of a whole datagram: %v, %v", done, err)
	}
	if s := d.Stats(); s.Fragments != 0 {
		t.Errorf("Stats = %+v", s)
	}
}
