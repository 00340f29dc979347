package codec

import (
	"bytes"
	"os"
	"testing"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
)

type msgs struct{ by map[int][]*conv.Message }

func (h *msgs) Message(m *conv.Message) {
	if m.Status == conv.StatusOK {
		h.by[m.Conv.ID] = append(h.by[m.Conv.ID], m)
	}
}
func (h *msgs) Frame(*dissect.Frame) {}

// TestMessageModelLink codes the messages of each conversation of real captures one at a time,
// ending each message, as the link proxy does, and decodes each from its own bytes as they
// arrive. It reports the bytes per message on the link.
func TestMessageModelLink(t *testing.T) {
	for _, name := range []string{"mqttset/benign.pcap", "misc/riskyduha-mqtt.pcap", "suricata-verify/mqtt5-pub-mosquittoprops_input.pcap"} {
		f, err := os.Open(testcaps.Find(t, name))
		if err != nil {
			t.Fatal(err)
		}
		h := &msgs{by: map[int][]*conv.Message{}}
		dissect.Run(f, dissect.Config{}, h)
		f.Close()
		var in, out, n int
		for _, ms := range h.by {
			var link bytes.Buffer
			enc := arith.NewEncoder(&link)
			em := NewMessageModel(MessageConfig{})
			var stream bytes.Buffer // what the far side has received so far
			dec := arith.NewDecoder(&stream)
			dm := NewMessageModel(MessageConfig{})
			for _, m := range ms {
				dir := 0
				if m.Dir == conv.BrokerToClient {
					dir = 1
				}
				if _, err := em.Code(enc, dir, m.Raw, nil); err != nil {
					t.Fatalf("%s: encode: %v", name, err)
				}
				sent := link.Len()
				stream.Write(link.Bytes())
				link.Reset()
				got, err := dm.Code(dec, dir, nil, nil)
				if err != nil {
					t.Fatalf("%s: decode message %d: %v", name, n, err)
				}
				if !bytes.Equal(got, m.Raw) {
					t.Fatalf("%s: message %d decoded as %x, sent %x", name, n, got, m.Raw)
				}
				in += len(m.Raw)
				out += sent
				n++
			}
		}
		t.Logf("%s: %d messages, %.1f bytes each, %.2f bytes each on the link", name, n, float64(in)/float64(n), float64(out)/float64(n))
	}
}

// TestMessageModelPartial feeds the link bytes one at a time to a receiver that tries to decode
// after each: failed attempts must leave the model unchanged, and every message must come out
// exactly once, as soon as its last byte has arrived.
func TestMessageModelPartial(t *testing.T) {
	f, err := os.Open(testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	h := &msgs{by: map[int][]*conv.Message{}}
	dissect.Run(f, dissect.Config{}, h)
	f.Close()
	ms := h.by[0]
	var link bytes.Buffer
	enc := arith.NewEncoder(&link)
	em := NewMessageModel(MessageConfig{})
	var ends []int // link offset where each message ends
	for _, m := range ms {
		if _, err := em.Code(enc, int(m.Dir)&1, m.Raw, nil); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, link.Len())
	}
	dm := NewMessageModel(MessageConfig{})
	all := link.Bytes()
	start, next, failures := 0, 0, 0
	for have := 1; have <= len(all) && next < len(ms); have++ {
		for next < len(ms) {
			d := arith.NewDecoder(bytes.NewReader(all[start:have]))
			got, err := dm.Code(d, int(ms[next].Dir)&1, nil, nil)
			if err != nil {
				failures++
				break
			}
			if !bytes.Equal(got, ms[next].Raw) {
				t.Fatalf("message %d decoded as %x, sent %x", next, got, ms[next].Raw)
			}
			if start+int(d.Offset()) != ends[next] || have < ends[next] {
				t.Fatalf("message %d: decoded with %d of its bytes, ends at %d", next, start+int(d.Offset()), ends[next])
			}
			start += int(d.Offset())
			next++
		}
	}
	if next != len(ms) {
		t.Fatalf("decoded %d of %d messages", next, len(ms))
	}
	t.Logf("%d messages over %d link bytes, %d early attempts undone", len(ms), len(all), failures)
}
