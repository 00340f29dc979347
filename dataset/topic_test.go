package dataset

import (
	"testing"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/mqtt"
)

// TestTopicHint checks the sixth hint: while a PUBLISH's topic is read, the latest earlier
// PUBLISH that begins with the bytes so far; once the topic is complete, the latest of that
// topic, kept when the payload differs.
func TestTopicHint(t *testing.T) {
	pub := func(body string) *Message {
		return &Message{Dir: conv.ClientToBroker, Type: mqtt.Publish, RemainingLength: len(body), Body: []byte(body)}
	}
	tests := []struct {
		body string
		want string // the topic hints of each step, as symbols (· for none, $ for EOM)
	}{
		{"\x00\x01aXY", "······"},
		{"\x00\x01bZ", "\x00\x01a··"},   // no earlier PUBLISH of topic b
		{"\x00\x01aQQ", "\x00\x01bXY$"}, // after "\x00\x01": the latest, topic b; then topic a
		{"\x00\x01a12", "\x00\x01aQQ$"}, // topic a's latest payload
		{"\x00\x01cZ", "\x00\x01a··"},   // no earlier PUBLISH of topic c
	}
	var c Context
	f, h := make([]int16, Features), make([]int, Hints)
	for i, tt := range tests {
		m := pub(tt.body)
		c.Begin(m)
		var got []byte
		for pos := 0; pos <= len(m.Body); pos++ {
			c.Step(f, h)
			switch x := h[5]; x {
			case lstm.NoHint:
				got = append(got, "·"...)
			case lstm.EOM:
				got = append(got, '$')
			default:
				got = append(got, byte(x))
			}
			if (h[5] != lstm.NoHint) != (f[fTopic] != 0) {
				t.Errorf("message %d step %d: hint %d, feature %d", i, pos, h[5], f[fTopic])
			}
			if pos < len(m.Body) {
				c.Push(m.Body[pos])
			}
		}
		c.End()
		if string(got) != tt.want {
			t.Errorf("message %d %q: topic hints %q, want %q", i, tt.body, got, tt.want)
		}
	}
}
