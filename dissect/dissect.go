// Package dissect runs the whole parsing pipeline over a capture: it reads the frames
// (package capture), decodes their link, IP and TCP headers (package packet), reassembles IP
// fragments, follows TCP conversations and cuts their streams into MQTT messages (package conv),
// which it hands to a Handler together with a record of every frame.
package dissect

import (
	"errors"
	"fmt"
	"io"

	"github.com/mqzip/mqzip/capture"
	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/packet"
)

// Config tunes a run. The zero value is the default.
type Config struct {
	Conv   conv.Config
	Defrag packet.DefragConfig
}

// Frame is the record of one captured frame.
type Frame struct {
	Number   int
	Offset   int64 // file offset of its record
	Time     int64 // ns since the Unix epoch
	Delta    int64 // ns since the previous frame
	Len      int
	CapLen   int
	LinkType capture.LinkType
	Packet   *packet.Packet // decoded headers; valid during the call only
	Label    string         // what the frame is (conv's labels for TCP; udp, arp, non-ip, ...)
	Err      error          // why it could not be decoded fully, if so
	Conv     *conv.Conversation
	Messages int // MQTT messages the frame completed
}

// Handler receives the output of a run.
type Handler interface {
	// Message receives each MQTT message, in capture order.
	Message(m *conv.Message)
	// Frame receives the record of each frame, in capture order.
	Frame(f *Frame)
}

// Stats counts what a run saw.
type Stats struct {
	Frames        int
	Bytes         int64 // captured bytes of all frames
	TCPFrames     int
	Messages      int
	Malformed     int // messages that failed validation
	Truncated     int
	Skipped       int // rows of bytes skipped for resynchronisation
	Conversations int // TCP connections
	MQTTConvs     int // of them, those carrying MQTT
	DecodeErrors  int // frames whose headers could not be decoded fully
	Unsupported   int // frames of a link type that is not supported
	Fragments     int // IP fragments seen
}

// ErrUnsupportedLink is wrapped by the error Run returns when frames of an unsupported link
// type were skipped.
var ErrUnsupportedLink = errors.New("dissect: unsupported link type")

// Run dissects the capture read from r. Messages and frames already handed to h stay valid
// when it fails: a read error stops the run (the error names the file offset and frame), while
// frames of an unsupported link type are recorded and reported in the returned error after the
// whole capture is read.
func Run(r io.Reader, cfg Config, h Handler) (Stats, error) {
	var st Stats
	cr, err := capture.NewReader(r)
	if err != nil {
		return st, err
	}
	counter := &counting{h: h, st: &st}
	tr, err := conv.NewTracker(cfg.Conv, counter)
	if err != nil {
		return st, err
	}
	defrag := packet.NewDefragmenter(cfg.Defrag)
	var (
		rec      Frame
		p        packet.Packet
		prev     int64
		firstBad *Frame
		badLink  capture.LinkType
		readErr  error
	)
	for {
		f, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		st.Frames++
		st.Bytes += int64(f.CapLen)
		rec = Frame{Number: f.Number, Offset: f.Offset, Time: f.Time, Len: f.OrigLen, CapLen: f.CapLen, LinkType: f.LinkType, Packet: &p}
		if st.Frames > 1 {
			rec.Delta = f.Time - prev
		}
		prev = f.Time
		derr := packet.Decode(packet.LinkType(f.LinkType), f.Data, &p)
		rec.Err = derr
		switch {
		case errors.Is(derr, packet.ErrUnsupported) && p.IPVersion == 0:
			rec.Label = "unsupported-link"
			st.Unsupported++
			if firstBad == nil {
				c := rec
				firstBad, badLink = &c, f.LinkType
			}
		case p.Fragment:
			st.Fragments++
			payload, done, ferr := defrag.Add(&p, f.Time)
			rec.Label = "ip-fragment"
			if ferr != nil {
				rec.Err = ferr
			}
			if done {
				rec.Err = packet.DecodeTransport(p.Protocol, payload, &p)
				rec.Label = ""
			}
		}
		if rec.Label == "" {
			switch {
			case p.HasTCP:
				st.TCPFrames++
				res := tr.Feed(conv.Frame{Number: f.Number, Time: f.Time, Len: f.OrigLen, CapLen: f.CapLen}, rec.Delta, &p)
				rec.Label, rec.Conv, rec.Messages = string(res.Label), res.Conv, res.Completed
			case derr != nil:
				rec.Label = "decode-error"
			default:
				rec.Label = otherLabel(&p)
			}
		}
		if rec.Err != nil {
			st.DecodeErrors++
		}
		h.Frame(&rec)
	}
	tr.Flush()
	st.Conversations = tr.Conversations()
	st.MQTTConvs = tr.MQTTConversations()
	if readErr != nil {
		return st, readErr
	}
	if firstBad != nil {
		return st, fmt.Errorf("%w %d: %d frames skipped, the first is frame %d at file offset %d",
			ErrUnsupportedLink, badLink, st.Unsupported, firstBad.Number, firstBad.Offset)
	}
	return st, nil
}

func otherLabel(p *packet.Packet) string {
	switch {
	case p.HasUDP:
		return "udp"
	case p.IPVersion == 4 && p.Protocol == 1:
		return "icmp"
	case p.IPVersion == 6 && p.Protocol == 58:
		return "icmpv6"
	case p.IPVersion != 0:
		return fmt.Sprintf("ip-proto-%d", p.Protocol)
	case p.EtherType == 0x0806:
		return "arp"
	case p.EtherType != 0:
		return fmt.Sprintf("ethertype-0x%04x", p.EtherType)
	}
	return "non-ip"
}

// counting forwards messages and counts them.
type counting struct {
	h  Handler
	st *Stats
}

func (c *counting) Message(m *conv.Message) {
	c.st.Messages++
	switch m.Status {
	case conv.StatusMalformed:
		c.st.Malformed++
	case conv.StatusTruncated:
		c.st.Truncated++
	case conv.StatusSkipped:
		c.st.Skipped++
	}
	c.h.Message(m)
}
