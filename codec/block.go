package codec

import (
	"encoding/binary"
)

// Kind is the kind of a block of a capture file.
type Kind uint32

// The kinds of block.
const (
	KindEnd        Kind = iota // end of the stream
	KindPcapHeader             // the 24-byte pcap file header
	KindPcapRecord             // a pcap record: 16-byte header and the captured bytes
	KindNgBlock                // a pcapng block of any type
	KindOpaque                 // bytes that could not be parsed as a capture, coded as they are
)

// MaxBlock is the largest block the decoder accepts: larger claims are corruption.
const MaxBlock = 64 << 20

// MaxOpaque is the largest run of opaque bytes one block carries.
const MaxOpaque = 64 << 10

var pcapTemplate = []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0}

// need makes b at least n bytes long: on the decoder it appends zeros to be decoded into; on
// the encoder the block must already hold them.
func (s *state) need(b []byte, n int) ([]byte, bool) {
	if n < 0 || n > MaxBlock || !s.enc && n > s.maxBlock {
		s.k.fail(errCorrupt("block length %d out of range", n))
		return b, false
	}
	if len(b) >= n {
		return b, true
	}
	if s.enc {
		s.k.fail(errCorrupt("block shorter than it says (%d < %d)", len(b), n))
		return b, false
	}
	return append(b, make([]byte, n-len(b))...), true
}

// ord codes the width-byte integer at b[off:] in the section's byte order against pred.
func (s *state) ord(field uint32, b []byte, off, width int, pred uint64) uint64 {
	var v uint64
	switch width {
	case 2:
		v = uint64(s.order.Uint16(b[off:]))
	case 4:
		v = uint64(s.order.Uint32(b[off:]))
	}
	v = s.num(field, width, pred, v)
	switch width {
	case 2:
		s.order.PutUint16(b[off:], uint16(v))
	case 4:
		s.order.PutUint32(b[off:], uint32(v))
	}
	return v
}

// block codes one block of the given kind (the encoder's kind and bytes; the decoder passes
// zero and nil and gets them back).
func (s *state) block(kind Kind, raw []byte) (Kind, []byte) {
	s.account(CatCapture, 0)
	kind = Kind(s.kinds.code(&s.k, s.prevKind, uint32(kind)))
	s.prevKind = uint32(kind)
	if s.k.err != nil {
		return kind, nil
	}
	b := raw
	if !s.enc {
		b = nil
	}
	switch kind {
	case KindEnd:
		return kind, nil
	case KindPcapHeader:
		b = s.pcapHeader(b)
	case KindPcapRecord:
		b = s.pcapRecord(b)
	case KindNgBlock:
		b = s.ngBlock(b)
	case KindOpaque:
		b = s.opaque(b)
	default:
		s.k.fail(errCorrupt("block kind %d", kind))
	}
	return kind, b
}

func (s *state) pcapHeader(b []byte) []byte {
	b, ok := s.need(b, 24)
	if !ok {
		return b
	}
	s.cov = append(s.cov[:0], make([]bool, 24)...)
	s.tbytes(fFileHeader, b, 0, 24, pcapTemplate)
	s.ctx.pcapHeader(b)
	s.setContext(s.ctx)
	return b
}

func (s *state) pcapRecord(b []byte) []byte {
	hl := 16
	if s.ctx.Modified {
		hl = 24
	}
	b, ok := s.need(b, hl)
	if !ok {
		return b
	}
	var data []byte
	if s.enc && len(b) >= hl {
		data = b[hl:]
	}
	sym := s.flowSymbol(data, uint32(s.ctx.Link))
	s.pcapTime(b, sym)
	capLen := s.ord(fCapLen, b, 8, 4, uint64(s.predCap(sym)))
	if capLen > MaxBlock {
		s.k.fail(errCorrupt("pcap record of %d captured bytes", capLen))
		return b
	}
	s.prevCap = uint32(capLen)
	s.ord(fOrigLen, b, 12, 4, capLen)
	if hl == 24 {
		s.cov = append(s.cov[:0], make([]bool, 24)...)
		s.tbytes(fBlockBody, b, 16, 8, nil)
	}
	if b, ok = s.need(b, hl+int(capLen)); !ok {
		return b
	}
	s.frame(b[hl:hl+int(capLen)], uint32(s.ctx.Link), sym)
	return b
}

func (s *state) ngBlock(b []byte) []byte {
	b, ok := s.need(b, 12)
	if !ok {
		return b
	}
	typ := uint32(s.ord(fNgType, b, 0, 4, 6))
	if typ == ngSHB {
		// A section header: its byte-order magic decides how to read its length.
		s.cov = append(s.cov[:0], make([]bool, 12)...)
		s.tbytes(fNgLen, b, 4, 8, []byte{0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a})
		s.ctx.section(b)
		s.setContext(s.ctx)
		return s.ngBody(b, int(s.order.Uint32(b[4:])), 12)
	}
	if typ != 6 {
		total := int(s.ord(fNgLen, b, 4, 4, 0))
		if b, ok = s.need(b, max(total, 12)); !ok {
			return b
		}
		b = s.ngBody(b, total, 8)
		if typ == 1 && total >= minIDB {
			s.ctx.iface(b)
		}
		return b
	}
	// Enhanced packet block: interface, timestamp, lengths, then the packet.
	if b, ok = s.need(b, 28); !ok {
		return b
	}
	iface := s.ord(fNgIface, b, 8, 4, uint64(s.prevIface))
	s.prevIface = uint32(iface)
	link := uint32(0xffffffff)
	if iface < uint64(len(s.ctx.Interfaces)) {
		link = uint32(s.ctx.Interfaces[iface])
	}
	var data []byte
	if s.enc && len(b) >= 28 {
		data = b[28:min(len(b), 28+int(s.order.Uint32(b[20:])))]
	}
	sym := s.flowSymbol(data, link)
	s.account(CatTime, 8)
	ts := uint64(s.order.Uint32(b[12:]))<<32 | uint64(s.order.Uint32(b[16:]))
	ts = uint64(s.timeDelta(sym, int64(ts-s.prevTS))) + s.prevTS
	s.order.PutUint32(b[12:], uint32(ts>>32))
	s.order.PutUint32(b[16:], uint32(ts))
	s.prevTS = ts
	s.now = int64(ts) * 1000 // pcapng's default resolution is microseconds
	capLen64 := s.ord(fCapLen, b, 20, 4, uint64(s.predCap(sym)))
	if capLen64 > MaxBlock {
		s.k.fail(errCorrupt("pcapng packet of %d captured bytes", capLen64))
		return b
	}
	capLen := int(capLen64)
	s.prevCap = uint32(capLen)
	s.ord(fOrigLen, b, 24, 4, uint64(capLen))
	padded := (capLen + 3) &^ 3
	total := int(s.ord(fNgLen, b, 4, 4, uint64(32+padded)))
	if total < 32+padded || total%4 != 0 {
		s.k.fail(errCorrupt("pcapng packet block length %d for %d captured bytes", total, capLen))
		return b
	}
	if b, ok = s.need(b, total); !ok {
		return b
	}
	s.frame(b[28:28+capLen], link, sym)
	s.cov = append(s.cov[:0], make([]bool, total)...)
	s.tbytes(fNgPad, b, 28+capLen, padded-capLen, nil)
	s.gbytes(fBlockBody, b[28+padded:total-4])
	s.ord(fNgTrail, b, total-4, 4, uint64(total))
	return b
}

// ngBody codes the body of a block from byte from up to the trailing length, then the
// trailing length (predicted to repeat the leading one).
func (s *state) ngBody(b []byte, total, from int) []byte {
	if total < 12 || total%4 != 0 {
		s.k.fail(errCorrupt("pcapng block length %d", total))
		return b
	}
	b, ok := s.need(b, total)
	if !ok {
		return b
	}
	s.gbytes(fBlockBody, b[from:total-4])
	s.ord(fNgTrail, b, total-4, 4, uint64(total))
	return b
}

func (s *state) opaque(b []byte) []byte {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	l := int(s.numAt(fTail, n[:], 0, 4, MaxOpaque))
	if l > MaxOpaque {
		s.k.fail(errCorrupt("opaque block of %d bytes", l))
		return b
	}
	b, ok := s.need(b, l)
	if !ok {
		return b
	}
	s.gbytes(fTail, b[:l])
	return b[:l]
}

// predCap predicts a frame's captured length: that of its flow's last frame.
func (s *state) predCap(sym uint32) uint32 {
	if f := s.symFlow(sym); f != nil && f.capLen != 0 {
		return f.capLen
	}
	return s.prevCap
}

// pcapTime codes the timestamp of a pcap record: as the difference from the previous record's
// when its fraction is in range (the usual case), else as its two raw fields.
func (s *state) pcapTime(b []byte, sym uint32) {
	unit := uint64(1e6)
	if s.ctx.Nano {
		unit = 1e9
	}
	sec, frac := uint64(s.order.Uint32(b[0:])), uint64(s.order.Uint32(b[4:]))
	ok := 0
	if frac < unit {
		ok = 1
	}
	s.account(CatTime, 8)
	if s.k.bit(&s.tsOK, ok, 255) == 0 {
		s.prevSec = uint32(s.ord(fTSSec, b, 0, 4, uint64(s.prevSec)))
		s.prevFrac = uint32(s.ord(fTSFrac, b, 4, 4, uint64(s.prevFrac)))
		return
	}
	t := sec*unit + frac
	t = uint64(s.timeDelta(sym, int64(t-s.prevT))) + s.prevT
	s.prevT = t
	s.now = int64(t)
	if !s.ctx.Nano {
		s.now *= 1000
	}
	s.order.PutUint32(b[0:], uint32(t/unit))
	s.order.PutUint32(b[4:], uint32(t%unit))
}

// timeDelta codes the time from the previous frame, in the capture's units: its bit length
// in the context of the frame's flow (replies follow requests closely, periodic publishes
// repeat their gaps), its sign, its top bits modelled and the rest raw.
func (s *state) timeDelta(sym uint32, d int64) int64 {
	f := s.symFlow(sym)
	var prevNb uint32
	if f != nil {
		prevNb = uint32(f.gapBits)
	}
	mag := uint64(d)
	if d < 0 {
		mag = uint64(-d)
	}
	nb := uint32(bitsLen64(mag))
	ctx := (min(s.prevSym, 10)*66+prevNb)*2 + uint32(s.lastNb&1)
	nb = s.tsBits.code(&s.k, ctx, nb)
	if nb > 64 {
		s.k.fail(errCorrupt("time difference of %d bits", nb))
		return 0
	}
	s.lastNb = uint8(nb)
	if f != nil {
		f.gapBits = uint8(nb)
	}
	if nb == 0 {
		return 0
	}
	neg := 0
	if d < 0 {
		neg = 1
	}
	neg = s.k.bit(&s.tsSign[nb], neg, 60)
	// The bits below the leading one: the top 4 modelled, the rest raw.
	rest := uint(nb - 1)
	top := min(rest, 4)
	v := uint64(1)
	hi := uint32(mag>>(rest-top)) & (1<<top - 1)
	hi = s.k.tree(s.tsTop[nb][:], top, hi, 60)
	v = v<<top | uint64(hi)
	low := rest - top
	for low > 0 {
		n := min(low, 16)
		low -= n
		v = v<<n | uint64(s.k.raw(uint32(mag>>low)&(1<<n-1), int(n)))
	}
	if neg == 1 {
		return -int64(v)
	}
	return int64(v)
}

func bitsLen64(v uint64) int {
	n := 0
	for ; v != 0; v >>= 1 {
		n++
	}
	return n
}
