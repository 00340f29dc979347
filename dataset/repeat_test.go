package dataset

import (
	"math"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/mqtt"
)

// checked wraps a Predictor and records the worst deviation of a distribution's sum from 1.
type checked struct {
	Predictor
	worst float64
}

func (c *checked) StartMessage(m *Message) {
	if s, ok := c.Predictor.(MessageStarter); ok {
		s.StartMessage(m)
	}
}

func (c *checked) Predict(feat []int16, hints []int, experts [][]uint32, dst []float64) {
	c.Predictor.Predict(feat, hints, experts, dst)
	sum := 0.0
	for _, v := range dst {
		sum += v
	}
	c.worst = max(c.worst, math.Abs(sum-1))
}

// repeats counts the messages whose body is that of the previous message of the same type, and
// for a PUBLISH of the same topic, in the conversation.
func repeats(convs []Conversation) int {
	n := 0
	for _, c := range convs {
		last := map[string][]byte{}
		for _, m := range c.Messages {
			key := string(rune(m.Type))
			if m.Type == mqtt.Publish && len(m.Body) >= 2 {
				key += string(m.Body[2:min(len(m.Body), 2+int(m.Body[0])<<8|int(m.Body[1]))])
			}
			if prev, ok := last[key]; ok && string(prev) == string(m.Body) {
				n++
			}
			last[key] = m.Body
		}
	}
	return n
}

// TestRepeat runs the repeat baseline on real captures: its distributions sum to 1, it predicts
// exactly at least the messages that repeat the previous one of their type and topic once it
// has learnt to trust them, and it does no worse than its escape model, order-2 (within 1%).
func TestRepeat(t *testing.T) {
	tests := []struct {
		name      string
		minRepeat float64 // share of messages that repeat their predecessor, from the data
	}{
		{"misc/riskyduha-mqtt.pcap", 0.3},
		{"mqttset/benign.pcap", 0.3},
		{"arkime/mqtt_synthetic.pcap", 0},
	}
	for _, tt := range tests {
		convs := read(t, testcaps.Find(t, tt.name))
		p := &checked{Predictor: NewRepeat()}
		sc := Run(p, convs)
		o2 := Run(Baseline{NewContextModel(2)}, convs)
		if p.worst > 1e-9 {
			t.Errorf("%s: a distribution sums to 1±%g", tt.name, p.worst)
		}
		rep := float64(repeats(convs)) / float64(sc.Total.Messages)
		if rep < tt.minRepeat {
			t.Errorf("%s: %.3f of the messages repeat, want at least %.3f", tt.name, rep, tt.minRepeat)
		}
		if ex := sc.Total.ExactShare(); ex < 0.95*rep {
			t.Errorf("%s: %.3f of the messages predicted exactly, %.3f repeat", tt.name, ex, rep)
		}
		if sc.Total.Bits > 1.01*o2.Total.Bits {
			t.Errorf("%s: repeat %.4f bits/byte, order-2 %.4f", tt.name, sc.Total.BitsPerByte(), o2.Total.BitsPerByte())
		}
		t.Logf("%s: %.3f repeat, exact %.3f, %.4f bits/byte (order-2 %.4f)", tt.name, rep, sc.Total.ExactShare(), sc.Total.BitsPerByte(), o2.Total.BitsPerByte())
	}
}
