package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// An Edge accepts MQTT clients, as if it were the broker, and carries each client's connection
// as a stream of one of its link connections (Config.Links, default one) to a Core, which
// connects to the broker. The edge codes what the clients send and decodes what the broker
// sends.
type Edge struct {
	link string
	tls  *tls.Config
	srv  *server

	mu    sync.Mutex
	slots []linkSlot
	wg    sync.WaitGroup // the link readers
}

// linkSlot is one of the edge's link connections: connected, being dialed, or neither.
type linkSlot struct {
	l     *link
	ready chan struct{} // closed when a dial under way ends
	err   error         // the dial's error
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
	e := &Edge{link: link, tls: tlsConf, srv: srv, slots: make([]linkSlot, srv.cfg.Links)}
	srv.handle = e.handle
	return e, nil
}

// Serve accepts MQTT clients on l until l fails or the Edge is closed (then it returns
// ErrServerClosed).
func (e *Edge) Serve(l net.Listener) error { return e.srv.serve(l) }

// Close stops the listeners, disconnects every client, closes the link connections and waits
// for the connections to end.
func (e *Edge) Close() error {
	e.srv.close()
	e.mu.Lock()
	for _, s := range e.slots {
		if s.l != nil {
			s.l.fail(errors.New("proxy: edge closed"))
		}
	}
	e.mu.Unlock()
	e.wg.Wait()
	return nil
}

// Metrics returns the Edge's counters.
func (e *Edge) Metrics() *Metrics { return e.srv.metrics }

func (e *Edge) handle(c net.Conn, id uint64) {
	m := e.srv.metrics
	m.connections.Add(1)
	m.active.Add(1)
	defer m.active.Add(-1)
	noDelay(c)
	log := e.srv.log.With("conn", id, "client", c.RemoteAddr().String())
	l, err := e.linkFor()
	var s *session
	if err == nil {
		s, err = l.open(c, log.With("stream", 0))
	}
	if err != nil {
		closeGently(c)
		e.srv.finish(log, "connection", fmt.Errorf("proxy: link %s: %w", e.link, err))
		return
	}
	s.log = log.With("stream", s.id)
	s.log.Debug("connected")
	err = s.run()
	reason := reasonOf(err)
	if e.srv.isClosed() && reason == reasonError {
		reason = reasonShutdown
	}
	l.closeStream(s, reason)
	e.srv.finish(s.log, "connection", err)
}

// linkFor returns a link connection for a new client: the first slot without one is dialed
// (clients that arrive meanwhile wait for that dial); with every slot connected, the one with
// the fewest streams.
func (e *Edge) linkFor() (*link, error) {
	e.mu.Lock()
	var best *link
	for i := range e.slots {
		sl := &e.slots[i]
		if sl.l != nil && !sl.l.alive() {
			sl.l = nil
		}
		if sl.ready != nil {
			ready := sl.ready
			e.mu.Unlock()
			<-ready
			e.mu.Lock()
			if sl.l == nil {
				err := sl.err
				e.mu.Unlock()
				return nil, err
			}
		}
		if sl.l == nil {
			sl.ready = make(chan struct{})
			e.mu.Unlock()
			l, err := e.dial()
			e.mu.Lock()
			sl.l, sl.err = l, err
			close(sl.ready)
			sl.ready = nil
			e.mu.Unlock()
			return l, err
		}
		if best == nil || sl.l.count() < best.count() {
			best = sl.l
		}
	}
	e.mu.Unlock()
	return best, nil
}

// dial connects a link to the core, with TLS when configured, sends the handshake and starts
// the link's reader, which first expects the core's echo. Streams may open at once.
func (e *Edge) dial() (*link, error) {
	cfg := &e.srv.cfg
	if e.srv.isClosed() {
		return nil, ErrServerClosed
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", e.link)
	if err != nil {
		return nil, err
	}
	noDelay(raw)
	conn := raw
	if e.tls != nil {
		tc := tls.Client(raw, e.tls)
		hctx, hcancel := context.WithTimeout(context.Background(), cfg.HandshakeTimeout)
		defer hcancel()
		if err := tc.HandshakeContext(hctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("%w: TLS: %w", ErrHandshake, err)
		}
		conn = tc
	}
	p := paramsOf(cfg)
	hdr := p.header()
	conn.SetWriteDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if _, err := conn.Write(hdr); err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetWriteDeadline(time.Time{})
	m := e.srv.metrics
	m.linkBytes[Up].Add(int64(len(hdr)))
	m.links.Add(1)
	m.linksActive.Add(1)
	log := e.srv.log.With("link", e.link, "local", raw.LocalAddr().String())
	l := newLink(conn, cfg, p, m, log, Up)
	l.echo = hdr
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer m.linksActive.Add(-1)
		err := l.run()
		if e.srv.isClosed() {
			err = nil
		}
		e.srv.finish(log, "link", err)
	}()
	log.Info("link connected")
	return l, nil
}
