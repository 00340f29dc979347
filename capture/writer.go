package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// PcapWriter writes a little-endian pcap file. It does not buffer: give it a bufio.Writer for
// speed. Once a write has failed, every later call returns the same error.
type PcapWriter struct {
	w    io.Writer
	snap int
	nano bool
	hdr  [16]byte
	err  error
}

// NewPcapWriter writes a pcap file header to w and returns a PcapWriter of frames of link type
// link (at most 0xffff) and snapshot length snaplen (0 means 262144). With nano the timestamps
// have nanosecond resolution (magic a1b23c4d), else microsecond (magic a1b2c3d4).
func NewPcapWriter(w io.Writer, link LinkType, snaplen int, nano bool) (*PcapWriter, error) {
	if link > 0xffff {
		return nil, fmt.Errorf("capture: link type %d out of range", link)
	}
	if snaplen == 0 {
		snaplen = maxSnapLen
	}
	if snaplen < 0 || int64(snaplen) > math.MaxUint32 {
		return nil, fmt.Errorf("capture: snapshot length %d out of range", snaplen)
	}
	var h [pcapHeaderLen]byte
	le := binary.LittleEndian
	magic := uint32(pcapMicro)
	if nano {
		magic = pcapNano
	}
	le.PutUint32(h[0:], magic)
	le.PutUint16(h[4:], 2)
	le.PutUint16(h[6:], 4)
	le.PutUint32(h[16:], uint32(snaplen))
	le.PutUint32(h[20:], uint32(link))
	if _, err := w.Write(h[:]); err != nil {
		return nil, err
	}
	return &PcapWriter{w: w, snap: snaplen, nano: nano}, nil
}

// WriteFrame writes a record of the packet data captured at time t (nanoseconds since the Unix
// epoch, from 1970 to 2106), whose length on the wire was origLen (at least len(data)).
func (pw *PcapWriter) WriteFrame(t int64, data []byte, origLen int) error {
	if pw.err != nil {
		return pw.err
	}
	if err := checkFrame(data, origLen, pw.snap); err != nil {
		return err
	}
	sec, frac := t/1e9, t%1e9
	if t < 0 || sec > math.MaxUint32 {
		return fmt.Errorf("capture: time %d out of the range of pcap", t)
	}
	if !pw.nano {
		frac /= 1e3
	}
	le := binary.LittleEndian
	le.PutUint32(pw.hdr[0:], uint32(sec))
	le.PutUint32(pw.hdr[4:], uint32(frac))
	le.PutUint32(pw.hdr[8:], uint32(len(data)))
	le.PutUint32(pw.hdr[12:], uint32(origLen))
	if _, pw.err = pw.w.Write(pw.hdr[:]); pw.err == nil {
		_, pw.err = pw.w.Write(data)
	}
	return pw.err
}

func checkFrame(data []byte, origLen, snap int) error {
	if origLen < len(data) || int64(origLen) > math.MaxUint32 {
		return fmt.Errorf("capture: original length %d invalid for %d captured bytes", origLen, len(data))
	}
	if snap > 0 && len(data) > snap {
		return fmt.Errorf("capture: %d captured bytes exceed snapshot length %d", len(data), snap)
	}
	return nil
}

// NgWriter writes a little-endian pcapng file of one section. It does not buffer: give it a
// bufio.Writer for speed. Once a write has failed, every later call returns the same error.
type NgWriter struct {
	w     io.Writer
	links int
	hdr   [28]byte
	tail  [8]byte
	err   error
}

// NewNgWriter writes a section header block and one interface description block per link type
// (no snapshot length, nanosecond timestamps) to w, and returns an NgWriter whose interface i
// has link type links[i].
func NewNgWriter(w io.Writer, links ...LinkType) (*NgWriter, error) {
	if len(links) == 0 {
		return nil, errors.New("capture: pcapng writer without interfaces")
	}
	le := binary.LittleEndian
	b := make([]byte, 28, 28+32*len(links))
	le.PutUint32(b[0:], ngSHB)
	le.PutUint32(b[4:], 28)
	le.PutUint32(b[8:], ngByteOrder)
	le.PutUint16(b[12:], 1)
	le.PutUint64(b[16:], math.MaxUint64) // section length not given
	le.PutUint32(b[24:], 28)
	for _, l := range links {
		if l > 0xffff {
			return nil, fmt.Errorf("capture: link type %d out of range", l)
		}
		var idb [32]byte
		le.PutUint32(idb[0:], ngIDB)
		le.PutUint32(idb[4:], 32)
		le.PutUint16(idb[8:], uint16(l))
		le.PutUint16(idb[16:], optTSResol)
		le.PutUint16(idb[18:], 1)
		idb[20] = 9 // if_tsresol: nanoseconds; then 3 bytes of padding and opt_endofopt
		le.PutUint32(idb[28:], 32)
		b = append(b, idb[:]...)
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	return &NgWriter{w: w, links: len(links)}, nil
}

// WriteFrame writes an enhanced packet block of the packet data captured on interface iface at
// time t (nanoseconds since the Unix epoch, not negative), whose length on the wire was origLen
// (at least len(data)).
func (nw *NgWriter) WriteFrame(iface int, t int64, data []byte, origLen int) error {
	if nw.err != nil {
		return nw.err
	}
	if iface < 0 || iface >= nw.links {
		return fmt.Errorf("capture: interface %d out of range (%d interfaces)", iface, nw.links)
	}
	if err := checkFrame(data, origLen, 0); err != nil {
		return err
	}
	if t < 0 {
		return fmt.Errorf("capture: negative time %d", t)
	}
	pad := -len(data) & 3
	n := 32 + len(data) + pad
	if int64(n) > math.MaxUint32 {
		return fmt.Errorf("capture: frame of %d bytes too large for pcapng", len(data))
	}
	le := binary.LittleEndian
	le.PutUint32(nw.hdr[0:], ngEPB)
	le.PutUint32(nw.hdr[4:], uint32(n))
	le.PutUint32(nw.hdr[8:], uint32(iface))
	le.PutUint32(nw.hdr[12:], uint32(uint64(t)>>32))
	le.PutUint32(nw.hdr[16:], uint32(t))
	le.PutUint32(nw.hdr[20:], uint32(len(data)))
	le.PutUint32(nw.hdr[24:], uint32(origLen))
	nw.tail = [8]byte{}
	le.PutUint32(nw.tail[pad:], uint32(n))
	if _, nw.err = nw.w.Write(nw.hdr[:]); nw.err == nil {
		if _, nw.err = nw.w.Write(data); nw.err == nil {
			_, nw.err = nw.w.Write(nw.tail[:pad+4])
		}
	}
	return nw.err
}
