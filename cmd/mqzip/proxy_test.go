package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for a process to write and a test to read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startProc starts a long-running process whose output a test reads, and kills it at the end.
func startProc(t *testing.T, name string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(name, args...)
	out := new(lockedBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, out
}

func waitListening(t *testing.T, addr string, out *lockedBuffer) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s:\n%s", addr, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// writePKI writes a CA, a certificate for the core (127.0.0.1) and one for the edge as PEM
// files in dir.
func writePKI(t *testing.T, dir string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", "CERTIFICATE", caDER)
	for i, name := range []string{"core", "edge"} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(2 + i)), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		write(name+".pem", "CERTIFICATE", der)
		write(name+"-key.pem", "EC PRIVATE KEY", kder)
	}
}

// TestProxyCommand runs "mqzip proxy core" and "mqzip proxy edge" with TLS in front of
// mosquitto, passes messages with mosquitto_pub and mosquitto_sub (four clients, all on one
// link connection), reads the Prometheus metrics and stops both with SIGTERM, which logs the
// totals.
func TestProxyCommand(t *testing.T) {
	mosquitto := "/usr/sbin/mosquitto"
	if p, err := exec.LookPath("mosquitto"); err == nil {
		mosquitto = p
	}
	for _, tool := range []string{mosquitto, "mosquitto_pub", "mosquitto_sub"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	writePKI(t, dir)
	broker := freePort(t)
	_, port, _ := net.SplitHostPort(broker)
	conf := filepath.Join(dir, "mosquitto.conf")
	os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous true\n"), 0o644)
	_, mlog := startProc(t, mosquitto, "-c", conf)
	waitListening(t, broker, mlog)

	coreAddr, edgeAddr, metrics := freePort(t), freePort(t), freePort(t)
	core, coreLog := startProc(t, bin, "proxy", "core", "--listen", coreAddr, "--broker", broker,
		"--tls-cert", filepath.Join(dir, "core.pem"), "--tls-key", filepath.Join(dir, "core-key.pem"),
		"--tls-client-ca", filepath.Join(dir, "ca.pem"), "--metrics-addr", metrics, "--log-every", "100ms")
	edge, edgeLog := startProc(t, bin, "proxy", "edge", "--listen", edgeAddr, "--link", coreAddr,
		"--tls-ca", filepath.Join(dir, "ca.pem"), "--tls-cert", filepath.Join(dir, "edge.pem"),
		"--tls-key", filepath.Join(dir, "edge-key.pem"), "--max-delay", "1ms", "--check-bits", "4", "--links", "1", "--window", "32768", "-v")
	for _, log := range []*lockedBuffer{coreLog, edgeLog} {
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(log.String(), "msg=listening"); {
			if time.Now().After(deadline) {
				t.Fatalf("proxy did not start:\n%s", log)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	host, eport, _ := net.SplitHostPort(edgeAddr)
	sub := exec.Command("mosquitto_sub", "-h", host, "-p", eport, "-t", "cli/#", "-C", "3", "-v", "-W", "20")
	var subOut bytes.Buffer
	sub.Stdout = &subOut
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the subscription reach the broker
	for i := range 3 {
		pub := exec.Command("mosquitto_pub", "-h", host, "-p", eport, "-t", fmt.Sprint("cli/", i), "-m", fmt.Sprint("message ", i), "-q", "1")
		if out, err := pub.CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_pub: %v\n%s\nedge:\n%s\ncore:\n%s", err, out, edgeLog, coreLog)
		}
	}
	if err := sub.Wait(); err != nil {
		t.Fatalf("mosquitto_sub: %v\nedge:\n%s\ncore:\n%s", err, edgeLog, coreLog)
	}
	if want := "cli/0 message 0\ncli/1 message 1\ncli/2 message 2\n"; subOut.String() != want {
		t.Fatalf("subscriber got %q, want %q", subOut.String(), want)
	}

	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `mqzip_proxy_messages_total{role="core",direction="down"}`) ||
		!strings.Contains(string(body), `mqzip_proxy_links_total{role="core"} 1`+"\n") ||
		!strings.Contains(string(body), `mqzip_proxy_connections_total{role="core"} 4`+"\n") {
		t.Fatalf("metrics:\n%s", body)
	}
	time.Sleep(150 * time.Millisecond)
	for _, p := range []*exec.Cmd{edge, core} {
		p.Process.Signal(syscall.SIGTERM)
		if err := p.Wait(); err != nil {
			t.Fatalf("%s: %v", p.Args[2], err)
		}
	}
	for name, log := range map[string]string{"edge": edgeLog.String(), "core": coreLog.String()} {
		if !strings.Contains(log, "msg=totals") || strings.Contains(log, "level=WARN") {
			t.Errorf("%s log:\n%s", name, log)
		}
	}
	if !strings.Contains(coreLog.String(), "msg=counters") {
		t.Errorf("core did not log its counters periodically:\n%s", coreLog)
	}
	for _, args := range [][]string{{"proxy"}, {"proxy", "middle"}, {"proxy", "edge"}, {"proxy", "core"}, {"proxy", "edge", "--link", "x:1", "--plain", "--tls-ca", "ca.pem"}} {
		if _, stderr, code := run(t, nil, args...); code == 0 || !strings.Contains(stderr, "mqzip: ") {
			t.Errorf("mqzip %s: exit %d, %s", strings.Join(args, " "), code, stderr)
		}
	}
}
