package proxy

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// linkWriter collects the coded messages of one direction and writes them to the link: at the
// end of every batch (the packets of one read from the client or broker), or, with a positive
// delay, when the first message written has waited that long or enough bytes have gathered.
// It holds at most flushAt bytes beyond one message, and errors are sticky.
type linkWriter struct {
	mu      sync.Mutex
	conn    net.Conn
	buf     []byte
	delay   time.Duration
	timeout time.Duration
	armed   bool
	err     error
	bytes   *atomic.Int64 // link bytes written, for the metrics
}

// flushAt is the size at which collected bytes are written without waiting for the end of a
// batch or for the delay.
const flushAt = 16 << 10

// Write collects p (the range coder's output, or a DEFLATE packet).
func (w *linkWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= flushAt {
		w.flushLocked()
	}
	return len(p), w.err
}

// endBatch writes what was collected, now or (with a delay) soon.
func (w *linkWriter) endBatch() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.delay == 0 || len(w.buf) >= flushAt:
		w.flushLocked()
	case !w.armed && len(w.buf) > 0:
		w.armed = true
		time.AfterFunc(w.delay, w.timerFlush)
	}
	return w.err
}

func (w *linkWriter) timerFlush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
}

// flushLocked writes the collected bytes; w.mu is held, so the coder waits for the link.
func (w *linkWriter) flushLocked() {
	w.armed = false
	if len(w.buf) == 0 || w.err != nil {
		return
	}
	if w.timeout > 0 {
		w.conn.SetWriteDeadline(time.Now().Add(w.timeout))
	}
	n, err := w.conn.Write(w.buf)
	w.bytes.Add(int64(n))
	w.err = err
	if cap(w.buf) > 4*flushAt {
		w.buf = nil
	} else {
		w.buf = w.buf[:0]
	}
}

// close writes what was collected and returns the sticky error.
func (w *linkWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	return w.err
}
