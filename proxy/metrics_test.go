package proxy

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// TestMetrics checks the counters after real traffic, their Prometheus text over HTTP and the
// log line.
func TestMetrics(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{cfg: Config{MaxDelay: 5 * time.Millisecond}})
	c := connectPaho(t, p.edgeAddr, "metrics", nil)
	c.subscribe(t, "m/#", 1)
	for i := range 50 {
		c.publish(t, &paho.Publish{Topic: "m/x", QoS: byte(i % 2), Payload: []byte(`{"temperature":21.5}`)})
	}
	c.wait(t, 50)
	c.Disconnect(&paho.Disconnect{})
	waitFor(t, "the stream to close on both sides", 5*time.Second, func() bool {
		e, k := p.edge.Metrics().Counters(), p.core.Metrics().Counters()
		return e.Active == 0 && k.Active == 0 && e.LinkBytes == k.LinkBytes
	})
	e := p.edge.Metrics().Counters()
	k := p.core.Metrics().Counters()
	for d := Up; d <= Down; d++ {
		if e.Messages[d] != k.Messages[d] || e.MQTTBytes[d] != k.MQTTBytes[d] || e.LinkBytes[d] != k.LinkBytes[d] {
			t.Errorf("%s: edge counted %d messages, %d bytes, %d link bytes; core %d, %d, %d", d, e.Messages[d], e.MQTTBytes[d], e.LinkBytes[d], k.Messages[d], k.MQTTBytes[d], k.LinkBytes[d])
		}
		if e.Ratio(d) <= 0 || e.Ratio(d) >= 1 {
			t.Errorf("%s: ratio %.3f", d, e.Ratio(d))
		}
	}
	// CONNECT, SUBSCRIBE, 50 PUBLISH, 25 PUBACK, DISCONNECT; CONNACK, SUBACK, 25 PUBACK, 50
	// PUBLISH; and PINGREQ and PINGRESP as paho sees fit.
	if e.Messages[Up] < 78 || e.Messages[Down] < 77 || e.Messages[Up]-e.Messages[Down] != 1 || e.Connections != 1 || e.Desyncs+e.Rejected+e.Failures != 0 ||
		e.Links != 1 || e.LinkWrites[Up] == 0 || e.DataBytes[Up] == 0 || e.DataBytes[Up] >= e.LinkBytes[Up] {
		t.Errorf("edge counters %+v", e)
	}

	srv := httptest.NewServer(p.edge.Metrics())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		"# TYPE mqzip_proxy_messages_total counter\n",
		fmt.Sprintf(`mqzip_proxy_messages_total{role="edge",direction="up"} %d`+"\n", e.Messages[Up]),
		`mqzip_proxy_connections_total{role="edge"} 1` + "\n",
		`mqzip_proxy_desyncs_total{role="edge"} 0` + "\n",
		`mqzip_proxy_links_total{role="edge"} 1` + "\n",
		`mqzip_proxy_links_active{role="edge"} 1` + "\n",
		`mqzip_proxy_link_writes_total{role="edge",direction="up"} `,
		`mqzip_proxy_coded_bytes_total{role="edge",direction="down"} `,
		`mqzip_proxy_stalls_total{role="edge"} 0` + "\n",
		`mqzip_proxy_ratio{role="edge",direction="down"} 0.`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ct)
	}
	var logged bytes.Buffer
	p.core.Metrics().Log(slog.New(slog.NewTextHandler(&logged, nil)), "totals")
	if !strings.Contains(logged.String(), "role=core") || !strings.Contains(logged.String(), fmt.Sprintf("up_messages=%d", k.Messages[Up])) {
		t.Errorf("log line %q", logged.String())
	}
}

// TestPartialTimeout sends the core a valid handshake, opens a stream and sends half of a coded
// CONNECT on it, then nothing: the core must close the stream as desynchronised, with a close
// frame that gives the reason. When the frame itself is cut short, the core cannot know that
// the message will not complete, and gives up on it after PartialTimeout; a whole frame that
// ends inside a message is a desynchronisation as soon as it is decoded (or, if it is decoded
// while the stream's goroutine holds it, after PartialTimeout too).
func TestPartialTimeout(t *testing.T) {
	b := startBroker(t)
	p := startPair(t, b.addr, pairOptions{plain: true, cfg: Config{PartialTimeout: 300 * time.Millisecond}})
	par := paramsOf(&p.core.srv.cfg)
	var coded bytes.Buffer
	if err := newEncoder(Up, par, &coded).encode(connectPacket("partial")); err != nil {
		t.Fatal(err)
	}
	half := coded.Bytes()[:coded.Len()/2]
	frame := appendData(appendOpen(nil, 0), 0, coded.Bytes())
	for i, c := range []struct {
		name string
		send []byte
		log  string
	}{
		{"frame cut short", frame[:len(frame)-len(half)], "incomplete after"},
		{"message cut short", appendData(appendOpen(nil, 0), 0, half), "desynchronised"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", p.coreAddr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write(par.header())
			conn.Write(c.send)
			waitFor(t, "the core to give up", 5*time.Second, func() bool {
				return strings.Contains(p.log.String(), c.log) && p.core.Metrics().Counters().Desyncs == int64(i+1)
			})
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			reply := make([]byte, headerLen+3)
			if _, err := io.ReadFull(conn, reply); err != nil {
				t.Fatal(err)
			}
			if f, n, err := parseFrame(reply[headerLen:]); err != nil || n != 3 || f.typ != frameClose || f.id != 0 || f.reason != reasonDesync {
				t.Fatalf("core answered % x", reply[headerLen:])
			}
		})
	}
}
