package proxy

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// TestPaho runs the Go paho MQTT 5 client through the pair: binary payloads at QoS 0, 1 and 2
// with MQTT 5 properties, a will published when a client vanishes, and many clients at once,
// each publisher's messages (at one QoS, as MQTT orders messages per QoS) checked for order and bytes at a subscriber behind the pair and
// at one connected to the broker directly.
func TestPaho(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{})

	t.Run("properties", func(t *testing.T) {
		s := connectPaho(t, p.edgeAddr, "props-sub", nil)
		s.subscribe(t, "props/#", 2)
		c := connectPaho(t, p.edgeAddr, "props-pub", nil)
		format := byte(0)
		var sent []*paho.Publish
		for i := range 30 { // the subscriber's messages come in order, for QoS is waited for before the next
			payload := make([]byte, 1+i*37)
			rand.Read(payload)
			m := &paho.Publish{Topic: fmt.Sprintf("props/%d", i%3), QoS: byte(i % 3), Payload: payload,
				Properties: &paho.PublishProperties{ContentType: "application/octet-stream", ResponseTopic: "reply/" + fmt.Sprint(i),
					CorrelationData: []byte{byte(i), 0xFF, 0}, PayloadFormat: &format,
					User: paho.UserProperties{{Key: "seq", Value: fmt.Sprint(i)}, {Key: "k", Value: "ü"}}}}
			c.publish(t, m)
			sent = append(sent, m)
		}
		got := s.wait(t, len(sent))
		for i, m := range sent {
			g := got[i]
			switch {
			case g.Topic != m.Topic || g.QoS != m.QoS || !bytes.Equal(g.Payload, m.Payload):
				t.Fatalf("message %d: got %s %d %x, sent %s %d %x", i, g.Topic, g.QoS, g.Payload, m.Topic, m.QoS, m.Payload)
			case g.Properties == nil || g.Properties.ContentType != m.Properties.ContentType ||
				g.Properties.ResponseTopic != m.Properties.ResponseTopic ||
				!bytes.Equal(g.Properties.CorrelationData, m.Properties.CorrelationData) ||
				g.Properties.PayloadFormat == nil || *g.Properties.PayloadFormat != 0 ||
				g.Properties.User.Get("seq") != fmt.Sprint(i) || g.Properties.User.Get("k") != "ü":
				t.Fatalf("message %d: properties %+v, sent %+v", i, g.Properties, m.Properties)
			}
		}
	})

	t.Run("retained and will", func(t *testing.T) {
		c := connectPaho(t, p.edgeAddr, "retainer", nil)
		c.publish(t, &paho.Publish{Topic: "state/lamp", QoS: 1, Retain: true, Payload: []byte("on")})
		w := connectPaho(t, p.edgeAddr, "mortal", &paho.WillMessage{Topic: "will/mortal", QoS: 1, Payload: []byte("gone\x00\xff")})
		s := connectPaho(t, p.edgeAddr, "watcher", nil)
		s.subscribe(t, "state/#", 1)
		s.subscribe(t, "will/#", 1)
		got := s.wait(t, 1)
		if got[0].Topic != "state/lamp" || !got[0].Retain || string(got[0].Payload) != "on" {
			t.Fatalf("retained message arrived as %v", got[0])
		}
		w.conn.Close() // vanish without DISCONNECT: the broker publishes the will
		got = s.wait(t, 2)
		if got[1].Topic != "will/mortal" || string(got[1].Payload) != "gone\x00\xff" {
			t.Fatalf("will arrived as %v", got[1])
		}
	})

	t.Run("many clients", func(t *testing.T) {
		const clients, each = 40, 25
		behind := connectPaho(t, p.edgeAddr, "many-sub", nil)
		behind.subscribe(t, "many/#", 2)
		direct := connectPaho(t, b.addr, "many-direct", nil)
		direct.subscribe(t, "many/#", 2)
		payloads := make([][][]byte, clients)
		var wg sync.WaitGroup
		for i := range clients {
			payloads[i] = make([][]byte, each)
			for j := range each {
				payloads[i][j] = fmt.Appendf(nil, `{"client":%d,"seq":%d,"temp":%d.%d}`, i, j, 20+j%7, j%10)
			}
			c := connectPaho(t, p.edgeAddr, fmt.Sprintf("many-%d", i), nil)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range each {
					c.publish(t, &paho.Publish{Topic: fmt.Sprintf("many/%d", i), QoS: byte(i % 3), Payload: payloads[i][j]})
				}
			}()
		}
		wg.Wait()
		for _, s := range []*pahoClient{behind, direct} {
			next := make([]int, clients)
			for _, m := range s.wait(t, clients*each) {
				var i int
				fmt.Sscanf(m.Topic, "many/%d", &i)
				if i < 0 || i >= clients || next[i] >= each || !bytes.Equal(m.Payload, payloads[i][next[i]]) {
					t.Fatalf("client %d message %d arrived as %s %q", i, next[i], m.Topic, m.Payload)
				}
				next[i]++
			}
		}
		waitFor(t, "the edge to count the messages", 5*time.Second, func() bool {
			return p.edge.Metrics().Counters().Messages[Down] >= clients*each
		})
	})
	if c := p.edge.Metrics().Counters(); c.Desyncs+c.Rejected != 0 {
		t.Fatalf("connections ended by errors: %+v", c)
	}
}
