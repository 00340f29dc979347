package proxybench

import (
	"bufio"
	"net"
	"sync"
	"time"

	"github.com/mqzip/mqzip/mqtt"
)

// sink is a stand-in broker for the latency runs: it answers CONNECT, SUBSCRIBE and PINGREQ
// and notes when each PUBLISH arrives, so that the latency measured is the path's alone, not
// a broker's and a subscriber's as well.
type sink struct {
	l     net.Listener
	rec   *recorder
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func startSink(rec *recorder) (*sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{l: l, rec: rec}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

func (s *sink) addr() string { return s.l.Addr().String() }

func (s *sink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go s.handle(c)
	}
}

func (s *sink) handle(c net.Conn) {
	defer s.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	var pkt mqtt.Packet
	for {
		p, err := readPacket(br)
		if err != nil {
			return
		}
		at := time.Now()
		if mqtt.ParseInto(&pkt, p, mqtt.V311) != nil {
			continue
		}
		var reply []byte
		switch pkt.Type {
		case mqtt.Publish:
			s.rec.arrived(publishKey(&pkt), at)
		case mqtt.Connect:
			reply = []byte{0x20, 2, 0, 0}
		case mqtt.Subscribe:
			reply = []byte{0x90, byte(2 + len(pkt.Subscriptions)), byte(pkt.PacketID >> 8), byte(pkt.PacketID)}
			reply = append(reply, make([]byte, len(pkt.Subscriptions))...)
		case mqtt.Pingreq:
			reply = []byte{0xd0, 0}
		}
		if reply != nil {
			if _, err := c.Write(reply); err != nil {
				return
			}
		}
	}
}

func (s *sink) close() {
	s.l.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
