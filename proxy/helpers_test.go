package proxy

import (
	"os"
	"testing"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// conversation is the packets of one TCP connection of a capture, in order, by direction.
type conversation struct {
	name string
	dirs [2][][]byte
	all  []*conv.Message
}

type collect struct {
	by    map[int]*conversation
	order []*conversation
	name  string
}

func (c *collect) Message(m *conv.Message) {
	if m.Status != conv.StatusOK {
		return
	}
	cv := c.by[m.Conv.ID]
	if cv == nil {
		cv = &conversation{name: c.name}
		c.by[m.Conv.ID] = cv
		c.order = append(c.order, cv)
	}
	d := Up
	if m.Dir == conv.BrokerToClient {
		d = Down
	}
	cv.dirs[d] = append(cv.dirs[d], m.Raw)
	cv.all = append(cv.all, m)
}

func (c *collect) Frame(*dissect.Frame) {}

// conversations returns the valid MQTT packets of the capture of the given name (see
// testcaps.Find), by conversation.
func conversations(tb testing.TB, name string) []*conversation {
	tb.Helper()
	f, err := os.Open(testcaps.Find(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	c := &collect{by: map[int]*conversation{}, name: name}
	if _, err := dissect.Run(f, dissect.Config{}, c); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return c.order
}

// linkCaptures are the real captures the link coder is tested on: sensor traffic, every MQTT
// version and a ~100 KB PUBLISH that takes the DEFLATE path.
var linkCaptures = []string{
	"mqttset/benign.pcap",
	"misc/riskyduha-mqtt.pcap",
	"suricata-verify/mqtt5-pub-mosquittoprops_input.pcap",
	"suricata-verify/mqtt5-sub-customauth_input.pcap",
	"suricata-verify/mqtt31-pub-qos2_input.pcap",
	"suricata-verify/mqtt311-sub-userpass_input.pcap",
	"suricata-verify/mqtt-pub-rules_mqtt5_pub_jpeg.pcap",
}
