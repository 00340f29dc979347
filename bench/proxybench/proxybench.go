// Package proxybench measures the link-compression proxy (package proxy) on real traffic: it
// replays the client-to-broker messages of a capture through edge → core → mosquitto at their
// captured timing sped up, and reports the bytes on the link against the MQTT bytes, a
// permessage-deflate-style DEFLATE (history kept per connection, flushed per message) and zstd
// with a trained dictionary per message; the latency the pair adds, p50 and p99, against the
// same replay sent to the broker directly; and the messages per second the pair sustains when
// several copies of the capture are replayed at once as fast as possible. The link's bytes are
// counted twice: by the pair (its frames, below TLS) and by a relay on the link's TCP
// connections (TLS records included, and counted), at each max-delay asked for.
//
//	go run ./bench/cmd/proxybench [-speed 50] [-copies 4] [-runs 1] [-max-delay 0,1ms,5ms,20ms] [capture]
package proxybench

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/mqzip/mqzip/proxy"
)

// Config says what to replay and how.
type Config struct {
	Capture string          // the capture to replay
	Speed   float64         // replay speed-up of the timed runs (default 50)
	Copies  int             // copies of the capture replayed at once in the throughput run (default 4)
	Broker  string          // a running broker's address; empty: start mosquitto
	Plain   bool            // no TLS on the link
	Proxy   proxy.Config    // the pair's configuration
	Delays  []time.Duration // the max-delays to measure the link bytes and latency at (default: Proxy.MaxDelay)
	Runs    int             // latency runs, direct and through the pair at each max-delay, whose medians are reported (default 1)
}

// Report is the outcome of Run. Arrays are indexed by proxy.Direction.
type Report struct {
	Capture     string
	Connections int
	Messages    [2]int // MQTT packets of the timed run through the pair
	MQTTBytes   [2]int // their bytes: what a direct connection carries
	Deflate     [2]int // DEFLATE with per-connection history, flushed per message
	Zstd        [2]int // zstd -19 with a trained dictionary, per message
	ZstdErr     string // why there is no zstd figure, if there is none

	Speed  float64
	Direct Latency    // PUBLISH latency from the client's write to its arrival at a stand-in broker
	Runs   []DelayRun // the pair at each max-delay

	Copies     int
	Throughput float64 // messages per second through the pair, untimed, at the first max-delay
	ThroughN   int
	ThroughDur time.Duration
}

// DelayRun is what the pair did at one max-delay.
type DelayRun struct {
	MaxDelay  time.Duration
	Messages  [2]int // MQTT packets of the timed run
	DataBytes [2]int // the coded messages on the link, without framing
	LinkBytes [2]int // the link's bytes: frames and handshakes, without TLS or TCP
	WireBytes [2]int // the same with TLS records (unless Plain), as TCP carries them
	Records   [2]int // TLS records (0 when Plain)
	Writes    [2]int // the pair's writes to the link
	Links     int    // link connections the relay saw
	Setup     [2]int // bytes on the wire before the replay: TLS handshake, link header, a warm-up connection
	Pair      Latency
}

// Run runs the benchmark.
func Run(cfg Config) (*Report, error) {
	if cfg.Speed <= 0 {
		cfg.Speed = 50
	}
	if cfg.Copies <= 0 {
		cfg.Copies = 4
	}
	if cfg.Runs <= 0 {
		cfg.Runs = 1
	}
	if len(cfg.Delays) == 0 {
		cfg.Delays = []time.Duration{cfg.Proxy.MaxDelay}
	}
	convs, err := Load(cfg.Capture)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "proxybench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	broker := cfg.Broker
	if broker == "" {
		b, err := startMosquitto(work)
		if err != nil {
			return nil, err
		}
		defer b.stop()
		broker = b.addr
	}
	rep := &Report{Capture: cfg.Capture, Connections: len(convs), Speed: cfg.Speed, Copies: cfg.Copies}
	if rep.Direct, err = latency(convs, cfg, false); err != nil {
		return nil, err
	}
	for i, delay := range cfg.Delays {
		c := cfg
		c.Proxy.MaxDelay = delay
		run := DelayRun{MaxDelay: delay}
		p, err := startPair(broker, c, true)
		if err != nil {
			return nil, err
		}
		// The link connection is dialed and its TLS handshake done by a warm-up client, so that
		// what follows counts the link's steady state; the setup's bytes are reported apart.
		if err := warmUp(p); err != nil {
			p.close()
			return nil, err
		}
		k0, w0 := p.edge.Metrics().Counters(), p.core.Metrics().Counters().LinkWrites[1]
		var wire0, rec0 [2]int
		for d := range 2 {
			wire0[d], rec0[d] = int(p.relay.bytes[d].Load()), int(p.relay.records[d].Load())
		}
		rec, err := timedRun(p.edgeAddr, convs, cfg.Speed)
		if err == nil {
			err = quiesce(p)
		}
		k := p.edge.Metrics().Counters()
		for d := range 2 {
			run.Setup[d] = wire0[d]
			run.WireBytes[d] = int(p.relay.bytes[d].Load()) - wire0[d]
			run.Records[d] = int(p.relay.records[d].Load()) - rec0[d]
			run.LinkBytes[d] = int(k.LinkBytes[d] - k0.LinkBytes[d])
			run.DataBytes[d] = int(k.DataBytes[d] - k0.DataBytes[d])
		}
		run.Writes[0] = int(k.LinkWrites[0] - k0.LinkWrites[0])
		run.Writes[1] = int(p.core.Metrics().Counters().LinkWrites[1] - w0)
		run.Links = int(p.relay.conns.Load())
		p.close()
		if err != nil {
			return nil, err
		}
		for d, conns := range [2][][][]byte{rec.up, rec.down} {
			for _, pkts := range conns {
				run.Messages[d] += len(pkts)
			}
		}
		if i == 0 {
			var sets [2][][]byte
			for d, conns := range [2][][][]byte{rec.up, rec.down} {
				for _, pkts := range conns {
					rep.Messages[d] += len(pkts)
					for _, pk := range pkts {
						rep.MQTTBytes[d] += len(pk)
					}
					rep.Deflate[d] += deflatePerMessage(pkts)
					sets[d] = append(sets[d], pkts...)
				}
			}
			if rep.Zstd, err = zstdPerMessage(sets, filepath.Join(work, "zstd")); err != nil {
				rep.ZstdErr = err.Error()
			}
		}
		if run.Pair, err = latency(convs, c, true); err != nil {
			return nil, err
		}
		rep.Runs = append(rep.Runs, run)
	}
	c := cfg
	c.Proxy.MaxDelay = cfg.Delays[0]
	if err := throughput(rep, broker, convs, c); err != nil {
		return nil, err
	}
	return rep, nil
}

// warmUp connects a client through the pair and disconnects it, so that the edge dials its
// link connection, and waits until the pair is idle.
func warmUp(p *pairServers) error {
	c, err := net.Dial("tcp", p.edgeAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	id := "proxybench-warmup"
	body := append([]byte{0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, byte(len(id))}, id...)
	c.Write(append([]byte{0x10, byte(len(body))}, body...))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	connack := make([]byte, 4)
	if _, err := io.ReadFull(c, connack); err != nil || connack[0] != 0x20 {
		return fmt.Errorf("proxybench: warm-up connection: % x, %v", connack, err)
	}
	c.Write([]byte{0xe0, 0})
	io.Copy(io.Discard, c)
	return quiesce(p)
}

// quiesce waits until no client is connected to the pair and the link's frames have all
// arrived.
func quiesce(p *pairServers) error {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		e, k := p.edge.Metrics().Counters(), p.core.Metrics().Counters()
		if e.Active == 0 && k.Active == 0 && e.LinkBytes == k.LinkBytes && p.relay.idle() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("proxybench: the pair is still busy: edge %+v, core %+v", e, k)
		}
	}
}

// timedRun replays every conversation at once at its captured timing sped up, to addr.
func timedRun(addr string, convs []*Conversation, speed float64) (*recorder, error) {
	rec := newRecorder()
	return rec, replayAll(addr, convs, speed, rec)
}

func replayAll(addr string, convs []*Conversation, speed float64, rec *recorder) error {
	t0 := convs[0].Times[0]
	for _, cv := range convs {
		t0 = min(t0, cv.Times[0])
	}
	start := time.Now().Add(50 * time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, len(convs))
	for i, cv := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = replay(addr, cv, speed, start, t0, rec, 300*time.Millisecond)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// latency replays the capture at its timing sped up to a stand-in broker, directly or through
// a pair, cfg.Runs times, and returns the latency of the PUBLISH packets.
func latency(convs []*Conversation, cfg Config, pair bool) (Latency, error) {
	var runs []Latency
	for range cfg.Runs {
		l, err := latencyOnce(convs, cfg, pair)
		if err != nil {
			return l, err
		}
		runs = append(runs, l)
	}
	return median(runs), nil
}

// latencyOnce is one run of latency.
func latencyOnce(convs []*Conversation, cfg Config, pair bool) (Latency, error) {
	rec := newRecorder()
	s, err := startSink(rec)
	if err != nil {
		return Latency{}, err
	}
	defer s.close()
	addr := s.addr()
	var p *pairServers
	if pair {
		if p, err = startPair(addr, cfg, false); err != nil {
			return Latency{}, err
		}
		addr = p.edgeAddr
	}
	err = replayAll(addr, convs, cfg.Speed, rec)
	time.Sleep(50 * time.Millisecond)
	if p != nil {
		p.close()
	}
	return rec.latency(), err
}

// throughput replays cfg.Copies copies of the capture at once, untimed, through a fresh pair
// and measures how long the core takes to hand every client message to the broker.
func throughput(rep *Report, broker string, convs []*Conversation, cfg Config) error {
	p, err := startPair(broker, cfg, false)
	if err != nil {
		return err
	}
	defer p.close()
	var all []*Conversation
	want := 0
	for k := range cfg.Copies {
		for i, cv := range convs {
			r, err := cv.renamed(fmt.Sprintf("bench-%d-%d", k, i))
			if err != nil {
				return err
			}
			all = append(all, r)
			want += len(r.Packets)
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, cv := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replay(p.edgeAddr, cv, 0, start, 0, nil, 200*time.Millisecond)
		}()
	}
	deadline := time.Now().Add(5 * time.Minute)
	for p.core.Metrics().Counters().Messages[proxy.Up] < int64(want) {
		if time.Now().After(deadline) {
			return fmt.Errorf("proxybench: the core forwarded %d of %d messages", p.core.Metrics().Counters().Messages[proxy.Up], want)
		}
		time.Sleep(time.Millisecond)
	}
	rep.ThroughDur = time.Since(start)
	rep.ThroughN = want
	rep.Throughput = float64(want) / rep.ThroughDur.Seconds()
	wg.Wait()
	return nil
}

// pairServers is an edge and a core on loopback ports.
type pairServers struct {
	edge     *proxy.Edge
	core     *proxy.Core
	edgeAddr string
	relay    *relay // counts the link's bytes, when asked for
}

// startPair starts a core in front of broker and an edge in front of it, with a counting relay
// on the link when counted is set.
func startPair(broker string, cfg Config, counted bool) (*pairServers, error) {
	var coreTLS, edgeTLS *tls.Config
	if !cfg.Plain {
		var err error
		if coreTLS, edgeTLS, err = selfSigned(); err != nil {
			return nil, err
		}
	}
	core, err := proxy.NewCore(broker, coreTLS, cfg.Proxy)
	if err != nil {
		return nil, err
	}
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go core.Serve(cl)
	link := cl.Addr().String()
	var r *relay
	if counted {
		if r, err = startRelay(link, !cfg.Plain); err != nil {
			core.Close()
			return nil, err
		}
		link = r.l.Addr().String()
	}
	if edgeTLS != nil {
		edgeTLS.ServerName = "127.0.0.1"
	}
	edge, err := proxy.NewEdge(link, edgeTLS, cfg.Proxy)
	if err != nil {
		core.Close()
		return nil, err
	}
	el, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		core.Close()
		return nil, err
	}
	go edge.Serve(el)
	return &pairServers{edge: edge, core: core, edgeAddr: el.Addr().String(), relay: r}, nil
}

func (p *pairServers) close() {
	p.edge.Close()
	p.core.Close()
	if p.relay != nil {
		p.relay.close()
	}
}

// mosquitto is a broker started for the benchmark.
type mosquitto struct {
	addr string
	cmd  *exec.Cmd
}

func startMosquitto(dir string) (*mosquitto, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\n"), 0o644); err != nil {
		return nil, err
	}
	bin := "/usr/sbin/mosquitto" // where Debian installs it
	if p, err := exec.LookPath("mosquitto"); err == nil {
		bin = p
	}
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("proxybench: mosquitto: %w", err)
	}
	m := &mosquitto{addr: addr, cmd: cmd}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return m, nil
		}
	}
	m.stop()
	return nil, errors.New("proxybench: mosquitto did not start")
}

func (m *mosquitto) stop() {
	m.cmd.Process.Kill()
	m.cmd.Wait()
}
