package proxy

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// A Core accepts link connections from edges and, for each stream an edge opens on one,
// connects to the MQTT broker, to which it forwards ordinary MQTT. It decodes what the clients
// sent and codes what the broker sends.
type Core struct {
	broker string
	tls    *tls.Config
	srv    *server
}

// NewCore returns a Core that connects to the broker at address broker (host:port). With a
// non-nil tlsConf the links use TLS: tlsConf holds the core's certificate and, to accept only
// known edges, ClientAuth set to tls.RequireAndVerifyClientCert with ClientCAs.
func NewCore(broker string, tlsConf *tls.Config, cfg Config) (*Core, error) {
	srv, err := newServer("core", cfg)
	if err != nil {
		return nil, err
	}
	c := &Core{broker: broker, tls: tlsConf, srv: srv}
	srv.handle = c.handle
	return c, nil
}

// Serve accepts link connections on l until l fails or the Core is closed (then it returns
// ErrServerClosed).
func (c *Core) Serve(l net.Listener) error { return c.srv.serve(l) }

// Close stops the listeners, closes every link and broker connection and waits for the
// connections to end.
func (c *Core) Close() error { return c.srv.close() }

// Metrics returns the Core's counters.
func (c *Core) Metrics() *Metrics { return c.srv.metrics }

// handle serves one link connection: the handshake, then its streams until it ends.
func (c *Core) handle(lc net.Conn, id uint64) {
	cfg := &c.srv.cfg
	m := c.srv.metrics
	log := c.srv.log.With("link", id, "edge", lc.RemoteAddr().String())
	noDelay(lc)
	conn, p, err := c.accept(lc)
	if err != nil {
		lc.Close()
		c.srv.finish(log, "link", err)
		return
	}
	hdr := p.header()
	conn.SetWriteDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if _, err := conn.Write(hdr); err != nil {
		conn.Close()
		c.srv.finish(log, "link", fmt.Errorf("proxy: link: %w", err))
		return
	}
	conn.SetWriteDeadline(time.Time{})
	m.linkBytes[Down].Add(int64(len(hdr)))
	m.links.Add(1)
	m.linksActive.Add(1)
	defer m.linksActive.Add(-1)
	log.Info("link connected")
	l := newLink(conn, cfg, p, m, log, Down)
	l.accept = func(s *session) { c.stream(s) }
	err = l.run()
	if c.srv.isClosed() {
		err = nil
	}
	c.srv.finish(log, "link", err)
}

// stream connects to the broker for a stream the edge opened and forwards it until it ends.
func (c *Core) stream(s *session) {
	m := c.srv.metrics
	m.connections.Add(1)
	m.active.Add(1)
	defer m.active.Add(-1)
	err := s.dial(c.broker, c.srv.cfg.DialTimeout)
	if err == nil {
		s.log.Debug("connected", "broker", s.plain.RemoteAddr().String())
		err = s.run()
	} else {
		s.close()
	}
	reason := reasonOf(err)
	if c.srv.isClosed() && reason == reasonError {
		reason = reasonShutdown
	}
	s.l.closeStream(s, reason)
	c.srv.finish(s.log, "stream", err)
}

// accept completes the TLS handshake, if any, and reads the edge's parameters.
func (c *Core) accept(lc net.Conn) (net.Conn, params, error) {
	cfg := &c.srv.cfg
	link := lc
	lc.SetDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if c.tls != nil {
		tc := tls.Server(lc, c.tls)
		if err := tc.Handshake(); err != nil {
			return nil, params{}, fmt.Errorf("%w: TLS: %w", ErrHandshake, err)
		}
		link = tc
	}
	p, err := readHeader(link)
	if err != nil {
		return nil, params{}, err
	}
	c.srv.metrics.linkBytes[Up].Add(headerLen)
	if err := p.acceptable(cfg); err != nil {
		return nil, params{}, err
	}
	lc.SetDeadline(time.Time{})
	return link, p, nil
}
