// Package gen writes synthetic but protocol-correct MQTT captures of any length, for
// benchmarks and tests that need more traffic than the real captures hold: sensor clients
// that connect to a broker over TCP (handshake, CONNECT/CONNACK, SUBSCRIBE/SUBACK), publish
// JSON readings at QoS 0 and 1 (with PUBACKs and TCP acknowledgements), ping, and now and then
// disconnect and reconnect. The output is deterministic for a given Config.
package gen

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/mqzip/mqzip/capture"
	"github.com/mqzip/mqzip/mqtt"
)

// Config describes the capture to generate.
type Config struct {
	Frames  int    // frames to write (at least this many; the last exchange is completed)
	Clients int    // concurrent sensor clients (default 16)
	Seed    uint64 // PRNG seed
	Start   int64  // capture start, ns since the Unix epoch (default 2026-01-01)
}

// Stats says what was written.
type Stats struct {
	Frames   int
	Messages int // MQTT messages
	Bytes    int64
}

type client struct {
	ip             [4]byte
	port           uint16
	cseq, sseq     uint32
	connected      bool
	pid            uint16
	id             string
	temp, humidity float64
	next           int64 // time of its next action
	period         int64
	sent           int
}

type writer struct {
	pw    *capture.PcapWriter
	buf   []byte
	st    Stats
	now   int64
	rng   *rand.Rand
	frame int
}

var broker = [4]byte{10, 0, 0, 1}

// Write writes a pcap capture to w.
func Write(w io.Writer, cfg Config) (Stats, error) {
	if cfg.Frames <= 0 {
		return Stats{}, fmt.Errorf("gen: Frames %d must be positive", cfg.Frames)
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 16
	}
	if cfg.Start == 0 {
		cfg.Start = 1767225600e9
	}
	pw, err := capture.NewPcapWriter(w, capture.LinkType(1), 65535, true)
	if err != nil {
		return Stats{}, err
	}
	g := &writer{pw: pw, now: cfg.Start, rng: rand.New(rand.NewPCG(cfg.Seed, 0x6d717a6970))}
	cs := make([]*client, cfg.Clients)
	for i := range cs {
		cs[i] = &client{ip: [4]byte{10, 0, byte(1 + i/250), byte(2 + i%250)}, port: uint16(40000 + i),
			id: fmt.Sprintf("sensor-%04d", i), temp: 18 + g.rng.Float64()*6, humidity: 35 + g.rng.Float64()*20,
			period: int64(1+g.rng.IntN(10)) * 1e9, next: cfg.Start + int64(g.rng.IntN(1e9))}
	}
	for g.st.Frames < cfg.Frames {
		c := cs[0]
		for _, x := range cs[1:] {
			if x.next < c.next {
				c = x
			}
		}
		g.now = c.next
		if err := g.step(c); err != nil {
			return g.st, err
		}
	}
	return g.st, nil
}

func (g *writer) step(c *client) error {
	switch {
	case !c.connected:
		c.cseq, c.sseq = g.rng.Uint32(), g.rng.Uint32()
		c.port++
		if c.port < 40000 {
			c.port = 40000
		}
		g.tcp(c, true, 0x002, nil)
		c.cseq++
		g.tcp(c, false, 0x012, nil)
		c.sseq++
		g.tcp(c, true, 0x010, nil)
		g.mqtt(c, true, connectPacket(c.id))
		g.mqtt(c, false, []byte{0x20, 2, 0, 0})
		g.mqtt(c, true, subscribePacket(c.pid+1, "cmd/"+c.id))
		c.pid++
		g.mqtt(c, false, []byte{0x90, 3, byte(c.pid >> 8), byte(c.pid), 1})
		c.connected, c.sent = true, 0
	case c.sent > 0 && c.sent%50 == 0 && g.rng.IntN(4) == 0:
		g.mqtt(c, true, []byte{0xe0, 0})
		g.tcp(c, true, 0x011, nil)
		c.cseq++
		g.tcp(c, false, 0x011, nil)
		c.sseq++
		g.tcp(c, true, 0x010, nil)
		c.connected = false
	case c.sent%20 == 19:
		g.mqtt(c, true, []byte{0xc0, 0})
		g.mqtt(c, false, []byte{0xd0, 0})
		c.sent++
	default:
		c.temp += g.rng.NormFloat64() * 0.05
		c.humidity += g.rng.NormFloat64() * 0.1
		payload := fmt.Sprintf(`{"id":"%s","t":%.2f,"h":%.1f,"seq":%d}`, c.id, c.temp, c.humidity, c.sent)
		qos := byte(0)
		if c.sent%3 == 0 {
			qos = 1
		}
		c.pid++
		if c.pid == 0 {
			c.pid = 1
		}
		g.mqtt(c, true, publishPacket("sensors/"+c.id+"/env", []byte(payload), qos, c.pid))
		if qos == 1 {
			g.mqtt(c, false, []byte{0x40, 2, byte(c.pid >> 8), byte(c.pid)})
		} else {
			g.tcp(c, false, 0x010, nil)
		}
		c.sent++
	}
	c.next = g.now + c.period + int64(g.rng.IntN(50e6))
	return nil
}

// mqtt sends one MQTT packet from the client (or the broker) in one segment.
func (g *writer) mqtt(c *client, fromClient bool, pkt []byte) {
	g.st.Messages++
	g.tcp(c, fromClient, 0x018, pkt)
	if fromClient {
		c.cseq += uint32(len(pkt))
	} else {
		c.sseq += uint32(len(pkt))
	}
}

// tcp writes one Ethernet/IPv4/TCP frame.
func (g *writer) tcp(c *client, fromClient bool, flags uint16, payload []byte) {
	g.now += int64(50e3 + g.rng.IntN(200e3))
	src, dst := c.ip, broker
	sport, dport := c.port, uint16(1883)
	seq, ack := c.cseq, c.sseq
	if !fromClient {
		src, dst, sport, dport, seq, ack = dst, src, dport, sport, ack, seq
	}
	if flags == 0x002 {
		ack = 0
	}
	b := g.buf[:0]
	b = append(b, 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00) // Ethernet
	ipLen := 20 + 20 + len(payload)
	ip := []byte{0x45, 0, byte(ipLen >> 8), byte(ipLen), byte(g.frame >> 8), byte(g.frame), 0x40, 0, 64, 6, 0, 0}
	ip = append(append(ip, src[:]...), dst[:]...)
	binary.BigEndian.PutUint16(ip[10:], checksum(ip))
	b = append(b, ip...)
	var t [20]byte
	binary.BigEndian.PutUint16(t[0:], sport)
	binary.BigEndian.PutUint16(t[2:], dport)
	binary.BigEndian.PutUint32(t[4:], seq)
	binary.BigEndian.PutUint32(t[8:], ack)
	t[12] = 5 << 4
	t[13] = byte(flags)
	binary.BigEndian.PutUint16(t[14:], 502)
	b = append(b, t[:]...)
	b = append(b, payload...)
	g.buf = b
	g.frame++
	g.st.Frames++
	g.st.Bytes += int64(len(b))
	g.pw.WriteFrame(g.now, b, len(b))
}

func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func str(b []byte, s string) []byte { return append(append(b, byte(len(s)>>8), byte(len(s))), s...) }

func withLen(typ byte, body []byte) []byte {
	return append(mqtt.AppendVarInt([]byte{typ}, len(body)), body...)
}

func connectPacket(id string) []byte {
	b := str(nil, "MQTT")
	b = append(b, 4, 0x02, 0, 60)
	return withLen(0x10, str(b, id))
}

func subscribePacket(pid uint16, topic string) []byte {
	b := []byte{byte(pid >> 8), byte(pid)}
	return withLen(0x82, append(str(b, topic), 1))
}

func publishPacket(topic string, payload []byte, qos byte, pid uint16) []byte {
	b := str(nil, topic)
	if qos > 0 {
		b = append(b, byte(pid>>8), byte(pid))
	}
	return withLen(0x30|qos<<1, append(b, payload...))
}
