package proxy

import (
	"encoding/binary"
	"fmt"
)

// A link connection carries frames, each starting with a uvarint h whose low three bits are
// the frame's kind and whose other bits are the stream identifier:
//
//	kind 0      open: the edge opens the stream (the core connects to the broker for it)
//	kind 1 to 5 data: that many bytes of the stream's coded messages follow
//	kind 6      data: a uvarint length n (6 to maxData) follows, then n bytes
//	kind 7      control: a byte follows, with
//	            0 fin:    the sender's direction of the stream has ended, at a packet boundary
//	            1 close:  a reason byte follows; the sender is done with the stream
//	            2 window: a uvarint n (1 to 2^31) follows: the sender may take n more bytes
//
// A stream identifier below 16 makes h one byte, so that a data frame of a message or two (a
// coded message is about 1.4 bytes) costs one byte of framing.
const (
	kindOpen  = 0
	kindShort = 5 // data frames of 1 to kindShort bytes carry their length in the kind
	kindData  = 6
	kindCtl   = 7

	ctlFin    = 0
	ctlClose  = 1
	ctlWindow = 2
)

// maxData is the longest data frame; a sender splits longer data.
const maxData = 64 << 10

// maxStreamID bounds stream identifiers (the edge takes the lowest one free).
const maxStreamID = 1<<24 - 1

// maxStreams bounds the streams of a link connection: an edge refuses more clients on it, a
// core takes an edge that opens more for broken.
const maxStreams = 1 << 16

// maxWindow bounds one window frame's credit.
const maxWindow = 1 << 31

// Reasons carried by close frames.
const (
	reasonDone     byte = iota // the stream ended cleanly (both directions sent fin)
	reasonError                // an I/O error or a timeout
	reasonRejected             // the client or broker sent a packet refused
	reasonDesync               // the stream's coded messages desynchronised
	reasonBroker               // the core could not reach the broker
	reasonShutdown             // the side is shutting down
)

var reasonText = [...]string{"done", "I/O error", "packet rejected", "desynchronised", "broker unreachable", "shutting down"}

func reasonString(r byte) string {
	if int(r) < len(reasonText) {
		return reasonText[r]
	}
	return fmt.Sprintf("reason %d", r)
}

// Frame types as parsed.
const (
	frameOpen = iota
	frameData
	frameFin
	frameClose
	frameWindow
)

// frame is a parsed frame header. For a data frame, n bytes of data follow the header.
type frame struct {
	typ    int
	id     uint32
	n      int  // data: bytes that follow; window: the credit
	reason byte // close
}

func appendHead(b []byte, id uint32, kind byte) []byte {
	return binary.AppendUvarint(b, uint64(id)<<3|uint64(kind))
}

// appendOpen appends an open frame.
func appendOpen(b []byte, id uint32) []byte { return appendHead(b, id, kindOpen) }

// appendData appends data frames carrying p, split into frames of at most maxData bytes.
func appendData(b []byte, id uint32, p []byte) []byte {
	for len(p) > 0 {
		n := min(len(p), maxData)
		if n <= kindShort {
			b = appendHead(b, id, byte(n))
		} else {
			b = appendHead(b, id, kindData)
			b = binary.AppendUvarint(b, uint64(n))
		}
		b = append(b, p[:n]...)
		p = p[n:]
	}
	return b
}

// appendFin appends a fin frame.
func appendFin(b []byte, id uint32) []byte { return append(appendHead(b, id, kindCtl), ctlFin) }

// appendClose appends a close frame.
func appendClose(b []byte, id uint32, reason byte) []byte {
	return append(appendHead(b, id, kindCtl), ctlClose, reason)
}

// appendWindow appends a window frame granting n more bytes (1 ≤ n ≤ maxWindow).
func appendWindow(b []byte, id uint32, n int) []byte {
	return binary.AppendUvarint(append(appendHead(b, id, kindCtl), ctlWindow), uint64(n))
}

// parseFrame parses the frame header at the start of buf. It returns the header's length, 0
// when buf does not hold the whole header yet, or an error wrapping ErrFraming.
func parseFrame(buf []byte) (f frame, n int, err error) {
	h, n := uvarint(buf)
	switch {
	case n == 0:
		return f, 0, nil
	case n < 0 || h>>3 > maxStreamID:
		return f, 0, framing("stream identifier out of range")
	}
	f.id = uint32(h >> 3)
	switch kind := h & 7; {
	case kind == kindOpen:
		f.typ = frameOpen
		return f, n, nil
	case kind <= kindShort:
		f.typ, f.n = frameData, int(kind)
		return f, n, nil
	case kind == kindData:
		v, k := uvarint(buf[n:])
		switch {
		case k == 0:
			return f, 0, nil
		case k < 0 || v <= kindShort || v > maxData:
			return f, 0, framing("data frame of %d bytes with its length apart", v)
		}
		f.typ, f.n = frameData, int(v)
		return f, n + k, nil
	}
	if len(buf) <= n {
		return f, 0, nil
	}
	switch ctl := buf[n]; ctl {
	case ctlFin:
		f.typ = frameFin
		return f, n + 1, nil
	case ctlClose:
		if len(buf) <= n+1 {
			return f, 0, nil
		}
		f.typ, f.reason = frameClose, buf[n+1]
		return f, n + 2, nil
	case ctlWindow:
		v, k := uvarint(buf[n+1:])
		switch {
		case k == 0:
			return f, 0, nil
		case k < 0 || v == 0 || v > maxWindow:
			return f, 0, framing("window of %d bytes", v)
		}
		f.typ, f.n = frameWindow, int(v)
		return f, n + 1 + k, nil
	default:
		return f, 0, framing("control byte %d", ctl)
	}
}

// uvarint decodes a uvarint of at most 5 bytes (32 bits): n == 0 when buf ends inside it,
// n < 0 when it is longer or overflows.
func uvarint(buf []byte) (uint64, int) {
	var v uint64
	for i := range 5 {
		if i == len(buf) {
			return 0, 0
		}
		b := buf[i]
		v |= uint64(b&0x7F) << (7 * i)
		if b < 0x80 {
			if i > 0 && b == 0 {
				return 0, -1 // not minimal: no sender writes it
			}
			return v, i + 1
		}
	}
	return 0, -1
}

// framing wraps a framing error.
func framing(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFraming}, args...)...)
}
