package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// TestManyClientsOneLink connects many clients at once, in waves, through one edge: they all
// ride one link connection (and the core one broker connection each), every message arrives,
// and the stream identifiers of clients that left are given to new ones.
func TestManyClientsOneLink(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{})
	sub := connectPaho(t, p.edgeAddr, "many-watch", nil)
	sub.subscribe(t, "wave/#", 1)
	const waves, clients = 3, 30
	total := 0
	for w := range waves {
		var wg sync.WaitGroup
		cs := make([]*pahoClient, clients)
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cs[i] = connectPaho(t, p.edgeAddr, fmt.Sprintf("wave-%d-%d", w, i), nil)
				for j := range 5 {
					cs[i].publish(t, &paho.Publish{Topic: fmt.Sprintf("wave/%d/%d", w, i), QoS: 1, Payload: fmt.Appendf(nil, "%d %d %d", w, i, j)})
				}
			}()
		}
		wg.Wait()
		total += clients * 5
		sub.wait(t, total)
		if k := p.core.Metrics().Counters(); k.Active != clients+1 {
			t.Fatalf("wave %d: core has %d streams open, want %d", w, k.Active, clients+1)
		}
		for _, c := range cs {
			c.Disconnect(&paho.Disconnect{})
		}
		waitFor(t, "the wave to leave", 10*time.Second, func() bool {
			return p.edge.Metrics().Counters().Active == 1 && p.core.Metrics().Counters().Active == 1
		})
	}
	e, k := p.edge.Metrics().Counters(), p.core.Metrics().Counters()
	switch {
	case e.Links != 1 || e.LinksActive != 1 || k.Links != 1:
		t.Fatalf("edge dialed %d links (%d open), core accepted %d; want one", e.Links, e.LinksActive, k.Links)
	case e.Connections != waves*clients+1 || k.Connections != e.Connections:
		t.Fatalf("edge accepted %d clients, core opened %d streams", e.Connections, k.Connections)
	case e.Desyncs+e.Rejected+e.Failures+k.Desyncs+k.Rejected+k.Failures != 0:
		t.Fatalf("errors: edge %+v, core %+v", e, k)
	}
	p.edge.mu.Lock()
	defer p.edge.mu.Unlock()
	for _, sl := range p.edge.slots {
		if sl.l != nil {
			sl.l.mu.Lock()
			ids := len(sl.l.streams)
			var top uint32
			for id := range sl.l.streams {
				top = max(top, id)
			}
			sl.l.mu.Unlock()
			if ids != 1 || top > clients {
				t.Fatalf("link holds %d streams, the highest %d: identifiers are not reused", ids, top)
			}
		}
	}
}

// TestLinks spreads clients over three link connections.
func TestLinks(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{plain: true, cfg: Config{Links: 3}})
	for i := range 7 {
		c := connectPaho(t, p.edgeAddr, fmt.Sprint("spread-", i), nil)
		c.subscribe(t, fmt.Sprint("spread/", i), 1)
	}
	works(t, p.edgeAddr, "spread-check")
	if e := p.edge.Metrics().Counters(); e.Links != 3 || e.LinksActive != 3 {
		t.Fatalf("edge dialed %d links, %d open; want 3", e.Links, e.LinksActive)
	}
	p.edge.mu.Lock()
	defer p.edge.mu.Unlock()
	for i, sl := range p.edge.slots {
		if n := sl.l.count(); n < 2 || n > 3 {
			t.Fatalf("link %d carries %d streams", i, n)
		}
	}
}

// TestLinkDrop cuts the shared link under many clients: all are disconnected, the core closes
// their broker connections (the broker publishes their wills), and new clients work at once
// over a new link connection that the edge dials for them.
func TestLinkDrop(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{relay: true})
	watcher := connectPaho(t, b.addr, "will-watcher", nil)
	watcher.subscribe(t, "will/#", 1)
	var cs []*pahoClient
	for i := range 8 {
		cs = append(cs, connectPaho(t, p.edgeAddr, fmt.Sprint("dropped-", i), &paho.WillMessage{Topic: fmt.Sprint("will/", i), QoS: 1, Payload: []byte("gone")}))
	}
	p.relay.cut()
	disconnected(t, "link dropped", cs...)
	if got := watcher.wait(t, len(cs)); len(got) != len(cs) {
		t.Fatalf("%d wills", len(got))
	}
	works(t, p.edgeAddr, "after-drop-1")
	works(t, p.edgeAddr, "after-drop-2")
	e, k := p.edge.Metrics().Counters(), p.core.Metrics().Counters()
	if e.Links != 2 || e.LinksActive != 1 || k.Links != 2 || k.LinksActive != 1 {
		t.Fatalf("edge %d links (%d open), core %d (%d open)", e.Links, e.LinksActive, k.Links, k.LinksActive)
	}
	if e.Desyncs+k.Desyncs != 0 {
		t.Fatalf("desyncs: edge %d, core %d", e.Desyncs, k.Desyncs)
	}
}

// TestStalledSubscriberShared floods a subscriber that stops reading while another client
// shares its link connection, with no write timeout: the other client's messages keep flowing
// in both directions, the stalled stream waits for credit at the core (which stops reading
// its broker connection) and the pair's memory stays bounded.
func TestStalledSubscriberShared(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{cfg: Config{Window: 16 << 10}})
	stalled, err := net.Dial("tcp", p.edgeAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	stalled.(*net.TCPConn).SetReadBuffer(4 << 10)
	stalled.Write(connectPacket("stalled-shared"))
	stalled.Write([]byte{0x82, 0x0c, 0x00, 0x01, 0x00, 0x07, 'f', 'l', 'o', 'o', 'd', '/', '#', 0x00})
	waitFor(t, "the subscription", 5*time.Second, func() bool { return p.edge.Metrics().Counters().Messages[Down] >= 2 })
	other := connectPaho(t, p.edgeAddr, "other-shared", nil)
	other.subscribe(t, "other/#", 1)

	flood := connectPaho(t, b.addr, "flooder-shared", nil)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 256) // 4 KiB
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 4000 { // 16 MiB
			if _, err := flood.Client.Publish(t.Context(), &paho.Publish{Topic: "flood/x", Payload: payload}); err != nil {
				return
			}
		}
	}()
	waitFor(t, "the stalled stream to run out of credit", 20*time.Second, func() bool { return p.core.Metrics().Counters().Stalls > 0 })
	for i := range 50 {
		other.publish(t, &paho.Publish{Topic: "other/x", QoS: 1, Payload: fmt.Appendf(nil, "still here %d", i)})
	}
	got := other.wait(t, 50)
	for i, m := range got[:50] {
		if string(m.Payload) != fmt.Sprintf("still here %d", i) {
			t.Fatalf("other client's message %d arrived as %q", i, m.Payload)
		}
	}
	<-done
	e := p.edge.Metrics().Counters()
	// Down: at most the stalled client's socket buffers, the edge's window and one packet.
	if mib := e.MQTTBytes[Down] >> 20; mib > 8 {
		t.Fatalf("the edge forwarded %d MiB to a client that reads nothing", mib)
	}
	p.edge.mu.Lock()
	for _, sl := range p.edge.slots {
		if sl.l == nil {
			continue
		}
		sl.l.mu.Lock()
		for _, s := range sl.l.streams {
			s.mu.Lock()
			if len(s.in) > 16<<10+mostPerMessage(sl.l.p) {
				t.Errorf("stream %d holds %d bytes", s.id, len(s.in))
			}
			s.mu.Unlock()
		}
		sl.l.mu.Unlock()
	}
	p.edge.mu.Unlock()
	if e.Active != 2 {
		t.Fatalf("%d clients connected, want the stalled one and the other", e.Active)
	}
	t.Logf("edge forwarded %d KiB down; core stalled %d times", e.MQTTBytes[Down]>>10, p.core.Metrics().Counters().Stalls)
}

// TestCoalescing sends the same bursts from many clients with no delay and with a max-delay of
// 20 ms: the delay must gather the clients' messages into far fewer link writes and TLS
// records, and fewer bytes on the wire.
func TestCoalescing(t *testing.T) {
	b := startBroker(t)
	type result struct{ writes, wire int64 }
	measure := func(delay time.Duration) result {
		p := startPair(t, b.addr, pairOptions{relay: true, cfg: Config{MaxDelay: delay}})
		const clients, each = 10, 30
		cs := make([]*pahoClient, clients)
		for i := range cs {
			cs[i] = connectPaho(t, p.edgeAddr, fmt.Sprintf("burst-%v-%d", delay, i), nil)
		}
		w0, b0 := p.edge.Metrics().Counters().LinkWrites[Up], p.relay.bytes[0].Load()
		var wg sync.WaitGroup
		for i, c := range cs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range each {
					c.publish(t, &paho.Publish{Topic: fmt.Sprint("burst/", i), Payload: fmt.Appendf(nil, `{"n":%d}`, j)})
					time.Sleep(time.Millisecond)
				}
			}()
		}
		wg.Wait()
		waitFor(t, "the core to forward the bursts", 10*time.Second, func() bool {
			return p.core.Metrics().Counters().Messages[Up] >= clients*(each+1)
		})
		return result{p.edge.Metrics().Counters().LinkWrites[Up] - w0, p.relay.bytes[0].Load() - b0}
	}
	now, later := measure(0), measure(20*time.Millisecond)
	t.Logf("300 messages from 10 clients: %d link writes, %d bytes with TLS at max-delay 0; %d writes, %d bytes at 20 ms", now.writes, now.wire, later.writes, later.wire)
	if later.writes*4 > now.writes || later.wire*2 > now.wire {
		t.Fatalf("max-delay 20ms: %d writes, %d bytes; 0: %d writes, %d bytes", later.writes, later.wire, now.writes, now.wire)
	}
}

// TestStreamReuse connects and disconnects clients as fast as they can, four at a time, so
// that the edge gives the identifiers of streams that have just closed to new ones while the
// close frames cross: the link connection must stay up and every client must get its CONNACK.
func TestStreamReuse(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				c, err := net.Dial("tcp", p.edgeAddr)
				if err != nil {
					errs <- err
					return
				}
				c.Write(connectPacket(fmt.Sprintf("reuse-%d-%d", g, i)))
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				ack := make([]byte, 4)
				if _, err := io.ReadFull(c, ack); err != nil || ack[0] != 0x20 {
					errs <- fmt.Errorf("client %d-%d: CONNACK % x, %v", g, i, ack, err)
					c.Close()
					return
				}
				c.Write([]byte{0xe0, 0}) // DISCONNECT
				io.Copy(io.Discard, c)
				c.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitFor(t, "the streams to close", 10*time.Second, func() bool {
		return p.edge.Metrics().Counters().Active == 0 && p.core.Metrics().Counters().Active == 0
	})
	e, k := p.edge.Metrics().Counters(), p.core.Metrics().Counters()
	if e.Links != 1 || k.Links != 1 || e.Connections != 200 || k.Connections != 200 || e.Desyncs+k.Desyncs+e.Failures+k.Failures != 0 {
		t.Fatalf("edge %+v\ncore %+v", e, k)
	}
}
