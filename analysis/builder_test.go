package analysis

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/mqzip/mqzip/capture"
	"github.com/mqzip/mqzip/mqtt"
)

// capBuilder writes a capture of MQTT conversations with exactly known times, lengths and
// payloads: Ethernet, IPv4 and TCP frames, one MQTT packet per segment, each acknowledged
// implicitly by the next segment of the other side.
type capBuilder struct {
	t      testing.TB
	frames []frame

	headerBytes, varBytes, payloadBytes int // MQTT bytes written, by part
	messages                            int
}

// tcpConn is one TCP connection of a capBuilder.
type tcpConn struct {
	b          *capBuilder
	client     [4]byte
	port       uint16
	cseq, sseq uint32
}

type frame struct {
	at   int64
	data []byte
}

func newCapBuilder(t testing.TB) *capBuilder { return &capBuilder{t: t} }

// bytes returns the capture, its frames in time order.
func (b *capBuilder) bytes() []byte {
	var buf bytes.Buffer
	pw, err := capture.NewPcapWriter(&buf, capture.LinkType(1), 65535, true)
	if err != nil {
		b.t.Fatal(err)
	}
	slices.SortStableFunc(b.frames, func(x, y frame) int { return cmp.Compare(x.at, y.at) })
	for _, f := range b.frames {
		if err := pw.WriteFrame(f.at, f.data, len(f.data)); err != nil {
			b.t.Fatal(err)
		}
	}
	return buf.Bytes()
}

var brokerIP = [4]byte{10, 0, 0, 1}

// conn opens a connection from client:port to the broker at time at (SYN, SYN-ACK, ACK).
func (b *capBuilder) conn(at int64, client [4]byte, port uint16) *tcpConn {
	c := &tcpConn{b: b, client: client, port: port, cseq: 1000 * uint32(port), sseq: 7000 * uint32(port)}
	c.segment(at, true, 0x002, nil)
	c.cseq++
	c.segment(at+10e3, false, 0x012, nil)
	c.sseq++
	c.segment(at+20e3, true, 0x010, nil)
	return c
}

// send sends one MQTT packet at time at; hdr is the length of its fixed header and vh of its
// variable header, so that the builder can count the bytes of each part.
func (c *tcpConn) send(at int64, fromClient bool, pkt []byte, hdr, vh int) {
	c.segment(at, fromClient, 0x018, pkt)
	if fromClient {
		c.cseq += uint32(len(pkt))
	} else {
		c.sseq += uint32(len(pkt))
	}
	c.b.messages++
	c.b.headerBytes += hdr
	c.b.varBytes += vh
	c.b.payloadBytes += len(pkt) - hdr - vh
}

func (c *tcpConn) segment(at int64, fromClient bool, flags byte, payload []byte) {
	src, dst, sport, dport, seq, ack := c.client, brokerIP, c.port, uint16(1883), c.cseq, c.sseq
	if !fromClient {
		src, dst, sport, dport, seq, ack = dst, src, dport, sport, c.sseq, c.cseq
	}
	if flags == 0x002 {
		ack = 0
	}
	f := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00}
	n := 40 + len(payload)
	f = append(f, 0x45, 0, byte(n>>8), byte(n), 0, 0, 0x40, 0, 64, 6, 0, 0)
	f = append(append(f, src[:]...), dst[:]...)
	var t [20]byte
	binary.BigEndian.PutUint16(t[0:], sport)
	binary.BigEndian.PutUint16(t[2:], dport)
	binary.BigEndian.PutUint32(t[4:], seq)
	binary.BigEndian.PutUint32(t[8:], ack)
	t[12], t[13] = 5<<4, flags
	binary.BigEndian.PutUint16(t[14:], 1024)
	f = append(append(f, t[:]...), payload...)
	c.b.frames = append(c.b.frames, frame{at, f})
}

func mqttStr(b []byte, s string) []byte {
	return append(append(b, byte(len(s)>>8), byte(len(s))), s...)
}

// withLen prepends a fixed header (type and flags byte, remaining length) to body; it returns
// the packet and the fixed header's length.
func withLen(first byte, body []byte) ([]byte, int) {
	out := mqtt.AppendVarInt([]byte{first}, len(body))
	return append(out, body...), len(out)
}

// connect sends CONNECT (3.1.1, clean session) and CONNACK.
func (c *tcpConn) connect(at int64, id string, keepAlive uint16) {
	vh := append(mqttStr(nil, "MQTT"), 4, 0x02, byte(keepAlive>>8), byte(keepAlive))
	pkt, h := withLen(0x10, mqttStr(vh, id))
	c.send(at, true, pkt, h, len(vh))
	c.send(at+1e6, false, []byte{0x20, 2, 0, 0}, 2, 2)
}

// publish sends a PUBLISH from the client; with qos 1 the broker answers with PUBACK 2 ms
// later.
func (c *tcpConn) publish(at int64, topic string, payload string, qos byte, id uint16) {
	vh := mqttStr(nil, topic)
	if qos > 0 {
		vh = append(vh, byte(id>>8), byte(id))
	}
	pkt, h := withLen(0x30|qos<<1, append(vh, payload...))
	c.send(at, true, pkt, h, len(vh))
	if qos > 0 {
		c.send(at+2e6, false, []byte{0x40, 2, byte(id >> 8), byte(id)}, 2, 2)
	}
}

// ping sends PINGREQ and, 1 ms later, PINGRESP.
func (c *tcpConn) ping(at int64) {
	c.send(at, true, []byte{0xc0, 0}, 2, 0)
	c.send(at+1e6, false, []byte{0xd0, 0}, 2, 0)
}
