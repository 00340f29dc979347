package capture

import "io"

// pcap magic numbers, as read big-endian from the first 4 bytes of the file.
const (
	pcapMicro       = 0xa1b2c3d4
	pcapNano        = 0xa1b23c4d
	pcapModified    = 0xa1b2cd34 // Alexey Kuznetzov's patched libpcap: 8 more bytes per record
	pcapMicroSwap   = 0xd4c3b2a1
	pcapNanoSwap    = 0x4d3cb2a1
	pcapModifiedSwp = 0x34cdb2a1

	pcapHeaderLen = 24
	// maxSnapLen is the captured length that a pcap record may have regardless of the snapshot
	// length of its file header (Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD); beyond both, the
	// record length is taken for garbage.
	maxSnapLen = 262144
)

// pcapMagic returns the normalised magic (pcapMicro, pcapNano or pcapModified) of a pcap file
// whose first 4 bytes, read big-endian, are m, or 0.
func pcapMagic(m uint32) uint32 {
	switch m {
	case pcapMicro, pcapMicroSwap:
		return pcapMicro
	case pcapNano, pcapNanoSwap:
		return pcapNano
	case pcapModified, pcapModifiedSwp:
		return pcapModified
	}
	return 0
}

// readPcapHeader reads the 24-byte pcap file header.
func (r *Reader) readPcapHeader() error {
	h, err := r.peek(pcapHeaderLen)
	if err != nil {
		return r.readErr(0, 0, err, "truncated pcap file header (%d of %d bytes)", len(h), pcapHeaderLen)
	}
	m := uint32(h[0])<<24 | uint32(h[1])<<16 | uint32(h[2])<<8 | uint32(h[3])
	r.be = m == pcapMicro || m == pcapNano || m == pcapModified
	r.recHdr, r.tsMul = 16, 1000
	switch pcapMagic(m) {
	case pcapNano:
		r.tsMul = 1
	case pcapModified:
		r.recHdr = 24
	}
	if major, minor := r.u16(h[4:]), r.u16(h[6:]); major != 2 || minor < 3 {
		return formatErr(0, 0, ErrUnsupported, "pcap version %d.%d", major, minor)
	}
	snap := r.u32(h[16:])
	link := r.u32(h[20:])
	ifc := iface{Interface: Interface{
		LinkType: LinkType(link & 0xffff),
		SnapLen:  int(snap),
		TSResol:  6,
		FCSBits:  -1,
	}}
	if r.tsMul == 1 {
		ifc.TSResol = 9
	}
	if link&0x04000000 != 0 {
		ifc.FCSBits = int(link>>28) * 16
	}
	r.ifaces = append(r.ifaces[:0], ifc)
	r.maxCap = max(snap, maxSnapLen)
	r.setBlock(0, BlockPcapHeader, 0, h, nil)
	return nil
}

// nextRecord reads the next pcap record into r.block.
func (r *Reader) nextRecord() error {
	start, num, hl := r.off, r.frames+1, r.recHdr
	h, err := r.peek(hl)
	if err != nil {
		if len(h) == 0 && err == io.EOF {
			return io.EOF
		}
		return r.readErr(start, num, err, "truncated record header (%d of %d bytes)", len(h), hl)
	}
	capLen := r.u32(h[8:])
	if int64(capLen) > int64(r.max)-int64(hl) {
		return formatErr(start, num, ErrTooLarge, "record length %d exceeds limit %d", capLen, r.max-hl)
	}
	if capLen > r.maxCap {
		return formatErr(start, num, ErrFormat, "record length %d exceeds snapshot length %d", capLen, r.ifaces[0].SnapLen)
	}
	end := hl + int(capLen)
	raw, err := r.peek(end)
	if err != nil {
		return r.readErr(start, num, err, "truncated record (%d of %d bytes)", len(raw), end)
	}
	r.frames = num
	// Field by field: assigning whole structs with pointers costs a copy through the GC write
	// barrier in this hot loop.
	f := &r.frame
	f.Number, f.Offset, f.Interface = num, start, 0
	f.Time = int64(r.u32(raw[0:]))*1e9 + int64(r.u32(raw[4:]))*r.tsMul
	f.CapLen, f.OrigLen = int(capLen), int(r.u32(raw[12:]))
	f.LinkType = r.ifaces[0].LinkType
	f.Data = raw[hl:]
	r.setBlock(start, BlockPcapRecord, 0, raw, f)
	return nil
}
