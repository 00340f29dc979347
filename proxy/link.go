package proxy

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// link is one link connection at the edge or the core, and the streams it carries. Its reader
// goroutine parses the frames from the far side and hands each stream its data, never
// blocking on a stream or writing to the link; the streams' goroutines code, decode and write
// their frames through the linkWriter.
type link struct {
	conn net.Conn
	cfg  *Config
	p    params
	m    *Metrics
	log  *slog.Logger
	send Direction // the direction this side codes: Up at the edge, Down at the core
	w    linkWriter
	echo []byte // edge: the header the core must echo before its first frame

	// core: called, on its own goroutine, for each stream the edge opens
	accept func(s *session)

	mu      sync.Mutex
	streams map[uint32]*session // streams not yet closed by both sides
	err     error               // why the link ended; set once
	closed  chan struct{}       // closed when the link has ended
	wg      sync.WaitGroup      // core: the accept goroutines
}

func newLink(conn net.Conn, cfg *Config, p params, m *Metrics, log *slog.Logger, send Direction) *link {
	l := &link{conn: conn, cfg: cfg, p: p, m: m, log: log, send: send, streams: map[uint32]*session{}, closed: make(chan struct{})}
	l.w.init(conn, cfg.MaxDelay, cfg.WriteTimeout, &m.linkBytes[send], &m.linkWrites[send])
	return l
}

// noDelay turns Nagle's algorithm off on a TCP connection (Go's default, made explicit: a
// coded message must not wait for the acknowledgement of the previous one).
func noDelay(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
}

// open starts a stream for a client connection (edge). The open frame goes out with the
// stream's first data.
func (l *link) open(plain net.Conn, log *slog.Logger) (*session, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	if len(l.streams) >= maxStreams {
		return nil, fmt.Errorf("proxy: %d streams on the link already", len(l.streams))
	}
	var id uint32
	for l.streams[id] != nil {
		id++
	}
	s := newSession(l, id, log)
	s.plain = plain
	s.opening = true
	l.streams[id] = s
	return s, nil
}

// count returns the number of streams the link carries.
func (l *link) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.streams)
}

// alive reports whether the link has not ended.
func (l *link) alive() bool {
	select {
	case <-l.closed:
		return false
	default:
		return true
	}
}

// error returns why the link ended, wrapping ErrLinkLost only: a stream that the link took
// down counts as a failure, not as what happened to the link.
func (l *link) error() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		return nil
	}
	return fmt.Errorf("%w: %v", ErrLinkLost, l.err)
}

// fail ends the link: it closes the connection, and every stream sees the link lost.
func (l *link) fail(err error) {
	l.mu.Lock()
	if l.err != nil {
		l.mu.Unlock()
		return
	}
	l.err = err
	l.mu.Unlock()
	close(l.closed)
	l.conn.Close()
	l.w.fail(ErrLinkLost)
}

// errLinkEOF is how a link connection that the far side closed between frames ends.
var errLinkEOF = errors.New("proxy: the far side closed the link")

// run reads frames until the link fails, then ends it, waits for the streams the core
// accepted, and returns the error that ended it: nil when the far side closed it between
// frames (its streams, if any, end with ErrLinkLost).
func (l *link) run() error {
	err := l.read()
	l.fail(err)
	l.wg.Wait()
	if err == errLinkEOF {
		return nil
	}
	return err
}

// read parses the frames of the link connection and dispatches them.
func (l *link) read() error {
	recv := 1 - l.send
	if l.echo != nil {
		got := make([]byte, len(l.echo))
		l.conn.SetReadDeadline(time.Now().Add(l.cfg.HandshakeTimeout))
		n, err := io.ReadFull(l.conn, got)
		l.m.linkBytes[recv].Add(int64(n))
		switch {
		case err != nil:
			return fmt.Errorf("%w: the core closed the link before its handshake (parameters refused, or not an mqzip core: see the core's log): %w", ErrHandshake, err)
		case string(got) != string(l.echo):
			return fmt.Errorf("%w: the core answered % x", ErrHandshake, got)
		}
		l.conn.SetReadDeadline(time.Time{})
	}
	buf := make([]byte, readSize)
	start, end := 0, 0
	var cur *session // the stream of the data frame being read
	rem := 0         // its bytes still to come
	short := false   // the frame is shorter than maxData, so ends at a message's end
	frameLen := 0
	for {
		if start == end {
			start, end = 0, 0
		} else if len(buf)-end < 16 {
			end = copy(buf, buf[start:end])
			start = 0
		}
		n, rerr := l.conn.Read(buf[end:])
		end += n
		l.m.linkBytes[recv].Add(int64(n))
		for start < end {
			if rem > 0 {
				k := min(rem, end-start)
				if cur != nil {
					if err := cur.deliver(buf[start:start+k], short && k == rem && k == frameLen); err != nil {
						return err
					}
				}
				l.m.dataBytes[recv].Add(int64(k))
				start += k
				rem -= k
				continue
			}
			f, hn, err := parseFrame(buf[start:end])
			if err != nil {
				return err
			}
			if hn == 0 {
				break
			}
			start += hn
			if f.typ == frameData {
				rem, frameLen, short = f.n, f.n, f.n < maxData
			}
			if cur, err = l.dispatch(f); err != nil {
				return err
			}
		}
		switch {
		case rerr == nil:
		case rerr == io.EOF && start == end && rem == 0:
			return errLinkEOF
		case rerr == io.EOF:
			return fmt.Errorf("%w: link closed inside a frame", ErrFraming)
		default:
			return fmt.Errorf("proxy: link: %w", rerr)
		}
	}
}

// dispatch acts on a frame header; for a data frame it returns the stream whose data follows
// (nil when the stream is closed on this side and its data is dropped).
func (l *link) dispatch(f frame) (*session, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.streams[f.id]
	if f.typ == frameOpen {
		reopen := false
		if s != nil {
			s.mu.Lock()
			reopen = s.closing()
			s.mu.Unlock()
		}
		switch {
		case l.accept == nil:
			return nil, framing("the core opened stream %d", f.id)
		case s != nil && !reopen:
			return nil, framing("stream %d opened twice", f.id)
		case len(l.streams) >= maxStreams:
			return nil, framing("more than %d streams", maxStreams)
		}
		s = newSession(l, f.id, l.log.With("stream", f.id))
		l.streams[f.id] = s
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.accept(s)
		}()
		return nil, nil
	}
	if s == nil {
		return nil, framing("frame for stream %d, which is not open", f.id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peerClose {
		return nil, framing("frame for stream %d after its close", f.id)
	}
	switch f.typ {
	case frameData:
		if s.peerFin {
			return nil, framing("data for stream %d after its fin", f.id)
		}
		if s.localClose {
			return nil, nil
		}
		return s, nil
	case frameFin:
		if s.peerFin {
			return nil, framing("second fin for stream %d", f.id)
		}
		s.peerFin = true
		s.inline = false // the pump passes the fin on, after the data
		s.signal(s.inc)
	case frameClose:
		s.peerClose, s.peerReason = true, f.reason
		if s.closeSent {
			l.forget(s)
		}
		close(s.peerc)
		s.inline = false
		s.signal(s.inc)
	case frameWindow:
		s.credit.Add(int64(f.n))
		s.signal(s.creditc)
	}
	return nil, nil
}

// closeStream sends s's close frame, once its session has ended, and forgets s once the far
// side has closed it too: only then may the edge give its identifier to a new client, whose
// open frame thus follows this close on the link. The edge may reopen the identifier as soon
// as this side's close reaches it, even before this side has noted that it sent it: the core
// then takes the open for a new stream (see session.closing).
func (l *link) closeStream(s *session, reason byte) {
	s.mu.Lock()
	s.localClose = true
	s.in = nil
	s.mu.Unlock()
	l.w.stage(s, nil, func(b []byte) []byte { return appendClose(b, s.id, reason) })
	l.mu.Lock()
	defer l.mu.Unlock()
	s.mu.Lock()
	s.closeSent = true
	gone := s.peerClose
	s.mu.Unlock()
	if gone || l.err != nil {
		l.forget(s)
	}
}

// forget removes s from the streams, unless its identifier has gone to a new stream already;
// l.mu is held.
func (l *link) forget(s *session) {
	if l.streams[s.id] == s {
		delete(l.streams, s.id)
	}
}
