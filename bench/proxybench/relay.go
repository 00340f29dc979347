package proxybench

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// relay forwards the link's TCP connections and counts their bytes: the coded stream with the
// TLS records around it, as they cross the network (without TCP/IP headers).
type relay struct {
	l      net.Listener
	target string
	bytes  [2]atomic.Int64 // edge to core, core to edge
	wg     sync.WaitGroup
}

func startRelay(target string) (*relay, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &relay{l: l, target: target}
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
				n, _ := io.Copy(d, c)
				r.bytes[0].Add(n)
				d.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			n, _ := io.Copy(c, d)
			r.bytes[1].Add(n)
			c.(*net.TCPConn).CloseWrite()
			<-done
		}()
	}
}

func (r *relay) close() {
	r.l.Close()
	r.wg.Wait()
}
