package capture

import (
	"encoding/binary"
	"io"
	"math/bits"
)

// pcapng block types.
const (
	ngSHB    = 0x0a0d0d0a
	ngIDB    = 0x00000001
	ngPB     = 0x00000002
	ngSPB    = 0x00000003
	ngNRB    = 0x00000004
	ngISB    = 0x00000005
	ngEPB    = 0x00000006
	ngDSB    = 0x0000000a
	ngCB     = 0x00000bad
	ngCBCopy = 0x40000bad

	ngByteOrder = 0x1a2b3c4d

	// maxInterfaces bounds the interface description blocks kept per section.
	maxInterfaces = 1 << 16
	// maxNameLen bounds the bytes of an if_name option that are kept.
	maxNameLen = 256
)

// pcapng interface description block options.
const (
	optEnd      = 0
	optIfName   = 2
	optTSResol  = 9
	optFCSLen   = 13
	optTSOffset = 14
)

// kindOf returns the kind of a pcapng block type and the smallest valid length of such a block.
func kindOf(typ uint32) (BlockKind, int) {
	switch typ {
	case ngSHB:
		return BlockSectionHeader, 28
	case ngIDB:
		return BlockInterface, 20
	case ngEPB:
		return BlockEnhancedPacket, 32
	case ngSPB:
		return BlockSimplePacket, 16
	case ngPB:
		return BlockPacket, 32
	case ngNRB:
		return BlockNameResolution, 12
	case ngISB:
		return BlockInterfaceStats, 12
	case ngDSB:
		return BlockDecryptionSecrets, 12
	case ngCB, ngCBCopy:
		return BlockCustom, 12
	}
	return BlockUnknown, 12
}

func isPacket(k BlockKind) bool {
	return k == BlockEnhancedPacket || k == BlockSimplePacket || k == BlockPacket
}

// nextBlock reads the next pcapng block into r.block.
func (r *Reader) nextBlock() error {
	start := r.off
	h, err := r.peek(8)
	if err != nil {
		if len(h) == 0 && err == io.EOF {
			return io.EOF
		}
		num := 0
		if len(h) >= 4 {
			if k, _ := kindOf(r.u32(h)); isPacket(k) {
				num = r.frames + 1
			}
		}
		return r.readErr(start, num, err, "truncated block header (%d of 8 bytes)", len(h))
	}
	typ := r.u32(h)
	kind, minLen := kindOf(typ)
	num := 0
	if isPacket(kind) {
		num = r.frames + 1
	}
	if kind == BlockSectionHeader {
		// The byte order of a section is known only from its header's byte-order magic.
		if h, err = r.peek(12); err != nil {
			return r.readErr(start, 0, err, "truncated section header block (%d of 12 bytes)", len(h))
		}
		switch bom := binary.LittleEndian.Uint32(h[8:]); bom {
		case ngByteOrder:
			r.be = false
		case bits.ReverseBytes32(ngByteOrder):
			r.be = true
		default:
			return formatErr(start, 0, ErrFormat, "section header block: unknown byte-order magic %08x", bits.ReverseBytes32(bom))
		}
	}
	length := r.u32(h[4:])
	switch {
	case length < uint32(minLen):
		return formatErr(start, num, ErrFormat, "%v: block length %d shorter than %d", kind, length, minLen)
	case length%4 != 0:
		return formatErr(start, num, ErrFormat, "%v: block length %d not a multiple of 4", kind, length)
	case int64(length) > int64(r.max):
		return formatErr(start, num, ErrTooLarge, "%v: block length %d exceeds limit %d", kind, length, r.max)
	}
	raw, err := r.peek(int(length))
	if err != nil {
		return r.readErr(start, num, err, "truncated %v (%d of %d bytes)", kind, len(raw), length)
	}
	if trail := r.u32(raw[length-4:]); trail != length {
		return formatErr(start, num, ErrFormat, "%v: trailing block length %d differs from leading %d", kind, trail, length)
	}
	r.setBlock(start, kind, typ, raw, nil)
	body := raw[8 : length-4]
	switch kind {
	case BlockSectionHeader:
		return r.sectionHeader(body)
	case BlockInterface:
		return r.interfaceDescription(body)
	case BlockEnhancedPacket, BlockPacket:
		return r.packet(body, kind, num)
	case BlockSimplePacket:
		return r.simplePacket(body, num)
	}
	return nil
}

// sectionHeader checks a section header block and starts a new section.
func (r *Reader) sectionHeader(body []byte) error {
	if major, minor := r.u16(body[4:]), r.u16(body[6:]); major != 1 {
		return formatErr(r.block.Offset, 0, ErrUnsupported, "section header block: pcapng version %d.%d", major, minor)
	}
	r.ifaces = r.ifaces[:0]
	return nil
}

// interfaceDescription reads an interface description block.
func (r *Reader) interfaceDescription(body []byte) error {
	off := r.block.Offset
	if len(r.ifaces) >= maxInterfaces {
		return formatErr(off, 0, ErrTooLarge, "more than %d interfaces in a section", maxInterfaces)
	}
	ifc := iface{Interface: Interface{
		LinkType: LinkType(r.u16(body)),
		SnapLen:  int(r.u32(body[4:])),
		TSResol:  6,
		FCSBits:  -1,
	}}
	opts := body[8:]
	for len(opts) >= 4 {
		code, n := r.u16(opts), int(r.u16(opts[2:]))
		if code == optEnd {
			break
		}
		if 4+n > len(opts) {
			return formatErr(off, 0, ErrFormat, "interface description block: option %d of %d bytes overruns the block", code, n)
		}
		v := opts[4 : 4+n]
		opts = opts[min(4+(n+3)&^3, len(opts)):]
		switch {
		case code == optIfName:
			ifc.Name = string(v[:min(n, maxNameLen)])
		case (code == optTSResol || code == optFCSLen) && n < 1, code == optTSOffset && n < 8:
			return formatErr(off, 0, ErrFormat, "interface description block: option %d too short (%d bytes)", code, n)
		case code == optTSResol:
			ifc.TSResol = v[0]
		case code == optFCSLen:
			ifc.FCSBits = int(v[0])
		case code == optTSOffset:
			ifc.TSOffset = int64(r.u64(v))
		}
	}
	var ok bool
	if ifc.units, ok = tsUnits(ifc.TSResol); !ok {
		return formatErr(off, 0, ErrUnsupported, "interface description block: timestamp resolution %#02x", ifc.TSResol)
	}
	r.ifaces = append(r.ifaces, ifc)
	return nil
}

// tsUnits returns the timestamp units per second of an if_tsresol value.
func tsUnits(res uint8) (uint64, bool) {
	if res&0x80 != 0 {
		e := res & 0x7f
		return 1 << e, e < 64
	}
	if res > 19 {
		return 0, false
	}
	u := uint64(1)
	for range res {
		u *= 10
	}
	return u, true
}

// time converts a pcapng timestamp of interface ifc to nanoseconds since the epoch. Timestamps
// beyond the year 2262 wrap around.
func (ifc *iface) time(ts uint64) int64 {
	sec, frac := ts/ifc.units, ts%ifc.units
	var ns uint64
	switch ifc.units {
	case 1e9:
		ns = frac
	case 1e6:
		ns = frac * 1e3
	default:
		hi, lo := bits.Mul64(frac, 1e9)
		ns, _ = bits.Div64(hi, lo, ifc.units) // hi < units since frac < units
	}
	return (int64(sec)+ifc.TSOffset)*1e9 + int64(ns)
}

// packet reads an enhanced packet block or an obsolete packet block.
func (r *Reader) packet(body []byte, kind BlockKind, num int) error {
	off := r.block.Offset
	id := r.u32(body)
	if kind == BlockPacket {
		id = uint32(r.u16(body))
	}
	if id >= uint32(len(r.ifaces)) {
		return formatErr(off, num, ErrFormat, "%v: interface id %d out of range (%d interfaces in section)", kind, id, len(r.ifaces))
	}
	capLen := r.u32(body[12:])
	if capLen > uint32(len(body)-20) {
		return formatErr(off, num, ErrFormat, "%v: captured length %d exceeds block length %d", kind, capLen, len(body)+12)
	}
	ifc := &r.ifaces[id]
	r.setFrame(num, ifc.time(uint64(r.u32(body[4:]))<<32|uint64(r.u32(body[8:]))),
		int(r.u32(body[16:])), int(id), body[20:20+capLen])
	return nil
}

// simplePacket reads a simple packet block: interface 0, no timestamp, and a captured length of
// the original length cut to the interface's snapshot length.
func (r *Reader) simplePacket(body []byte, num int) error {
	off := r.block.Offset
	if len(r.ifaces) == 0 {
		return formatErr(off, num, ErrFormat, "simple packet block before any interface description block")
	}
	origLen := r.u32(body)
	capLen := origLen
	if snap := uint32(r.ifaces[0].SnapLen); snap != 0 && capLen > snap {
		capLen = snap
	}
	if capLen > uint32(len(body)-4) {
		return formatErr(off, num, ErrFormat, "simple packet block: captured length %d exceeds block length %d", capLen, len(body)+12)
	}
	r.setFrame(num, 0, int(origLen), 0, body[4:4+capLen])
	return nil
}

func (r *Reader) setFrame(num int, t int64, origLen, id int, data []byte) {
	r.frames = num
	f := &r.frame
	f.Number, f.Offset, f.Time = num, r.block.Offset, t
	f.CapLen, f.OrigLen = len(data), origLen
	f.LinkType, f.Interface = r.ifaces[id].LinkType, id
	f.Data = data
	r.block.Frame = f
}
