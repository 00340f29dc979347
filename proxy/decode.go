package proxy

import (
	"net"
	"time"
)

// The receiving side of a stream decodes the far side's messages and writes the packets to its
// plain connection. Its pump goroutine (decodePump) does this in general. But a goroutine hop
// per message costs latency, so while the pump is idle it hands its decode state to the link
// reader (inline mode): the link reader then decodes a small piece of data at once, as it
// arrives, and writes the packets without blocking. Anything else hands the state back to the
// pump: a write the plain connection does not take whole (a slow client or broker), a message
// split across reads, a larger piece of data, a fin, a close, an error, or enough data decoded
// for a window frame (the link reader never writes to the link, nor blocks on a stream). Only
// the link reader takes the state from the pump, so they never decode at once.

// inlineMax is the most data the link reader decodes itself at once: DEFLATE expands 256 bytes
// to at most about 260 KB, which it inflates in well under a millisecond.
const inlineMax = 256

// decodeState is the receiving side's state of a stream: its owner (the pump, or the link
// reader in inline mode) alone uses it.
type decodeState struct {
	d        *decoder
	ck       checker
	buf      []byte // pump: data received and not yet decoded, from start
	start    int
	out      []byte // decoded packets not yet written
	consumed int    // data decoded since the last window frame
}

// decodeAll decodes the complete messages at the start of b, appending their packets to
// ds.out until it holds flushAt bytes, and returns the bytes they took. With whole set, b
// holds whole messages only (see decoder.decodeWhole).
func (s *session) decodeAll(ds *decodeState, b []byte, whole bool) (int, error) {
	m := s.l.m
	dir := 1 - s.enc
	used := 0
	for len(ds.out) < flushAt {
		var pkt []byte
		var n int
		var err error
		if whole {
			pkt, n, err = ds.d.decodeWhole(b[used:])
		} else {
			pkt, n, err = ds.d.decode(b[used:])
		}
		if err == nil && n > 0 {
			if err = ds.ck.check(pkt); err != nil {
				err = desync("decoded packet fails validation: %w", err)
			}
		}
		if err != nil {
			return used, &PacketError{Dir: dir, Index: ds.d.n, Err: err}
		}
		if n == 0 {
			break
		}
		used += n
		ds.consumed += n
		ds.out = append(ds.out, pkt...)
		m.messages[dir].Add(1)
		m.mqttBytes[dir].Add(int64(len(pkt)))
	}
	return used, nil
}

// deliver takes data received for the stream: in inline mode it decodes and writes it at
// once, else it appends it for the pump. whole says that data is a data frame shorter than
// maxData, received at once, so holds whole messages only. The far side sends only within the
// credit this side granted, plus one message: more breaks the protocol.
func (s *session) deliver(data []byte, whole bool) error {
	s.mu.Lock()
	if s.localClose {
		s.mu.Unlock()
		return nil
	}
	if !s.inline || len(data) > inlineMax {
		s.inline = false
		s.in = append(s.in, data...)
		n := len(s.in)
		s.signal(s.inc)
		s.mu.Unlock()
		if n > s.l.p.window+mostPerMessage(s.l.p) {
			return framing("stream %d received %d bytes beyond its window", s.id, n)
		}
		return nil
	}
	s.mu.Unlock()
	ds := &s.ds
	used, err := s.decodeAll(ds, data, whole)
	written := 0
	if len(ds.out) > 0 {
		written = tryWrite(s.raw, ds.out)
	}
	if err == nil && used == len(data) && written == len(ds.out) && ds.consumed < s.l.p.window/2 {
		ds.out = ds.out[:0]
		return nil
	}
	// Hand the state back to the pump with what is left.
	s.mu.Lock()
	s.inline = false
	s.in = append(s.in, data[used:]...)
	s.unwritten = append(s.unwritten, ds.out[written:]...)
	ds.out = ds.out[:0]
	s.inErr = err
	s.needWindow = ds.consumed >= s.l.p.window/2
	s.signal(s.inc)
	s.mu.Unlock()
	return nil
}

// decodePump decodes the packets of the other direction from the stream's data, validates them
// and forwards them on the plain connection, returning credit to the far side as it goes; when
// it has nothing to do, it lets the link reader do the same inline.
func (s *session) decodePump() error {
	dir := 1 - s.enc
	ds := &s.ds
	ds.d = newDecoder(dir, s.l.p)
	ds.ck = checker{dir: dir, version: &s.version}
	if tc, ok := s.plain.(*net.TCPConn); ok && rawWrites {
		s.raw, _ = tc.SyscallConn()
	}
	var partial *time.Timer
	var expired <-chan time.Time
	defer func() {
		if partial != nil {
			partial.Stop()
		}
	}()
	for {
		s.mu.Lock()
		if s.inline {
			// The link reader holds the state: wait for it to hand it back.
			s.mu.Unlock()
			select {
			case <-s.inc:
				continue
			case <-s.quit:
				return net.ErrClosed
			}
		}
		ds.buf = ds.buf[:copy(ds.buf, ds.buf[ds.start:])]
		ds.start = 0
		took := len(s.in)
		ds.buf = append(ds.buf, s.in...)
		s.in = s.in[:0]
		if cap(s.in) > 1<<20 {
			s.in = nil
		}
		pending, inErr, needWindow := s.unwritten, s.inErr, s.needWindow
		s.unwritten, s.inErr, s.needWindow = nil, nil, false
		fin, closed := s.peerFin, s.peerClose
		idle := took == 0 && len(pending) == 0 && inErr == nil && !needWindow && !fin && !closed
		if idle && len(ds.buf) == 0 && s.raw != nil {
			s.inline = true
			s.mu.Unlock()
			continue
		}
		s.mu.Unlock()
		if err := s.write(pending); err != nil {
			return err
		}
		if inErr != nil {
			return inErr
		}
		if idle {
			select {
			case <-s.inc:
				continue
			case <-s.quit:
				return net.ErrClosed
			case <-expired:
				return &PacketError{Dir: dir, Index: ds.d.n, Err: desync("message incomplete after %v without more bytes", s.l.cfg.PartialTimeout)}
			}
		}
		for {
			used, err := s.decodeAll(ds, ds.buf[ds.start:], false)
			ds.start += used
			if werr := s.write(ds.out); werr != nil && err == nil {
				err = werr
			}
			ds.out = ds.out[:0]
			if err != nil {
				return err
			}
			if used == 0 {
				break
			}
		}
		if len(ds.buf) > 1<<20 && ds.start == len(ds.buf) {
			ds.buf, ds.start = nil, 0 // do not keep the buffer of a large packet
		}
		switch {
		case fin && ds.start == len(ds.buf):
			closeWrite(s.plain)
			return nil
		case fin:
			return &PacketError{Dir: dir, Index: ds.d.n, Err: desync("stream ended inside a message (%d bytes pending)", len(ds.buf)-ds.start)}
		case closed:
			return s.peerError()
		}
		if ds.consumed >= s.l.p.window/2 {
			n := ds.consumed
			ds.consumed = 0
			if err := s.l.w.add(func(b []byte) []byte { return appendWindow(b, s.id, n) }); err != nil {
				return s.l.error()
			}
		}
		// A message that has started must complete within PartialTimeout.
		switch rest := ds.start < len(ds.buf); {
		case rest && partial == nil:
			partial = time.NewTimer(s.l.cfg.PartialTimeout)
			expired = partial.C
		case rest && took > 0:
			partial.Reset(s.l.cfg.PartialTimeout)
		case !rest && partial != nil:
			partial.Stop()
			partial, expired = nil, nil
		}
	}
}
