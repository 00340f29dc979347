package proxybench

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// relay forwards the link's TCP connections and counts their bytes: the link's frames with the
// TLS records around them, as they cross the network (without TCP/IP headers); and, when the
// link uses TLS, the records.
type relay struct {
	l        net.Listener
	target   string
	tls      bool
	bytes    [2]atomic.Int64 // edge to core, core to edge
	records  [2]atomic.Int64
	conns    atomic.Int64
	inFlight atomic.Int64 // bytes read and not yet written on
	wg       sync.WaitGroup
}

func startRelay(target string, tls bool) (*relay, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &relay{l: l, target: target, tls: tls}
	r.wg.Add(1)
	go r.serve()
	return r, nil
}

func (r *relay) serve() {
	defer r.wg.Done()
	for {
		c, err := r.l.Accept()
		if err != nil {
			return
		}
		r.conns.Add(1)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer c.Close()
			d, err := net.Dial("tcp", r.target)
			if err != nil {
				return
			}
			defer d.Close()
			done := make(chan struct{})
			go func() {
				r.copy(d, c, 0)
				d.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			r.copy(c, d, 1)
			c.(*net.TCPConn).CloseWrite()
			<-done
		}()
	}
}

// copy copies src to dst, counting the bytes, and the TLS records by their 5-byte headers.
func (r *relay) copy(dst io.Writer, src io.Reader, dir int) {
	buf := make([]byte, 32<<10)
	var hdr [5]byte
	inHdr, skip := 0, 0 // bytes of the record header read; bytes of the record body to skip
	for {
		n, err := src.Read(buf)
		r.inFlight.Add(int64(n))
		r.bytes[dir].Add(int64(n))
		for p := buf[:n]; r.tls && len(p) > 0; {
			if skip > 0 {
				k := min(skip, len(p))
				skip -= k
				p = p[k:]
				continue
			}
			k := copy(hdr[inHdr:], p)
			inHdr += k
			p = p[k:]
			if inHdr == 5 {
				r.records[dir].Add(1)
				skip, inHdr = int(hdr[3])<<8|int(hdr[4]), 0
			}
		}
		if n > 0 {
			_, werr := dst.Write(buf[:n])
			r.inFlight.Add(-int64(n))
			if werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// idle reports whether the relay has passed on every byte it has read (the link's bytes as
// the pair counts them are then all there).
func (r *relay) idle() bool { return r.inFlight.Load() == 0 }

func (r *relay) close() {
	r.l.Close()
	r.wg.Wait()
}
