package proxy

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// A Core accepts link connections from edges and connects each to the MQTT broker, to which it
// forwards ordinary MQTT. It decodes what the client sent and codes what the broker sends.
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

func (c *Core) handle(lc net.Conn, id uint64) {
	cfg := &c.srv.cfg
	log := c.srv.log.With("conn", id, "edge", lc.RemoteAddr().String())
	link, p, err := c.accept(lc)
	if err != nil {
		lc.Close()
		c.srv.finish(log, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	broker, err := d.DialContext(ctx, "tcp", c.broker)
	if err != nil {
		link.Close()
		c.srv.finish(log, fmt.Errorf("proxy: broker: %w", err))
		return
	}
	hdr := p.header()
	link.SetWriteDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if _, err := link.Write(hdr); err != nil {
		broker.Close()
		link.Close()
		c.srv.finish(log, fmt.Errorf("proxy: link: %w", err))
		return
	}
	link.SetWriteDeadline(time.Time{})
	c.srv.metrics.linkBytes[Down].Add(int64(len(hdr)))
	log.Debug("connected", "broker", broker.RemoteAddr().String())
	s := &session{cfg: cfg, m: c.srv.metrics, log: log, plain: broker, link: link, p: p, enc: Down}
	c.srv.finish(log, s.run())
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
