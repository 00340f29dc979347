package proxy

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// broker is a mosquitto process started by a test on a free loopback port.
type broker struct {
	t    testing.TB
	bin  string
	addr string
	conf string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	exit chan struct{} // closed when cmd has exited
}

// startBroker starts mosquitto (Debian's package) on a free loopback port and stops it when
// the test ends. Tests that need it are skipped where mosquitto is not installed, except in CI.
func startBroker(t testing.TB) *broker {
	t.Helper()
	bin := mosquittoPath()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto is not installed (.ci/run installs it)")
		}
		t.Skip("mosquitto is not installed")
	}
	b := &broker{t: t, bin: bin, conf: filepath.Join(t.TempDir(), "mosquitto.conf")}
	for try := 0; ; try++ {
		b.addr = freeAddr(t)
		_, port, _ := net.SplitHostPort(b.addr)
		conf := fmt.Sprintf("listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n", port)
		if err := os.WriteFile(b.conf, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := b.start(); err == nil {
			break
		} else if try == 3 {
			t.Fatalf("mosquitto: %v\n%s", err, b.log)
		}
	}
	t.Cleanup(b.stop)
	return b
}

// start runs mosquitto with b's configuration and waits until it accepts connections.
func (b *broker) start() error {
	b.log = new(bytes.Buffer)
	b.cmd = exec.Command(b.bin, "-c", b.conf)
	b.cmd.Stdout, b.cmd.Stderr = b.log, b.log
	if err := b.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	b.exit = exited
	cmd := b.cmd
	go func() { cmd.Wait(); close(exited) }()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			return errors.New("mosquitto exited")
		default:
		}
		if c, err := net.Dial("tcp", b.addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.stop()
	return errors.New("mosquitto did not start listening")
}

// mosquittoPath finds the broker, which Debian installs in /usr/sbin, or returns "".
func mosquittoPath() string {
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
		return "/usr/sbin/mosquitto"
	}
	return ""
}

// stop kills the broker.
func (b *broker) stop() {
	if b.cmd != nil {
		b.cmd.Process.Kill()
		<-b.exit
		b.cmd = nil
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// pki is a test certificate authority with a certificate for the core (127.0.0.1) and one for
// the edge.
type pki struct {
	core, edge *tls.Config
}

func newPKI(t testing.TB) pki {
	t.Helper()
	ca, caKey := newCert(t, "mqzip test CA", nil, nil, true)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	coreCert, coreKey := newCert(t, "core", ca, caKey, false)
	edgeCert, edgeKey := newCert(t, "edge", ca, caKey, false)
	pair := func(c *x509.Certificate, k *ecdsa.PrivateKey) tls.Certificate {
		return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: k, Leaf: c}
	}
	return pki{
		core: &tls.Config{Certificates: []tls.Certificate{pair(coreCert, coreKey)}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13},
		edge: &tls.Config{Certificates: []tls.Certificate{pair(edgeCert, edgeKey)}, RootCAs: pool, MinVersion: tls.VersionTLS13},
	}
}

// newCert makes a certificate signed by parent (self-signed when parent is nil) valid for
// 127.0.0.1 and localhost.
func newCert(t testing.TB, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  isCA,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// logBuffer collects a proxy's log lines for a test to inspect.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// pair is an edge and a core on loopback ports in front of a broker, optionally with a relay
// on the link between them.
type pair struct {
	t        testing.TB
	edge     *Edge
	core     *Core
	edgeAddr string
	coreAddr string
	relay    *relay
	log      *logBuffer
	cfg      Config
	pki      *pki
	broker   string
}

type pairOptions struct {
	cfg   Config
	plain bool // no TLS on the link
	relay bool // a relay between edge and core, to cut or corrupt the link
}

// startPair starts a core in front of broker and an edge in front of the core.
func startPair(t testing.TB, broker string, o pairOptions) *pair {
	t.Helper()
	p := &pair{t: t, log: new(logBuffer), cfg: o.cfg, broker: broker}
	p.cfg.Logger = slog.New(slog.NewTextHandler(p.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if !o.plain {
		k := newPKI(t)
		p.pki = &k
	}
	p.coreAddr = p.startCore("127.0.0.1:0")
	linkAddr := p.coreAddr
	if o.relay {
		p.relay = startRelay(t, p.coreAddr)
		linkAddr = p.relay.addr
	}
	p.edgeAddr = p.startEdge("127.0.0.1:0", linkAddr)
	t.Cleanup(func() {
		p.edge.Close()
		p.core.Close()
		if t.Failed() {
			t.Logf("proxy log:\n%s", p.log)
		}
	})
	return p
}

func (p *pair) startCore(addr string) string {
	var tc *tls.Config
	if p.pki != nil {
		tc = p.pki.core
	}
	c, err := NewCore(p.broker, tc, p.cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	l := listen(p.t, addr)
	go c.Serve(l)
	p.core = c
	return l.Addr().String()
}

func (p *pair) startEdge(addr, link string) string {
	var tc *tls.Config
	if p.pki != nil {
		tc = p.pki.edge
	}
	e, err := NewEdge(link, tc, p.cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	l := listen(p.t, addr)
	go e.Serve(l)
	p.edge = e
	return l.Addr().String()
}

// listen listens on addr, retrying for a while when a restarted server's port is still busy.
func listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	for i := 0; ; i++ {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			return l
		}
		if i == 100 {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// corrupt tells the relay how to corrupt the next edge-to-core link connection, which must be
// plain: flip the lowest bit of the data byte at offset flipData (when > 0) of stream 0's coded
// messages, or replace the first one-byte frame header from frame number breakFrame (when > 0)
// on with that of a data frame for stream 15, which is not open.
type corrupt struct {
	flipData   int64
	breakFrame int
}

func (r *relay) setCorrupt(c corrupt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.corrupt = c
}

// relay forwards TCP connections to a target and counts their bytes; a test can cut them all,
// or corrupt a link connection's frames.
type relay struct {
	addr    string
	target  string
	l       net.Listener
	mu      sync.Mutex
	conns   []net.Conn
	corrupt corrupt
	bytes   [2]atomic.Int64 // client (edge) to target (core), and back
}

func startRelay(t testing.TB, target string) *relay {
	r := &relay{target: target, l: listen(t, "127.0.0.1:0")}
	r.addr = r.l.Addr().String()
	go r.serve()
	t.Cleanup(func() { r.l.Close(); r.cut() })
	return r
}

func (r *relay) serve() {
	for {
		c, err := r.l.Accept()
		if err != nil {
			return
		}
		go func() {
			d, err := net.Dial("tcp", r.target)
			if err != nil {
				c.Close()
				return
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, d)
			cr := r.corrupt
			r.corrupt = corrupt{}
			r.mu.Unlock()
			go func() { r.copy(d, c, cr, 0); d.(*net.TCPConn).CloseWrite() }()
			r.copy(c, d, corrupt{}, 1)
			c.(*net.TCPConn).CloseWrite()
		}()
	}
}

// copy copies src to dst, counting the bytes and corrupting a plain link's frames as cr says.
func (r *relay) copy(dst io.Writer, src io.Reader, cr corrupt, dir int) {
	buf := make([]byte, 32<<10)
	var sc frameScanner
	for {
		n, err := src.Read(buf)
		r.bytes[dir].Add(int64(n))
		if cr != (corrupt{}) {
			sc.scan(buf[:n], cr)
		}
		if _, werr := dst.Write(buf[:n]); werr != nil || err != nil {
			return
		}
	}
}

// frameScanner follows the frames of an edge-to-core link connection across reads.
type frameScanner struct {
	off    int    // bytes seen
	hdr    []byte // a frame header read in part
	broken bool   // a frame header has been replaced
	rem    int    // data bytes of the current frame still to come
	remID  uint32
	data0  int64 // data bytes of stream 0 seen
	frames int
}

func (sc *frameScanner) scan(b []byte, cr corrupt) {
	for i := 0; i < len(b); {
		switch {
		case sc.off < headerLen:
			k := min(headerLen-sc.off, len(b)-i)
			sc.off += k
			i += k
		case sc.rem > 0:
			k := min(sc.rem, len(b)-i)
			if sc.remID == 0 && cr.flipData > 0 && sc.data0 <= cr.flipData && cr.flipData < sc.data0+int64(k) {
				b[i+int(cr.flipData-sc.data0)] ^= 1
			}
			if sc.remID == 0 {
				sc.data0 += int64(k)
			}
			sc.rem -= k
			sc.off += k
			i += k
		default:
			sc.hdr = append(sc.hdr, b[i])
			sc.off++
			i++
			f, n, err := parseFrame(sc.hdr)
			if err != nil || n == 0 {
				continue
			}
			sc.frames++
			if cr.breakFrame > 0 && sc.frames >= cr.breakFrame && !sc.broken && len(sc.hdr) == 1 {
				b[i-1] = 15<<3 | 1
				sc.broken = true
			}
			sc.hdr = sc.hdr[:0]
			if f.typ == frameData {
				sc.rem, sc.remID = f.n, f.id
			}
		}
	}
}

// cut closes every relayed connection, as a link that drops.
func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
