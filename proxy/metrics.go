package proxy

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
)

// Metrics counts what an Edge or a Core has done since it started. Its methods are safe for
// concurrent use.
type Metrics struct {
	role        string
	connections atomic.Int64
	active      atomic.Int64
	messages    [2]atomic.Int64
	mqttBytes   [2]atomic.Int64
	linkBytes   [2]atomic.Int64
	dataBytes   [2]atomic.Int64
	links       atomic.Int64
	linksActive atomic.Int64
	linkWrites  [2]atomic.Int64
	stalls      atomic.Int64
	desyncs     atomic.Int64
	rejected    atomic.Int64
	failures    atomic.Int64
}

// Counters is a snapshot of Metrics. The arrays are indexed by Direction.
type Counters struct {
	Connections int64    // client connections (streams) accepted at the edge, opened at the core
	Active      int64    // client connections open now
	Links       int64    // link connections established (dialed at the edge, accepted at the core)
	LinksActive int64    // link connections open now
	Messages    [2]int64 // MQTT packets forwarded
	MQTTBytes   [2]int64 // their bytes
	LinkBytes   [2]int64 // bytes sent (Up at the edge, Down at the core) or received on the link: frames and handshakes, below TLS
	DataBytes   [2]int64 // the coded messages within LinkBytes, without framing
	LinkWrites  [2]int64 // writes to the link by the side that sends that direction (over TLS, one record each up to 16 KiB)
	Stalls      int64    // times a stream waited for credit because the far side's client or broker was not reading
	Desyncs     int64    // streams closed because their coded messages desynchronised, and links because their framing was corrupt
	Rejected    int64    // streams closed because a client or broker sent a packet refused
	Failures    int64    // streams closed by other errors (link lost, broker unreachable, I/O) and links that failed (handshake, I/O)
}

// Ratio returns the link bytes per MQTT byte of direction d, or 0 before any message.
func (c Counters) Ratio(d Direction) float64 {
	if c.MQTTBytes[d] == 0 {
		return 0
	}
	return float64(c.LinkBytes[d]) / float64(c.MQTTBytes[d])
}

// Counters returns a snapshot of the counters.
func (m *Metrics) Counters() Counters {
	c := Counters{
		Connections: m.connections.Load(),
		Active:      m.active.Load(),
		Links:       m.links.Load(),
		LinksActive: m.linksActive.Load(),
		Stalls:      m.stalls.Load(),
		Desyncs:     m.desyncs.Load(),
		Rejected:    m.rejected.Load(),
		Failures:    m.failures.Load(),
	}
	for d := range 2 {
		c.Messages[d] = m.messages[d].Load()
		c.MQTTBytes[d] = m.mqttBytes[d].Load()
		c.LinkBytes[d] = m.linkBytes[d].Load()
		c.DataBytes[d] = m.dataBytes[d].Load()
		c.LinkWrites[d] = m.linkWrites[d].Load()
	}
	return c
}

// WritePrometheus writes the counters in the Prometheus text exposition format (version
// 0.0.4), labelled with the proxy's role ("edge" or "core") and the direction.
func (m *Metrics) WritePrometheus(w io.Writer) error {
	c := m.Counters()
	pw := &promWriter{w: w, role: m.role}
	pw.metric("mqzip_proxy_connections_total", "counter", "Client connections accepted.", "", float64(c.Connections))
	pw.metric("mqzip_proxy_connections_active", "gauge", "Client connections open.", "", float64(c.Active))
	pw.metric("mqzip_proxy_links_total", "counter", "Link connections established.", "", float64(c.Links))
	pw.metric("mqzip_proxy_links_active", "gauge", "Link connections open.", "", float64(c.LinksActive))
	pw.metric("mqzip_proxy_stalls_total", "counter", "Times a stream waited for credit from the far side.", "", float64(c.Stalls))
	for _, f := range []struct {
		name, typ, help string
		v               func(Direction) float64
	}{
		{"mqzip_proxy_messages_total", "counter", "MQTT packets forwarded.", func(d Direction) float64 { return float64(c.Messages[d]) }},
		{"mqzip_proxy_mqtt_bytes_total", "counter", "Bytes of the MQTT packets forwarded.", func(d Direction) float64 { return float64(c.MQTTBytes[d]) }},
		{"mqzip_proxy_link_bytes_total", "counter", "Bytes on the link below TLS, framing and handshakes included.", func(d Direction) float64 { return float64(c.LinkBytes[d]) }},
		{"mqzip_proxy_coded_bytes_total", "counter", "Bytes of coded messages on the link, without framing.", func(d Direction) float64 { return float64(c.DataBytes[d]) }},
		{"mqzip_proxy_link_writes_total", "counter", "Writes to the link (TLS records up to 16 KiB each) by the sending side.", func(d Direction) float64 { return float64(c.LinkWrites[d]) }},
		{"mqzip_proxy_ratio", "gauge", "Link bytes per MQTT byte.", c.Ratio},
	} {
		pw.header(f.name, f.typ, f.help)
		for d := Up; d <= Down; d++ {
			pw.sample(f.name, `,direction="`+d.String()+`"`, f.v(d))
		}
	}
	pw.metric("mqzip_proxy_desyncs_total", "counter", "Connections closed because the link desynchronised.", "", float64(c.Desyncs))
	pw.metric("mqzip_proxy_rejected_total", "counter", "Connections closed because of a malformed or refused MQTT packet.", "", float64(c.Rejected))
	pw.metric("mqzip_proxy_failures_total", "counter", "Connections closed by other errors.", "", float64(c.Failures))
	return pw.err
}

type promWriter struct {
	w    io.Writer
	role string
	err  error
}

func (p *promWriter) header(name, typ, help string) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
}

func (p *promWriter) sample(name, labels string, v float64) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, "%s{role=%q%s} %g\n", name, p.role, labels, v)
	}
}

func (p *promWriter) metric(name, typ, help, labels string, v float64) {
	p.header(name, typ, help)
	p.sample(name, labels, v)
}

// ServeHTTP serves the counters in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.WritePrometheus(w)
}

// Log logs the counters as one line at level Info.
func (m *Metrics) Log(l *slog.Logger, msg string) {
	c := m.Counters()
	l.Info(msg, "role", m.role, "connections", c.Connections, "active", c.Active, "links", c.Links, "links_active", c.LinksActive,
		"up_messages", c.Messages[Up], "up_mqtt_bytes", c.MQTTBytes[Up], "up_link_bytes", c.LinkBytes[Up], "up_ratio", fmt.Sprintf("%.3f", c.Ratio(Up)),
		"down_messages", c.Messages[Down], "down_mqtt_bytes", c.MQTTBytes[Down], "down_link_bytes", c.LinkBytes[Down], "down_ratio", fmt.Sprintf("%.3f", c.Ratio(Down)),
		"up_writes", c.LinkWrites[Up], "down_writes", c.LinkWrites[Down], "stalls", c.Stalls,
		"desyncs", c.Desyncs, "rejected", c.Rejected, "failures", c.Failures)
}

// count classifies the error that ended a connection.
func (m *Metrics) count(err error) {
	var pc *peerClosed
	switch {
	case err == nil, errors.As(err, &pc):
		// a stream the far side closed: it counted the reason
	case isDesync(err):
		m.desyncs.Add(1)
	case isRejected(err):
		m.rejected.Add(1)
	default:
		m.failures.Add(1)
	}
}
