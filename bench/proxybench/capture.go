package proxybench

import (
	"fmt"
	"os"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/mqtt"
)

// Conversation is the client-to-broker packets of one MQTT connection of a capture, with the
// times they were captured.
type Conversation struct {
	ClientID string
	Packets  [][]byte
	Times    []int64 // nanoseconds since the Unix epoch
}

type collector struct {
	by    map[int]*Conversation
	order []*Conversation
}

func (c *collector) Message(m *conv.Message) {
	if m.Status != conv.StatusOK || m.Dir != conv.ClientToBroker {
		return
	}
	cv := c.by[m.Conv.ID]
	if cv == nil {
		cv = &Conversation{}
		c.by[m.Conv.ID] = cv
		c.order = append(c.order, cv)
	}
	cv.Packets = append(cv.Packets, m.Raw)
	cv.Times = append(cv.Times, m.Frame.Time)
}

func (c *collector) Frame(*dissect.Frame) {}

// Load returns the conversations of the capture at path that start with a CONNECT (the others
// cannot be replayed to a broker), in the order they start.
func Load(path string) ([]*Conversation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &collector{by: map[int]*Conversation{}}
	if _, err := dissect.Run(f, dissect.Config{}, c); err != nil {
		return nil, fmt.Errorf("proxybench: %s: %w", path, err)
	}
	var out []*Conversation
	for _, cv := range c.order {
		p, err := mqtt.Parse(cv.Packets[0], 0)
		if err != nil || p.Type != mqtt.Connect {
			continue
		}
		cv.ClientID = p.ClientID
		out = append(out, cv)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("proxybench: %s: no conversation starts with a CONNECT", path)
	}
	return out, nil
}

// renamed returns a copy of cv whose CONNECT carries the client identifier id, so that copies
// of a conversation can run at once without the broker taking one for the other.
func (cv *Conversation) renamed(id string) (*Conversation, error) {
	p, err := mqtt.Parse(cv.Packets[0], 0)
	if err != nil {
		return nil, err
	}
	rest := p.Payload[2+len(p.ClientID):]
	body := append(append([]byte{}, p.VarHeader...), byte(len(id)>>8), byte(len(id)))
	body = append(append(body, id...), rest...)
	connect := append([]byte{p.Header[0]}, remainingLength(len(body))...)
	connect = append(connect, body...)
	out := &Conversation{ClientID: id, Packets: append([][]byte{connect}, cv.Packets[1:]...), Times: cv.Times}
	return out, nil
}

// remainingLength encodes n as an MQTT Variable Byte Integer.
func remainingLength(n int) []byte { return mqtt.AppendVarInt(nil, n) }
