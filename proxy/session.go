package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// closeGrace is how long a connection whose one direction has ended cleanly waits for the
// other to end before it is closed.
const closeGrace = 2 * time.Second

// session is one client connection on one side of the proxy: the plain connection (to the
// client at the edge, to the broker at the core) and its link connection. The side encodes one
// direction (Up at the edge, Down at the core) and decodes the other.
type session struct {
	cfg     *Config
	m       *Metrics
	log     *slog.Logger
	plain   net.Conn
	link    net.Conn
	p       params
	enc     Direction
	echo    []byte // the header the core must echo before its first message (edge only)
	version atomic.Uint32
	once    sync.Once
}

// run forwards both directions until the connection ends and returns the error that ended it,
// nil when both directions ended cleanly.
func (s *session) run() error {
	errc := make(chan error, 2)
	go func() { errc <- s.encodePump() }()
	go func() { errc <- s.decodePump() }()
	err := <-errc
	if err == nil {
		t := time.NewTimer(closeGrace)
		select {
		case err = <-errc:
			t.Stop()
			s.close()
			return err
		case <-t.C:
		}
	}
	s.close()
	<-errc
	return err
}

// close closes both connections; the pumps then end.
func (s *session) close() {
	s.once.Do(func() {
		if s.enc == Up {
			closeGently(s.plain)
		} else {
			s.plain.Close()
		}
		s.link.Close()
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

// encodePump reads the packets of direction s.enc from the plain connection, validates them,
// codes them and sends them on the link.
func (s *session) encodePump() error {
	lw := &linkWriter{conn: s.link, delay: s.cfg.MaxDelay, timeout: s.cfg.WriteTimeout, bytes: &s.m.linkBytes[s.enc]}
	e := newEncoder(s.enc, s.p, lw)
	ck := checker{dir: s.enc, version: &s.version}
	f := newFramer(s.plain, s.p.maxPacket)
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
				lw.close() // forward the packets before it
				return &PacketError{Dir: s.enc, Index: ck.n, Err: err}
			}
			if pkt == nil {
				need = n
				break
			}
			if err := e.encode(pkt); err != nil {
				return fmt.Errorf("proxy: link: %w", err)
			}
			s.m.messages[s.enc].Add(1)
			s.m.mqttBytes[s.enc].Add(int64(len(pkt)))
		}
		if err := lw.endBatch(); err != nil {
			return fmt.Errorf("proxy: link: %w", err)
		}
		switch {
		case rerr == nil:
		case rerr == io.EOF && f.pending() == 0:
			if err := lw.close(); err != nil {
				return fmt.Errorf("proxy: link: %w", err)
			}
			closeWrite(s.link)
			return nil
		case rerr == io.EOF:
			return fmt.Errorf("proxy: %s closed its connection inside a packet", s.source())
		default:
			return fmt.Errorf("proxy: %s: %w", s.source(), rerr)
		}
	}
}

// decodePump decodes the packets of the other direction from the link, validates them and
// forwards them on the plain connection.
func (s *session) decodePump() error {
	dir := 1 - s.enc
	if s.echo != nil {
		got := make([]byte, len(s.echo))
		n, err := io.ReadFull(s.link, got)
		s.m.linkBytes[dir].Add(int64(n))
		switch {
		case err != nil:
			return fmt.Errorf("%w: the core closed the link before its handshake (broker unreachable, or parameters refused: see the core's log): %w", ErrHandshake, err)
		case !bytes.Equal(got, s.echo):
			return fmt.Errorf("%w: the core answered % x", ErrHandshake, got)
		}
	}
	d := newDecoder(dir, s.p)
	ck := checker{dir: dir, version: &s.version}
	var buf, out []byte
	start := 0
	for {
		buf = buf[:copy(buf, buf[start:])]
		start = 0
		buf = grow(buf, len(buf)+readSize)
		if len(buf) > 0 {
			s.link.SetReadDeadline(time.Now().Add(s.cfg.PartialTimeout))
		} else {
			s.link.SetReadDeadline(time.Time{})
		}
		n, rerr := s.link.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		s.m.linkBytes[dir].Add(int64(n))
		if errors.Is(rerr, os.ErrDeadlineExceeded) {
			return &PacketError{Dir: dir, Index: d.n, Err: desync("message incomplete after %v without link bytes", s.cfg.PartialTimeout)}
		}
		for {
			pkt, used, err := d.decode(buf[start:])
			if err == nil && used > 0 {
				if err = ck.check(pkt); err != nil {
					err = desync("decoded packet fails validation: %w", err)
				}
			}
			if err != nil {
				s.write(out)
				return &PacketError{Dir: dir, Index: d.n, Err: err}
			}
			if used == 0 {
				break
			}
			start += used
			if len(out)+len(pkt) > flushAt {
				if err := s.write(out); err != nil {
					return err
				}
				out = out[:0]
			}
			if len(pkt) > flushAt {
				if err := s.write(pkt); err != nil {
					return err
				}
			} else {
				out = append(out, pkt...)
			}
			s.m.messages[dir].Add(1)
			s.m.mqttBytes[dir].Add(int64(len(pkt)))
		}
		if err := s.write(out); err != nil {
			return err
		}
		out = out[:0]
		switch {
		case rerr == nil:
		case rerr == io.EOF && start == len(buf):
			closeWrite(s.plain)
			return nil
		case rerr == io.EOF:
			return fmt.Errorf("proxy: link closed inside a message (%d bytes pending)", len(buf)-start)
		default:
			return fmt.Errorf("proxy: link: %w", rerr)
		}
	}
}

// write writes b to the plain connection.
func (s *session) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if s.cfg.WriteTimeout > 0 {
		s.plain.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
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
