package proxy

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// An Edge accepts MQTT clients, as if it were the broker, and carries each client's connection
// over a link connection of its own to a Core, which connects to the broker. The edge codes
// what the client sends and decodes what the broker sends.
type Edge struct {
	link string
	tls  *tls.Config
	srv  *server
}

// NewEdge returns an Edge whose link connections go to the core at address link (host:port).
// With a non-nil tlsConf the link uses TLS: tlsConf holds the roots that verify the core's
// certificate (nil: the system's), the edge's client certificate when the core asks for one,
// and the server name (default: the host of link).
func NewEdge(link string, tlsConf *tls.Config, cfg Config) (*Edge, error) {
	srv, err := newServer("edge", cfg)
	if err != nil {
		return nil, err
	}
	if tlsConf != nil && tlsConf.ServerName == "" {
		host, _, err := net.SplitHostPort(link)
		if err != nil {
			return nil, fmt.Errorf("%w: link address: %w", ErrConfig, err)
		}
		tlsConf = tlsConf.Clone()
		tlsConf.ServerName = host
	}
	e := &Edge{link: link, tls: tlsConf, srv: srv}
	srv.handle = e.handle
	return e, nil
}

// Serve accepts MQTT clients on l until l fails or the Edge is closed (then it returns
// ErrServerClosed).
func (e *Edge) Serve(l net.Listener) error { return e.srv.serve(l) }

// Close stops the listeners, disconnects every client and waits for the connections to end.
func (e *Edge) Close() error { return e.srv.close() }

// Metrics returns the Edge's counters.
func (e *Edge) Metrics() *Metrics { return e.srv.metrics }

func (e *Edge) handle(c net.Conn, id uint64) {
	cfg := &e.srv.cfg
	log := e.srv.log.With("conn", id, "client", c.RemoteAddr().String())
	link, err := e.dial()
	if err != nil {
		closeGently(c)
		e.srv.finish(log, fmt.Errorf("proxy: link %s: %w", e.link, err))
		return
	}
	p := paramsOf(cfg)
	hdr := p.header()
	link.SetWriteDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if _, err := link.Write(hdr); err != nil {
		link.Close()
		closeGently(c)
		e.srv.finish(log, fmt.Errorf("proxy: link %s: %w", e.link, err))
		return
	}
	link.SetWriteDeadline(time.Time{})
	e.srv.metrics.linkBytes[Up].Add(int64(len(hdr)))
	log.Debug("connected", "link", link.RemoteAddr().String())
	s := &session{cfg: cfg, m: e.srv.metrics, log: log, plain: c, link: link, p: p, enc: Up, echo: hdr}
	e.srv.finish(log, s.run())
}

// dial connects to the core, with TLS when configured.
func (e *Edge) dial() (net.Conn, error) {
	cfg := &e.srv.cfg
	ctx, cancel := context.WithTimeout(context.Background(), cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", e.link)
	if err != nil || e.tls == nil {
		return c, err
	}
	tc := tls.Client(c, e.tls)
	hctx, hcancel := context.WithTimeout(context.Background(), cfg.HandshakeTimeout)
	defer hcancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: TLS: %w", ErrHandshake, err)
	}
	return tc, nil
}
