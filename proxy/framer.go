package proxy

import (
	"errors"
	"io"

	"github.com/mqzip/mqzip/mqtt"
)

// framer reads the MQTT packets of a byte stream. It buffers at most one packet beyond a read
// of readSize bytes, and refuses packets longer than max.
type framer struct {
	r     io.Reader
	buf   []byte
	start int // first byte not yet returned
	max   int
}

const readSize = 32 << 10

func newFramer(r io.Reader, max int) *framer {
	return &framer{r: r, buf: make([]byte, 0, readSize), max: max}
}

// fill reads once from the stream into the buffer, first making room for need bytes from the
// start of the packet not yet returned.
func (f *framer) fill(need int) (int, error) {
	f.buf = f.buf[:copy(f.buf, f.buf[f.start:])]
	f.start = 0
	f.buf = grow(f.buf, max(need, len(f.buf)+readSize))
	n, err := f.r.Read(f.buf[len(f.buf):cap(f.buf)])
	f.buf = f.buf[:len(f.buf)+n]
	return n, err
}

// grow returns b with a capacity of at least want, and gives back the memory of a buffer
// that grew past 1 MiB for a large packet once it is no longer needed.
func grow(b []byte, want int) []byte {
	switch {
	case want > cap(b):
		nb := make([]byte, len(b), max(want, 2*cap(b)))
		copy(nb, b)
		return nb
	case cap(b) > 1<<20 && 4*want < cap(b):
		return append(make([]byte, 0, want), b...)
	}
	return b
}

// next returns the next whole packet in the buffer, or nil when the buffer holds none; the
// packet is valid until the next call of fill. c sees each fixed header as soon as it is read.
// need is the number of bytes from the packet's start that the next fill must make room for.
func (f *framer) next(c *checker) (pkt []byte, need int, err error) {
	rest := f.buf[f.start:]
	h, err := mqtt.ReadFixedHeader(rest)
	switch {
	case errors.Is(err, mqtt.ErrIncomplete):
		return nil, 5, nil
	case err != nil:
		return nil, 0, rejected("%w", err)
	}
	if err := c.checkHeader(h); err != nil {
		return nil, 0, err
	}
	n := h.PacketLen()
	if n > f.max {
		return nil, 0, rejected("%s of %d bytes is longer than the limit of %d", h.Type, n, f.max)
	}
	if n > len(rest) {
		return nil, n, nil
	}
	f.start += n
	return rest[:n:n], 0, nil
}

// pending reports the bytes of an incomplete packet in the buffer.
func (f *framer) pending() int { return len(f.buf) - f.start }
