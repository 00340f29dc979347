package codec

import (
	"bytes"
	"os"
	"testing"

	"github.com/mqzip/mqzip/arith"
	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/mqtt"
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

// TestMessageModelPartial offers every message's link bytes to a receiver one byte at a time,
// as a link may deliver them. Decoding from a strict prefix must leave the model unchanged
// when it fails; it fails in most cases (the range coder's end-of-message check) but not all,
// so a receiver must also validate the packet (mqtt.Parse): the test measures how often a
// prefix decodes without error and checks that validation rejects every such packet.
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
	start, attempts, passed := 0, 0, 0
	for i, m := range ms {
		dir := int(m.Dir) & 1
		for have := start; have < ends[i]; have++ {
			attempts++
			d := arith.NewDecoder(bytes.NewReader(all[start:have]))
			got, err := dm.Code(d, dir, nil, nil)
			if err == nil {
				passed++
				if _, perr := mqtt.Parse(got, mqtt.V311); perr == nil {
					t.Fatalf("message %d: a prefix of %d of its %d bytes decoded to a valid packet %x", i, have-start, ends[i]-start, got)
				}
				// A receiver rejects it; the test rolls the model back by decoding afresh.
				dm = NewMessageModel(MessageConfig{})
				d2 := arith.NewDecoder(bytes.NewReader(all[:start]))
				for _, p := range ms[:i] {
					if _, err := dm.Code(d2, int(p.Dir)&1, nil, nil); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		d := arith.NewDecoder(bytes.NewReader(all[start:ends[i]]))
		got, err := dm.Code(d, dir, nil, nil)
		if err != nil || !bytes.Equal(got, m.Raw) || start+int(d.Offset()) != ends[i] {
			t.Fatalf("message %d: %x, %v; sent %x", i, got, err, m.Raw)
		}
		start = ends[i]
	}
	t.Logf("%d messages over %d link bytes; %d decodes from strict prefixes, %d without a coder error, all rejected by validation", len(ms), len(all), attempts, passed)
}
