package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// mosquittoArgs returns the -h and -p arguments of the mosquitto clients for addr.
func mosquittoArgs(t testing.TB, addr string) []string {
	t.Helper()
	if _, err := exec.LookPath("mosquitto_pub"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto-clients is not installed (.ci/run installs it)")
		}
		t.Skip("mosquitto-clients is not installed")
	}
	host, port, _ := net.SplitHostPort(addr)
	return []string{"-h", host, "-p", port}
}

// pub runs mosquitto_pub to completion.
func pub(t testing.TB, addr string, stdin []byte, args ...string) {
	t.Helper()
	cmd := exec.Command("mosquitto_pub", append(mosquittoArgs(t, addr), args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_pub %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// sub is a running mosquitto_sub whose output lines a test reads.
type sub struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{}
	err   bytes.Buffer
}

func startSub(t testing.TB, addr string, args ...string) *sub {
	t.Helper()
	s := &sub{cmd: exec.Command("mosquitto_sub", append(mosquittoArgs(t, addr), args...)...), lines: make(chan string, 1000), done: make(chan struct{})}
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = &s.err
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
	return s
}

// expect reads the next lines and compares them with want.
func (s *sub) expect(t testing.TB, want ...string) {
	t.Helper()
	for i, w := range want {
		select {
		case got, ok := <-s.lines:
			if !ok {
				t.Fatalf("mosquitto_sub ended after %d of %d lines: %s", i, len(want), s.err.String())
			}
			if got != w {
				t.Fatalf("line %d: got %q, want %q", i, got, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for line %d, %q", i, w)
		}
	}
}

func hexOf(s string) string { return fmt.Sprintf("%x", s) }

// TestMosquittoClients runs mosquitto_pub and mosquitto_sub through the pair, with TLS on the
// link, for MQTT 3.1, 3.1.1 and 5.0: a retained message, QoS 0, 1 and 2 in order, MQTT 5
// properties, and a 1 MB binary payload that must arrive byte-identical.
func TestMosquittoClients(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{})
	for _, v := range []string{"mqttv31", "mqttv311", "mqttv5"} {
		t.Run(v, func(t *testing.T) {
			topic := "test/" + v
			pub(t, p.edgeAddr, nil, "-V", v, "-t", topic+"/retained", "-m", "kept", "-r", "-q", "1")
			format := "%t|%r|%x"
			if v == "mqttv5" {
				format = "%t|%r|%C|%R|%P|%x"
			}
			s := startSub(t, p.edgeAddr, "-V", v, "-t", topic+"/#", "-q", "2", "-F", format)
			line := func(sub string, retained bool, payload string) string {
				r := "0"
				if retained {
					r = "1"
				}
				if v == "mqttv5" {
					return topic + sub + "|" + r + "||||" + hexOf(payload)
				}
				return topic + sub + "|" + r + "|" + hexOf(payload)
			}
			s.expect(t, line("/retained", true, "kept"))
			var want []string
			for qos := range 3 {
				var in bytes.Buffer
				for i := range 20 {
					msg := fmt.Sprintf("qos %d message %d %s", qos, i, strings.Repeat("x", i))
					in.WriteString(msg + "\n")
					want = append(want, line(fmt.Sprintf("/q%d", qos), false, msg))
				}
				pub(t, p.edgeAddr, in.Bytes(), "-V", v, "-t", fmt.Sprintf("%s/q%d", topic, qos), "-q", fmt.Sprint(qos), "-l")
			}
			s.expect(t, want...)
			if v == "mqttv5" {
				pub(t, p.edgeAddr, nil, "-V", v, "-t", topic+"/props", "-m", "with properties", "-q", "1",
					"-D", "publish", "content-type", "text/plain", "-D", "publish", "response-topic", "reply/here",
					"-D", "publish", "user-property", "k1", "v1", "-D", "publish", "user-property", "k2", "v2",
					"-D", "connect", "session-expiry-interval", "30")
				s.expect(t, topic+"/props|0|text/plain|reply/here|k1:v1 k2:v2|"+hexOf("with properties"))
			}
		})
	}
	t.Run("1MB", func(t *testing.T) {
		payload := make([]byte, 1<<20)
		rand.Read(payload[:len(payload)/2]) // half random, half zeros
		file := filepath.Join(t.TempDir(), "payload")
		if err := os.WriteFile(file, payload, 0o644); err != nil {
			t.Fatal(err)
		}
		before := p.edge.Metrics().Counters().Messages[Down]
		cmd := exec.Command("mosquitto_sub", append(mosquittoArgs(t, p.edgeAddr), "-t", "big", "-q", "1", "-C", "1", "-N", "-W", "30")...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// CONNACK and SUBACK
		waitFor(t, "the subscription", 5*time.Second, func() bool { return p.edge.Metrics().Counters().Messages[Down] >= before+2 })
		pub(t, p.edgeAddr, nil, "-t", "big", "-q", "1", "-f", file)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("mosquitto_sub: %v: %s", err, errb.String())
		}
		if !bytes.Equal(out.Bytes(), payload) {
			t.Fatalf("1 MB payload arrived as %d bytes, different", out.Len())
		}
	})
	c := p.edge.Metrics().Counters()
	t.Logf("edge: %d up messages, %d bytes, %d on the link; %d down, %d bytes, %d on the link", c.Messages[Up], c.MQTTBytes[Up], c.LinkBytes[Up], c.Messages[Down], c.MQTTBytes[Down], c.LinkBytes[Down])
	if c.Desyncs+c.Rejected+c.Failures != 0 {
		t.Fatalf("connections ended by errors: %+v", c)
	}
}

// pahoClient connects a paho.golang MQTT 5 client to addr.
type pahoClient struct {
	*paho.Client
	conn net.Conn
	mu   sync.Mutex
	msgs []*paho.Publish
	got  chan struct{}
}

func connectPaho(t testing.TB, addr, id string, will *paho.WillMessage) *pahoClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	pc := &pahoClient{conn: conn, got: make(chan struct{}, 1)}
	pc.Client = paho.NewClient(paho.ClientConfig{
		ClientID: id,
		Conn:     conn,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(r paho.PublishReceived) (bool, error) {
			pc.mu.Lock()
			pc.msgs = append(pc.msgs, r.Packet)
			pc.mu.Unlock()
			select {
			case pc.got <- struct{}{}:
			default:
			}
			return true, nil
		}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ca, err := pc.Connect(ctx, &paho.Connect{ClientID: id, KeepAlive: 30, CleanStart: true, WillMessage: will})
	if err != nil {
		t.Fatalf("paho connect %s: %v (%+v)", id, err, ca)
	}
	t.Cleanup(func() { conn.Close() })
	return pc
}

func (c *pahoClient) subscribe(t testing.TB, topic string, qos byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: topic, QoS: qos}}}); err != nil {
		t.Fatalf("subscribe %s: %v", topic, err)
	}
}

func (c *pahoClient) publish(t testing.TB, p *paho.Publish) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Publish(ctx, p); err != nil {
		t.Fatalf("publish %s: %v", p.Topic, err)
	}
}

// wait waits until the client has received n messages and returns them.
func (c *pahoClient) wait(t testing.TB, n int) []*paho.Publish {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		have := len(c.msgs)
		c.mu.Unlock()
		if have >= n {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.msgs
		}
		select {
		case <-c.got:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("received %d of %d messages", have, n)
		}
	}
}
