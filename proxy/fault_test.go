package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// disconnected waits until every client's connection has ended.
func disconnected(t *testing.T, what string, clients ...*pahoClient) {
	t.Helper()
	for i, c := range clients {
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: client %d still connected", what, i)
		}
	}
}

// works checks that a new client can subscribe and get its own message back through addr.
func works(t *testing.T, addr, id string) {
	t.Helper()
	c := connectPaho(t, addr, id, nil)
	c.subscribe(t, "works/"+id, 1)
	c.publish(t, &paho.Publish{Topic: "works/" + id, QoS: 1, Payload: []byte("hello " + id)})
	if got := c.wait(t, 1); string(got[0].Payload) != "hello "+id {
		t.Fatalf("got %q", got[0].Payload)
	}
	c.Disconnect(&paho.Disconnect{})
}

func connectMany(t *testing.T, addr, prefix string, n int) []*pahoClient {
	var cs []*pahoClient
	for i := range n {
		c := connectPaho(t, addr, fmt.Sprintf("%s-%d", prefix, i), nil)
		c.subscribe(t, prefix+"/#", 1)
		cs = append(cs, c)
	}
	return cs
}

// TestRestarts drops the link, restarts the core, restarts the edge and restarts the broker
// under connected clients: each time the clients are disconnected, and new connections, with
// fresh model state on both sides, work at once.
func TestRestarts(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{relay: true})
	works(t, p.edgeAddr, "first")

	cs := connectMany(t, p.edgeAddr, "link", 5)
	p.relay.cut()
	disconnected(t, "link dropped", cs...)
	works(t, p.edgeAddr, "after-link-drop")

	cs = connectMany(t, p.edgeAddr, "core", 5)
	p.core.Close()
	disconnected(t, "core stopped", cs...)
	p.startCore(p.coreAddr)
	works(t, p.edgeAddr, "after-core-restart")

	cs = connectMany(t, p.edgeAddr, "edge", 5)
	p.edge.Close()
	disconnected(t, "edge stopped", cs...)
	p.startEdge(p.edgeAddr, p.relay.addr)
	works(t, p.edgeAddr, "after-edge-restart")

	cs = connectMany(t, p.edgeAddr, "broker", 5)
	b.stop()
	disconnected(t, "broker stopped", cs...)
	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	works(t, p.edgeAddr, "after-broker-restart")
	if c := p.core.Metrics().Counters(); c.Desyncs != 0 {
		t.Fatalf("core counted %d desyncs", c.Desyncs)
	}
}

// TestBrokerUnreachable connects a client while the broker is down: the core cannot reach it
// and the client is disconnected.
func TestBrokerUnreachable(t *testing.T) {
	p := startPair(t, freeAddr(t), pairOptions{})
	c, err := net.Dial("tcp", p.edgeAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(connectPacket("lonely"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
		t.Fatalf("read %d bytes, %v; want the connection closed", n, err)
	}
	waitFor(t, "the log", 5*time.Second, func() bool { return strings.Contains(p.log.String(), "broker") })
}

// connectPacket returns an MQTT 3.1.1 CONNECT with the given client identifier.
func connectPacket(id string) []byte {
	body := append([]byte{0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, byte(len(id))}, id...)
	return append([]byte{0x10, byte(len(body))}, body...)
}

// TestGarbage sends garbage and malformed packets from clients: each connection is closed with
// a logged reason, and a client connected meanwhile on the same link connection is not
// disturbed.
func TestGarbage(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{})
	good := connectPaho(t, p.edgeAddr, "good", nil)
	good.subscribe(t, "good/#", 1)
	for i, c := range []struct {
		name   string
		send   []byte
		reason string
	}{
		{"HTTP", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "not CONNECT"},
		{"TLS hello", []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc}, "not CONNECT"},
		{"PUBLISH first", []byte{0x30, 0x05, 0x00, 0x01, 'a', 'h', 'i'}, "not CONNECT"},
		{"remaining length of 5 bytes", append(connectPacket("rl"), 0x30, 0xff, 0xff, 0xff, 0xff, 0x01), "remaining length"},
		{"too long", append(connectPacket("long"), 0x30, 0xff, 0xff, 0xff, 0x7f), "longer than the limit"},
		{"QoS 3", append(connectPacket("qos3"), 0x36, 0x05, 0x00, 0x01, 'a', 'h', 'i'), "QoS"},
		{"bad CONNECT", []byte{0x10, 0x04, 0x00, 0x02, 'M', 'Q'}, "CONNECT"},
		{"second CONNECT", append(connectPacket("twice"), connectPacket("twice")...), "second CONNECT"},
	} {
		conn, err := net.Dial("tcp", p.edgeAddr)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(c.send)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, conn); err != nil {
			t.Fatalf("%s: %v; want the connection closed", c.name, err)
		}
		conn.Close()
		waitFor(t, c.name+" logged", 5*time.Second, func() bool {
			return strings.Contains(p.log.String(), c.reason) && p.edge.Metrics().Counters().Rejected == int64(i+1)
		})
		good.publish(t, &paho.Publish{Topic: "good/" + fmt.Sprint(i), QoS: 1, Payload: []byte(c.name)})
		if got := good.wait(t, i+1); string(got[i].Payload) != c.name {
			t.Fatalf("good client got %q", got[i].Payload)
		}
	}
	if c := p.core.Metrics().Counters(); c.Desyncs != 0 || c.Links != 1 {
		t.Fatalf("core counted %d desyncs, %d links: one client's garbage must close its stream only", c.Desyncs, c.Links)
	}
}

// TestDesync corrupts one byte of a client's coded messages on the link, which has no TLS
// here, as a link fault or a software fault would desynchronise the two sides of its stream:
// the core must close that stream without forwarding a wrong packet, so a subscriber at the
// broker sees a prefix of what was sent, while another client on the same link connection
// carries on. A flip in the CONNECT leaves the core waiting for the rest of a message that
// never comes, until PartialTimeout.
func TestDesync(t *testing.T) {
	b := startBroker(t)
	for _, flip := range []int64{30, 150, 400} {
		t.Run(fmt.Sprint(flip), func(t *testing.T) {
			p := startPair(t, b.addr, pairOptions{plain: true, relay: true, cfg: Config{CheckBits: 8, PartialTimeout: time.Second}})
			p.relay.setCorrupt(corrupt{flipData: flip})
			direct := connectPaho(t, b.addr, fmt.Sprint("observer-", flip), nil)
			direct.subscribe(t, "sensor/#", 1)
			var sent [][]byte
			c, err := tryPaho(p.edgeAddr, fmt.Sprint("sensor-", flip)) // stream 0
			if err == nil {
				bystander := connectPaho(t, p.edgeAddr, fmt.Sprint("bystander-", flip), nil) // stream 1
				for i := range 300 {
					m := fmt.Appendf(nil, `{"t":%d.%d,"h":%d}`, 20+i%5, i%10, 40+i%3)
					sent = append(sent, m)
					if _, err := c.Publish(t.Context(), &paho.Publish{Topic: "sensor/x", QoS: 0, Payload: m}); err != nil {
						break
					}
				}
				disconnected(t, "desync", &pahoClient{Client: c})
				bystander.subscribe(t, "bystander/#", 1)
				bystander.publish(t, &paho.Publish{Topic: "bystander/x", QoS: 1, Payload: []byte("unaffected")})
				if got := bystander.wait(t, 1); string(got[0].Payload) != "unaffected" {
					t.Fatalf("bystander got %q", got[0].Payload)
				}
			}
			waitFor(t, "the desync", 5*time.Second, func() bool { return p.core.Metrics().Counters().Desyncs == 1 })
			time.Sleep(100 * time.Millisecond)
			if k := p.core.Metrics().Counters(); k.Links != 1 || k.LinksActive != 1 {
				t.Fatalf("core counted %d links, %d active: a stream's desync must not close the link", k.Links, k.LinksActive)
			}
			direct.mu.Lock()
			defer direct.mu.Unlock()
			for i, m := range direct.msgs {
				if i >= len(sent) || !bytes.Equal(m.Payload, sent[i]) {
					t.Fatalf("message %d arrived as %q, not as sent", i, m.Payload)
				}
			}
			t.Logf("flip at coded byte %d of the stream: %d of %d messages forwarded before the desync was caught", flip, len(direct.msgs), len(sent))
		})
	}
}

// TestFramingCorrupt breaks a frame header on a plain link: the core closes the link
// connection, every client on it is disconnected, and new clients work at once over a new
// link connection.
func TestFramingCorrupt(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{plain: true, relay: true})
	p.relay.setCorrupt(corrupt{breakFrame: 40})
	cs := connectMany(t, p.edgeAddr, "framed", 4)
	for i := 0; i < 100; i++ {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		_, err := cs[i%4].Publish(ctx, &paho.Publish{Topic: "framed/x", QoS: 1, Payload: []byte("payload")})
		cancel()
		if err != nil {
			break
		}
	}
	disconnected(t, "framing broken", cs...)
	waitFor(t, "the core to count it", 5*time.Second, func() bool { return p.core.Metrics().Counters().Desyncs == 1 })
	if !strings.Contains(p.log.String(), "link framing corrupt") {
		t.Fatalf("log does not say why")
	}
	works(t, p.edgeAddr, "after-framing")
	if e := p.edge.Metrics().Counters(); e.Links != 2 || e.LinksActive != 1 {
		t.Fatalf("edge counted %d links, %d active", e.Links, e.LinksActive)
	}
}

// tryPaho connects a paho client, returning an error where connectPaho fails the test.
func tryPaho(addr, id string) (*paho.Client, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := paho.NewClient(paho.ClientConfig{ClientID: id, Conn: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: id, KeepAlive: 30, CleanStart: true}); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// TestStalledSubscriber floods a subscriber that stops reading: the pair's memory stays bounded
// (TCP stops the core reading from the broker), another client is not disturbed, and with a
// write timeout the edge closes the stalled connection.
func TestStalledSubscriber(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{cfg: Config{WriteTimeout: 2 * time.Second}})
	stalled, err := net.Dial("tcp", p.edgeAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	stalled.(*net.TCPConn).SetReadBuffer(4 << 10)
	stalled.Write(connectPacket("stalled"))
	stalled.Write([]byte{0x82, 0x0c, 0x00, 0x01, 0x00, 0x07, 'f', 'l', 'o', 'o', 'd', '/', '#', 0x00})
	waitFor(t, "the subscription", 5*time.Second, func() bool { return p.edge.Metrics().Counters().Messages[Down] >= 2 })
	other := connectPaho(t, p.edgeAddr, "other", nil)
	other.subscribe(t, "other/#", 1)

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	flood := connectPaho(t, b.addr, "flooder", nil)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 512) // 8 KiB
	const total = 6000                                       // 48 MiB
	var peak uint64
	for i := range total {
		if _, err := flood.Client.Publish(t.Context(), &paho.Publish{Topic: "flood/x", Payload: payload}); err != nil {
			t.Fatal(err)
		}
		if i%500 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	other.publish(t, &paho.Publish{Topic: "other/x", QoS: 1, Payload: []byte("still here")})
	if got := other.wait(t, 1); string(got[0].Payload) != "still here" {
		t.Fatalf("other client got %q", got[0].Payload)
	}
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	forwarded := p.edge.Metrics().Counters().MQTTBytes[Down]
	t.Logf("%d MiB published; the edge forwarded %d MiB down; heap grew by at most %d MiB", total*len(payload)>>20, forwarded>>20, (peak-base)>>20)
	if peak > base+64<<20 {
		t.Fatalf("heap grew from %d to %d MiB", base>>20, peak>>20)
	}
	waitFor(t, "the write timeout", 15*time.Second, func() bool { return strings.Contains(p.log.String(), "i/o timeout") })
}

// TestTLSRefused connects an edge whose certificate the core's CA did not sign, and an edge
// without TLS: the core refuses both and their clients are disconnected.
func TestTLSRefused(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{})
	other := newPKI(t)
	for name, tc := range map[string]*tls.Config{"unknown CA": other.edge, "no TLS": nil} {
		e, err := NewEdge(p.coreAddr, tc, Config{})
		if err != nil {
			t.Fatal(err)
		}
		l := listen(t, "127.0.0.1:0")
		go e.Serve(l)
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write(connectPacket("refused"))
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
			t.Fatalf("%s: read %d bytes, %v; want the connection closed", name, n, err)
		}
		c.Close()
		e.Close()
	}
	waitFor(t, "the core to refuse both", 15*time.Second, func() bool { return p.core.Metrics().Counters().Failures >= 2 })
	if !strings.Contains(p.log.String(), "TLS") {
		t.Fatalf("log does not name TLS:\n%s", p.log)
	}
}

// TestParamsRefused connects an edge that asks for a larger model than the core allows.
func TestParamsRefused(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{plain: true})
	e, err := NewEdge(p.coreAddr, nil, Config{ModelBits: 12})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	l := listen(t, "127.0.0.1:0")
	go e.Serve(l)
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(connectPacket("big-model"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
		t.Fatalf("read %d bytes, %v; want the connection closed", n, err)
	}
	waitFor(t, "the core's reason", 5*time.Second, func() bool { return strings.Contains(p.log.String(), "model bits") })
}
