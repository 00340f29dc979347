package proxy

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("proxy: server closed")

// server is what Edge and Core share: the listeners, the connections accepted (clients at the
// edge, link connections at the core) and the metrics.
type server struct {
	cfg     Config
	metrics *Metrics
	log     *slog.Logger
	handle  func(c net.Conn, id uint64)

	mu        sync.Mutex
	listeners map[net.Listener]bool
	conns     map[net.Conn]bool
	closed    bool
	wg        sync.WaitGroup
	ids       atomic.Uint64
}

func newServer(role string, cfg Config) (*server, error) {
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &server{
		cfg:       cfg,
		metrics:   &Metrics{role: role},
		log:       cfg.Logger.With("role", role),
		listeners: map[net.Listener]bool{},
		conns:     map[net.Conn]bool{},
	}, nil
}

// serve accepts connections on l until l fails or the server is closed.
func (s *server) serve(l net.Listener) error {
	if !s.track(l, true) {
		l.Close()
		return ErrServerClosed
	}
	defer s.track(l, false)
	var delay time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errTooManyFiles) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "in", delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		if !s.add(c) {
			c.Close()
			return ErrServerClosed
		}
		id := s.ids.Add(1)
		go func() {
			defer s.done(c)
			s.handle(c, id)
		}()
	}
}

func (s *server) track(l net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add && s.closed {
		return false
	}
	if add {
		s.listeners[l] = true
	} else {
		delete(s.listeners, l)
	}
	return true
}

func (s *server) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = true
	s.wg.Add(1)
	return true
}

// done forgets c, which its handler has closed or handed to a session that closed it.
func (s *server) done(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

func (s *server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// close stops the listeners, closes every connection (the sessions then close their other
// connection) and waits for the sessions to end.
func (s *server) close() error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// finish logs how a stream or a link ended and counts it.
func (s *server) finish(log *slog.Logger, what string, err error) {
	s.metrics.count(err)
	var pc *peerClosed
	switch {
	case err == nil:
		log.Info(what + " closed")
	case errors.As(err, &pc) && (pc.reason == reasonDone || pc.reason == reasonShutdown):
		log.Info(what+" closed", "reason", err)
	case s.isClosed() && quiet(err):
		log.Info(what + " closed by shutdown")
	default:
		log.Warn(what+" closed", "reason", err)
	}
}
