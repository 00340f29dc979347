package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// closeGrace is how long a stream whose one direction has ended cleanly waits for the other
// to end before it is closed.
const closeGrace = 2 * time.Second

// session is one client connection on one side of the proxy, a stream of a link connection:
// the plain connection (to the client at the edge, to the broker at the core) and the stream's
// state on the link. The side encodes one direction (Up at the edge, Down at the core) and
// decodes the other.
type session struct {
	l       *link
	id      uint32
	log     *slog.Logger
	plain   net.Conn
	enc     Direction
	version atomic.Uint32
	coded   bytes.Buffer // coded messages not yet handed to the link writer
	// guarded by l.w.mu: what the link writer holds of the stream
	opening bool         // edge: the open frame has not gone out yet
	wdata   []byte       // data staged for the next write
	wtail   []byte       // fin and close frames staged after it
	wqueued bool         // the stream is in the writer's order
	credit  atomic.Int64 // bytes this side may still send before the far side grants more
	once    sync.Once
	quit    chan struct{} // closed when the session ends on this side
	peerc   chan struct{} // closed when the far side's close frame arrives
	inc     chan struct{} // signalled when data, a fin or a close arrives
	creditc chan struct{} // signalled when credit arrives

	mu         sync.Mutex
	in         []byte // data received and not yet taken by the decoder
	peerFin    bool
	peerClose  bool
	peerReason byte
	localClose bool // the session has ended: data that arrives is dropped
	closeSent  bool // the close frame has been handed to the link writer
	inline     bool // the link reader owns ds, and decodes and writes what arrives itself
	ds         decodeState
	unwritten  []byte // decoded by the link reader, for the pump to write
	inErr      error  // the link reader's decode failed
	needWindow bool   // the link reader decoded enough for a window frame
	raw        syscall.RawConn
}

func newSession(l *link, id uint32, log *slog.Logger) *session {
	s := &session{l: l, id: id, log: log, enc: l.send,
		quit: make(chan struct{}), peerc: make(chan struct{}), inc: make(chan struct{}, 1), creditc: make(chan struct{}, 1)}
	s.credit.Store(int64(l.p.window))
	return s
}

// closing reports whether both sides have closed s, this one perhaps only just: the edge may
// then open a new stream with its identifier. s.mu is held.
func (s *session) closing() bool { return s.peerClose && s.localClose }

// signal wakes the goroutine waiting on c, if any, without blocking.
func (s *session) signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// peerClosed is the error of a session that the far side closed.
type peerClosed struct {
	side   string
	reason byte
}

func (e *peerClosed) Error() string {
	return fmt.Sprintf("proxy: the %s closed the stream (%s)", e.side, reasonString(e.reason))
}

func (s *session) peerError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	side := "core"
	if s.enc == Down {
		side = "edge"
	}
	return &peerClosed{side: side, reason: s.peerReason}
}

// dial connects to the broker for a stream the edge opened (core), giving up when the stream
// or the link ends first.
func (s *session) dial(broker string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		select {
		case <-s.peerc:
		case <-s.l.closed:
		case <-ctx.Done():
		}
		cancel()
	}()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", broker)
	if err != nil {
		return fmt.Errorf("%w: %w", errBroker, err)
	}
	noDelay(c)
	s.plain = c
	return nil
}

// run forwards both directions until the stream ends and returns the error that ended it, nil
// when both directions ended cleanly.
func (s *session) run() error {
	errc := make(chan error, 2)
	go func() { errc <- s.encodePump() }()
	go func() { errc <- s.decodePump() }()
	pending := 2
	var err error
	select {
	case err = <-errc:
		pending--
	case <-s.l.closed:
		err = s.l.error()
	}
	if err == nil {
		t := time.NewTimer(closeGrace)
		select {
		case err = <-errc:
			pending--
		case <-t.C:
		case <-s.peerc:
			if pe := s.peerError(); pe.(*peerClosed).reason != reasonDone {
				err = pe
			}
		case <-s.l.closed:
			err = s.l.error()
		}
		t.Stop()
	}
	s.close()
	for range pending {
		<-errc
	}
	return err
}

// close closes the plain connection; the pumps then end.
func (s *session) close() {
	s.once.Do(func() {
		close(s.quit)
		switch {
		case s.plain == nil:
		case s.enc == Up:
			closeGently(s.plain)
		default:
			s.plain.Close()
		}
	})
}

// closeGently closes a client's connection with a FIN rather than the reset that closing a
// socket with unread bytes sends: it half-closes c, then discards what the client still sends
// for a moment before closing it.
func closeGently(c net.Conn) {
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		c.Close()
		return
	}
	go func() {
		c.SetReadDeadline(time.Now().Add(time.Second))
		io.Copy(io.Discard, io.LimitReader(c, 1<<20))
		c.Close()
	}()
}

// reasonOf is the reason a close frame gives for err.
func reasonOf(err error) byte {
	var pc *peerClosed
	switch {
	case err == nil:
		return reasonDone
	case errors.As(err, &pc):
		return pc.reason
	case isRejected(err):
		return reasonRejected
	case isDesync(err):
		return reasonDesync
	case errors.Is(err, errBroker):
		return reasonBroker
	}
	return reasonError
}

// errBroker marks a broker that could not be reached.
var errBroker = errors.New("proxy: broker unreachable")

// send hands the coded messages gathered to the link writer, then the frames that extra
// appends, if any.
func (s *session) send(extra func([]byte) []byte) error {
	if s.coded.Len() == 0 && extra == nil {
		return nil
	}
	err := s.l.w.stage(s, s.coded.Bytes(), extra)
	s.l.m.dataBytes[s.enc].Add(int64(s.coded.Len()))
	s.coded.Reset()
	if s.coded.Cap() > 1<<20 {
		s.coded = bytes.Buffer{}
	}
	if err != nil {
		return s.l.error()
	}
	return nil
}

// waitCredit returns once the far side has granted credit for another message, first sending
// what was coded if it has to wait.
func (s *session) waitCredit() error {
	if s.credit.Load() > 0 {
		return nil
	}
	if err := s.send(nil); err != nil {
		return err
	}
	s.l.m.stalls.Add(1)
	for s.credit.Load() <= 0 {
		select {
		case <-s.creditc:
		case <-s.quit:
			return net.ErrClosed
		case <-s.peerc:
			return s.peerError()
		case <-s.l.closed:
			return s.l.error()
		}
	}
	return nil
}

// encodePump reads the packets of direction s.enc from the plain connection, validates them,
// codes them and sends them on the link: those of one read in one data frame.
func (s *session) encodePump() error {
	e := newEncoder(s.enc, s.l.p, &s.coded)
	ck := checker{dir: s.enc, version: &s.version}
	f := newFramer(s.plain, s.l.p.maxPacket)
	m := s.l.m
	need := 0
	for {
		_, rerr := f.fill(need)
		for {
			pkt, n, err := f.next(&ck)
			if err == nil && pkt != nil {
				err = ck.check(pkt)
				if err != nil && !isRejected(err) {
					err = rejected("%w", err)
				}
			}
			if err != nil {
				s.send(nil) // forward the packets before it
				return &PacketError{Dir: s.enc, Index: ck.n, Err: err}
			}
			if pkt == nil {
				need = n
				break
			}
			if err := s.waitCredit(); err != nil {
				return err
			}
			before := s.coded.Len()
			if err := e.encode(pkt); err != nil {
				return fmt.Errorf("proxy: link: %w", err)
			}
			s.credit.Add(-int64(s.coded.Len() - before))
			m.messages[s.enc].Add(1)
			m.mqttBytes[s.enc].Add(int64(len(pkt)))
		}
		switch {
		case rerr == nil:
			if err := s.send(nil); err != nil {
				return err
			}
		case rerr == io.EOF && f.pending() == 0:
			return s.send(func(b []byte) []byte { return appendFin(b, s.id) })
		case rerr == io.EOF:
			s.send(nil)
			return fmt.Errorf("proxy: %s closed its connection inside a packet", s.source())
		default:
			s.send(nil)
			return fmt.Errorf("proxy: %s: %w", s.source(), rerr)
		}
	}
}

// mostPerMessage is the most link bytes one message can take.
func mostPerMessage(p params) int { return max(17*p.modelLimit, p.maxPacket+p.maxPacket/1024) + 256 }

// write writes b to the plain connection.
func (s *session) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if s.l.cfg.WriteTimeout > 0 {
		s.plain.SetWriteDeadline(time.Now().Add(s.l.cfg.WriteTimeout))
		// No deadline left behind: the link reader's writes, which never block, would fail
		// once it had passed.
		defer s.plain.SetWriteDeadline(time.Time{})
	}
	if _, err := s.plain.Write(b); err != nil {
		return fmt.Errorf("proxy: %s: %w", s.source(), err)
	}
	return nil
}

// source names the peer on the plain connection.
func (s *session) source() string {
	if s.enc == Up {
		return "client"
	}
	return "broker"
}

// closeWrite half-closes c when it can, so that the peer sees the end of the stream after all
// that was written.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// quiet reports errors that only say the connection was closed by this side.
func quiet(err error) bool { return errors.Is(err, net.ErrClosed) }
