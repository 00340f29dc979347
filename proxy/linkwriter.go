package proxy

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// linkWriter gathers the frames of every stream of a link connection and writes them to it.
// Whoever adds frames while no write is under way writes them at once, on its own goroutine
// (no hand-over to a writer goroutine); frames added during a write wait for it to end and go
// out together in the next write, which the goroutine that wrote takes on too. So with no
// delay a write, and over TLS a record, carries everything that was coded while the previous
// one was under way, at no cost in latency. With a positive delay, the first frames added to
// an empty buffer start a timer, and everything added until it fires goes out in one write,
// unless flushAt bytes gather first. A stream's data waiting for a write is gathered in one
// data frame (its open before, its fin or close after), so that a stream pays one frame
// header per write however many messages it sent meanwhile. At most maxPending bytes wait
// (beyond one addition): a sender that finds more waits for the link to take them, which is
// the link's back-pressure. Errors are sticky.
type linkWriter struct {
	mu      sync.Mutex
	room    sync.Cond // signalled when pending shrinks or the writer fails
	conn    net.Conn
	pending []byte     // frames that belong to no stream's data (window frames)
	order   []*session // streams with data or frames staged, in the order they came
	staged  int        // bytes staged in the streams
	spare   []byte
	writing bool
	armed   bool
	delay   time.Duration
	timeout time.Duration
	err     error
	bytes   *atomic.Int64 // link bytes written, for the metrics
	writes  *atomic.Int64 // link writes, for the metrics
}

const (
	// flushAt is the size at which gathered frames are written without waiting for the delay.
	flushAt = 16 << 10
	// maxPending bounds the frames waiting for the link.
	maxPending = 256 << 10
)

func (w *linkWriter) init(conn net.Conn, delay, timeout time.Duration, bytes, writes *atomic.Int64) {
	w.conn, w.delay, w.timeout, w.bytes, w.writes = conn, delay, timeout, bytes, writes
	w.room.L = &w.mu
}

// add appends frames to the pending bytes with build, then writes them or arranges for them to
// be written. It returns the writer's error, if any.
func (w *linkWriter) add(build func([]byte) []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.waitRoom(); err != nil {
		return err
	}
	w.pending = build(w.pending)
	w.added()
	return w.err
}

// stage adds data of stream s, then the frames that tail appends (nil: none), to be written
// after what s staged before and after its open frame if s has not sent it yet.
func (w *linkWriter) stage(s *session, data []byte, tail func([]byte) []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.waitRoom(); err != nil {
		return err
	}
	if !s.wqueued {
		s.wqueued = true
		w.order = append(w.order, s)
	}
	n := len(s.wdata) + len(s.wtail)
	if len(s.wtail) > 0 && len(data) > 0 {
		return errors.New("proxy: stream data after its fin or close") // a bug: the pumps never do it
	}
	s.wdata = append(s.wdata, data...)
	if tail != nil {
		s.wtail = tail(s.wtail)
	}
	w.staged += len(s.wdata) + len(s.wtail) - n
	w.added()
	return w.err
}

// waitRoom waits until fewer than maxPending bytes wait; w.mu is held.
func (w *linkWriter) waitRoom() error {
	for w.err == nil && len(w.pending)+w.staged >= maxPending {
		w.room.Wait()
	}
	return w.err
}

// added writes what waits, or arranges for it to be written; w.mu is held.
func (w *linkWriter) added() {
	switch {
	case w.delay > 0 && len(w.pending)+w.staged < flushAt:
		if !w.armed {
			w.armed = true
			time.AfterFunc(w.delay, w.timerFlush)
		}
	default:
		w.flushLocked()
	}
}

func (w *linkWriter) timerFlush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed = false
	w.flushLocked()
}

// flushLocked writes the pending bytes unless a write is under way, whose goroutine will write
// them when it ends. w.mu is held, and released during each write.
func (w *linkWriter) flushLocked() {
	if w.writing {
		return
	}
	w.writing = true
	for (len(w.pending) > 0 || len(w.order) > 0) && w.err == nil {
		buf := w.pending
		for i, s := range w.order {
			if s.opening {
				s.opening = false
				buf = appendOpen(buf, s.id)
			}
			buf = appendData(buf, s.id, s.wdata)
			buf = append(buf, s.wtail...)
			s.wdata, s.wtail, s.wqueued = s.wdata[:0], s.wtail[:0], false
			if cap(s.wdata) > maxData {
				s.wdata = nil
			}
			w.order[i] = nil
		}
		w.order, w.staged = w.order[:0], 0
		w.pending = w.spare[:0]
		w.spare = nil
		w.mu.Unlock()
		if w.timeout > 0 {
			w.conn.SetWriteDeadline(time.Now().Add(w.timeout))
		}
		n, err := w.conn.Write(buf)
		w.bytes.Add(int64(n))
		w.writes.Add(1)
		w.mu.Lock()
		if err != nil && w.err == nil {
			w.err = err
		}
		if cap(buf) <= 4*maxPending {
			w.spare = buf[:0]
		}
		w.room.Broadcast()
	}
	w.writing = false
}

// fail makes the writer's error err (unless it has one), drops what is pending and wakes the
// senders waiting for room.
func (w *linkWriter) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
	w.pending = nil
	for _, s := range w.order {
		s.wdata, s.wtail, s.wqueued = nil, nil, false
	}
	w.order, w.staged = nil, 0
	w.room.Broadcast()
}
