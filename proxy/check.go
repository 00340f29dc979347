package proxy

import (
	"sync/atomic"

	"github.com/mqzip/mqzip/mqtt"
)

// checker validates the packets of one direction of a connection with package mqtt before
// they are coded (on the side that reads them from a client or broker) and after they are
// decoded (on the side that forwards them). Both sides validate the same packets in the same
// order with the same version, so a packet that passed on one side fails on the other only
// when the link has desynchronised.
type checker struct {
	dir     Direction
	version *atomic.Uint32 // the connection's MQTT version, from its CONNECT; shared by both directions
	n       int64
	pkt     mqtt.Packet
}

// check validates pkt, one whole packet as framed by mqtt.ReadFixedHeader.
func (c *checker) check(pkt []byte) error {
	if c.dir == Up && c.n == 0 && (len(pkt) == 0 || mqtt.Type(pkt[0]>>4) != mqtt.Connect) {
		return rejected("first packet is not CONNECT [MQTT-3.1.0-1]")
	}
	if err := mqtt.ParseInto(&c.pkt, pkt, mqtt.Version(c.version.Load())); err != nil {
		return err
	}
	if c.pkt.Type == mqtt.Connect {
		if c.dir != Up || c.n != 0 {
			return rejected("second CONNECT [MQTT-3.1.0-2]")
		}
		c.version.Store(uint32(c.pkt.Version))
	}
	c.n++
	return nil
}

// checkHeader looks at the fixed header of the next packet before the packet has arrived
// whole, so that garbage is refused at once: it returns an error when the packet is the
// connection's first and not a CONNECT.
func (c *checker) checkHeader(h mqtt.FixedHeader) error {
	if c.dir == Up && c.n == 0 && h.Type != mqtt.Connect {
		return rejected("first packet is %s, not CONNECT [MQTT-3.1.0-1]", h.Type)
	}
	return nil
}
