package proxybench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/mqzip/mqzip/mqtt"
)

// recorder collects what the clients of a replay sent and received, and the latency of every
// PUBLISH from its write at the client to its arrival at a stand-in broker.
type recorder struct {
	mu      sync.Mutex
	pending map[string][]time.Time // topic and payload → times sent, oldest first
	lat     []time.Duration
	up      [][][]byte // by connection
	down    [][][]byte
}

func newRecorder() *recorder { return &recorder{pending: map[string][]time.Time{}} }

func publishKey(p *mqtt.Packet) string { return p.Topic + "\x00" + string(p.Payload) }

func (r *recorder) sent(key string, at time.Time) {
	r.mu.Lock()
	r.pending[key] = append(r.pending[key], at)
	r.mu.Unlock()
}

func (r *recorder) arrived(key string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.pending[key]
	if len(q) == 0 {
		return
	}
	r.lat = append(r.lat, at.Sub(q[0]))
	if len(q) == 1 {
		delete(r.pending, key)
	} else {
		r.pending[key] = q[1:]
	}
}

func (r *recorder) connection(up, down [][]byte) {
	r.mu.Lock()
	r.up = append(r.up, up)
	r.down = append(r.down, down)
	r.mu.Unlock()
}

// Latency summarises the latencies of a replay.
type Latency struct {
	N            int
	P50, P99     time.Duration // with several runs, the medians of the runs' figures
	Unmatched    int           // PUBLISH packets sent that did not arrive
	Runs         int
	P99Lo, P99Hi time.Duration // the lowest and highest p99 of the runs
}

// median combines the latencies of several runs of the same replay.
func median(runs []Latency) Latency {
	l := runs[0]
	l.Runs = len(runs)
	p50 := make([]time.Duration, len(runs))
	p99 := make([]time.Duration, len(runs))
	for i, r := range runs {
		p50[i], p99[i] = r.P50, r.P99
		l.Unmatched = max(l.Unmatched, r.Unmatched)
	}
	sort.Slice(p50, func(i, j int) bool { return p50[i] < p50[j] })
	sort.Slice(p99, func(i, j int) bool { return p99[i] < p99[j] })
	l.P50, l.P99 = p50[len(runs)/2], p99[len(runs)/2]
	l.P99Lo, l.P99Hi = p99[0], p99[len(runs)-1]
	return l
}

func (r *recorder) latency() Latency {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := Latency{N: len(r.lat)}
	for _, q := range r.pending {
		l.Unmatched += len(q)
	}
	if len(r.lat) == 0 {
		return l
	}
	s := append([]time.Duration(nil), r.lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	l.P50, l.P99 = s[len(s)/2], s[len(s)*99/100]
	return l
}

// readPacket reads one MQTT packet of at most 16 MiB.
func readPacket(r *bufio.Reader) ([]byte, error) {
	hdr := make([]byte, 0, 5)
	for {
		b, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		hdr = append(hdr, b)
		if len(hdr) >= 2 && b&0x80 == 0 {
			break
		}
		if len(hdr) == 5 {
			return nil, errors.New("proxybench: remaining length longer than 4 bytes")
		}
	}
	h, err := mqtt.ReadFixedHeader(hdr)
	if err != nil {
		return nil, err
	}
	if h.PacketLen() > 16<<20 {
		return nil, fmt.Errorf("proxybench: packet of %d bytes", h.PacketLen())
	}
	p := make([]byte, h.PacketLen())
	copy(p, hdr)
	_, err = io.ReadFull(r, p[len(hdr):])
	return p, err
}

// replay sends the packets of cv to addr: at their captured times (relative to t0) divided by
// speed from start on, or as fast as possible when speed is 0; like a client, it waits for the
// CONNACK before it sends more than the CONNECT. It keeps what the broker sends
// back until the connection has been quiet for linger.
func replay(addr string, cv *Conversation, speed float64, start time.Time, t0 int64, rec *recorder, linger time.Duration) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	var down [][]byte
	last := make(chan time.Time, 1)
	done := make(chan struct{})
	connack := make(chan struct{})
	go func() {
		defer close(done)
		br := bufio.NewReader(c)
		for {
			p, err := readPacket(br)
			if err != nil {
				return
			}
			if len(down) == 0 {
				close(connack)
			}
			down = append(down, p)
			select {
			case <-last:
			default:
			}
			last <- time.Now()
		}
	}()
	var pkt mqtt.Packet
	var up [][]byte
	for i, p := range cv.Packets {
		if speed > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(float64(cv.Times[i]-t0) / speed))))
		}
		if rec != nil && mqtt.ParseInto(&pkt, p, mqtt.V311) == nil && pkt.Type == mqtt.Publish {
			rec.sent(publishKey(&pkt), time.Now())
		}
		if _, err := c.Write(p); err != nil {
			break
		}
		up = append(up, p)
		if i == 0 { // a client waits for its CONNACK
			select {
			case <-connack:
			case <-done:
			}
		}
	}
	quiet := time.Now()
	for time.Since(quiet) < linger {
		select {
		case t := <-last:
			quiet = t
		case <-done:
			quiet = time.Time{}
		case <-time.After(linger / 4):
		}
	}
	c.Close()
	<-done
	if rec != nil {
		rec.connection(up, down)
	}
	return nil
}
