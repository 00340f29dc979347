package table

import (
	"bufio"
	"io"

	"github.com/mqzip/mqzip/dissect"
)

// frameColumns are the columns of the frames table.
var frameColumns = []struct {
	name string
	app  func(dst []byte, f *dissect.Frame) []byte
}{
	{"frame.number", func(d []byte, f *dissect.Frame) []byte { return appInt(d, int64(f.Number)) }},
	{"frame.time_epoch", func(d []byte, f *dissect.Frame) []byte { return appSeconds(d, f.Time) }},
	{"frame.time_delta", func(d []byte, f *dissect.Frame) []byte { return appSeconds(d, f.Delta) }},
	{"frame.len", func(d []byte, f *dissect.Frame) []byte { return appInt(d, int64(f.Len)) }},
	{"frame.cap_len", func(d []byte, f *dissect.Frame) []byte { return appInt(d, int64(f.CapLen)) }},
	{"mqzip.link_type", func(d []byte, f *dissect.Frame) []byte { return appInt(d, int64(f.LinkType)) }},
	{"ip.src", func(d []byte, f *dissect.Frame) []byte {
		if f.Packet.IPVersion == 0 {
			return d
		}
		return f.Packet.Src.AppendTo(d)
	}},
	{"ip.dst", func(d []byte, f *dissect.Frame) []byte {
		if f.Packet.IPVersion == 0 {
			return d
		}
		return f.Packet.Dst.AppendTo(d)
	}},
	{"ip.proto", func(d []byte, f *dissect.Frame) []byte {
		if f.Packet.IPVersion == 0 {
			return d
		}
		return appInt(d, int64(f.Packet.Protocol))
	}},
	{"mqzip.srcport", func(d []byte, f *dissect.Frame) []byte {
		if !f.Packet.HasTCP && !f.Packet.HasUDP {
			return d
		}
		return appInt(d, int64(f.Packet.SrcPort))
	}},
	{"mqzip.dstport", func(d []byte, f *dissect.Frame) []byte {
		if !f.Packet.HasTCP && !f.Packet.HasUDP {
			return d
		}
		return appInt(d, int64(f.Packet.DstPort))
	}},
	{"tcp.stream", func(d []byte, f *dissect.Frame) []byte {
		if f.Conv == nil {
			return d
		}
		return appInt(d, int64(f.Conv.ID))
	}},
	{"tcp.seq_raw", func(d []byte, f *dissect.Frame) []byte {
		if !f.Packet.HasTCP {
			return d
		}
		return appUint(d, uint64(f.Packet.Seq))
	}},
	{"tcp.ack_raw", func(d []byte, f *dissect.Frame) []byte {
		if !f.Packet.HasTCP {
			return d
		}
		return appUint(d, uint64(f.Packet.Ack))
	}},
	{"tcp.flags", func(d []byte, f *dissect.Frame) []byte {
		if !f.Packet.HasTCP {
			return d
		}
		return appHex16(d, f.Packet.Flags)
	}},
	{"tcp.len", func(d []byte, f *dissect.Frame) []byte {
		if !f.Packet.HasTCP {
			return d
		}
		return appInt(d, int64(f.Packet.PayloadLen))
	}},
	{"mqzip.label", func(d []byte, f *dissect.Frame) []byte { return append(d, f.Label...) }},
	{"mqzip.error", func(d []byte, f *dissect.Frame) []byte {
		if f.Err == nil {
			return d
		}
		return appText(d, f.Err.Error())
	}},
}

// FrameWriter writes the table of frames that carry no MQTT message, as CSV: frame metadata,
// addresses and ports, and a label saying what the frame is (tcp-syn, tcp-ack, tcp-retransmission,
// mqtt-segment, tcp-data, udp, arp, decode-error, ...). Errors are sticky.
type FrameWriter struct{ w Writer }

// NewFrameWriter returns a FrameWriter that writes to w.
func NewFrameWriter(w io.Writer) *FrameWriter {
	return &FrameWriter{w: Writer{w: bufio.NewWriterSize(w, 64<<10)}}
}

// WriteHeader writes the header row.
func (fw *FrameWriter) WriteHeader() error {
	w := &fw.w
	w.row = w.row[:0]
	for i, c := range frameColumns {
		if i > 0 {
			w.row = append(w.row, ',')
		}
		w.row = append(w.row, c.name...)
	}
	return w.flushRow()
}

// Write writes the row of frame f.
func (fw *FrameWriter) Write(f *dissect.Frame) error {
	w := &fw.w
	if w.err != nil {
		return w.err
	}
	w.row = w.row[:0]
	for i, c := range frameColumns {
		if i > 0 {
			w.row = append(w.row, ',')
		}
		w.val = c.app(w.val[:0], f)
		w.row = appendField(w.row, w.val)
	}
	return w.flushRow()
}

// Flush writes any buffered data to the underlying writer.
func (fw *FrameWriter) Flush() error { return fw.w.Flush() }
