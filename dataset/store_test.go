package dataset

import (
	"errors"
	"math"
	"os"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/model"
)

func TestStoreLRU(t *testing.T) {
	q, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStore(q, 2)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		id      uint64
		fresh   bool
		len     int
		evicted int
	}{
		{1, true, 1, 0},
		{2, true, 2, 0},
		{1, false, 2, 0},
		{3, true, 2, 1}, // drops 2, the least recently used
		{1, false, 2, 1},
		{2, true, 2, 2}, // drops 3
		{3, true, 2, 3}, // drops 1
		{2, false, 2, 3},
	}
	for i, s := range steps {
		_, fresh := st.Get(s.id)
		if fresh != s.fresh || st.Len() != s.len || st.Evicted() != s.evicted {
			t.Errorf("step %d: Get(%d): fresh %v, len %d, evicted %d; want %v, %d, %d", i, s.id, fresh, st.Len(), st.Evicted(), s.fresh, s.len, s.evicted)
		}
	}
	st.Delete(2)
	if _, fresh := st.Get(2); !fresh || st.Len() != 2 || st.Evicted() != 3 {
		t.Errorf("after Delete(2): fresh %v, len %d, evicted %d", fresh, st.Len(), st.Evicted())
	}
}

// TestStoreInterleaved codes the conversations of real captures with their messages
// interleaved, as they come in a capture of many connections. With room for every
// conversation, the bits are those of a state and a Context kept apart for each conversation
// (sharing one Shared); with room for one, a conversation restarts from a fresh state whenever
// another one came in between, so the bits are those of Run over the runs of messages of one
// conversation, which come in the same order.
func TestStoreInterleaved(t *testing.T) {
	q, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	var convs []Conversation
	for _, name := range []string{"misc/riskyduha-mqtt.pcap", "zeek/mqtt.pcap", "misc/presill-mqtt-start-port1337.pcap"} {
		for _, c := range read(t, testcaps.Find(t, name)) {
			c.ID += 1000 * len(convs) // distinct ids across captures
			convs = append(convs, c)
		}
	}
	if len(convs) < 3 {
		t.Fatalf("%d conversations", len(convs))
	}
	// With room for one, a conversation restarts whenever another came in between.
	var single []Conversation
	for j := 0; ; j++ {
		done := true
		for i := range convs {
			c := &convs[i]
			if j >= len(c.Messages) {
				continue
			}
			done = false
			if n := len(single); n > 0 && single[n-1].ID == c.ID {
				single[n-1].Messages = append(single[n-1].Messages, c.Messages[j])
			} else {
				single = append(single, Conversation{Capture: c.Capture, ID: c.ID, Messages: []Message{c.Messages[j]}})
			}
		}
		if done {
			break
		}
	}
	tests := []struct {
		capacity int
		want     float64
	}{
		{len(convs), separate(q, convs)},
		{1, Run(NewQuantizedPredictor(q), single).Total.Bits},
	}
	for _, tt := range tests {
		st, err := NewStore(q, tt.capacity)
		if err != nil {
			t.Fatal(err)
		}
		got := interleave(st, convs)
		if math.Abs(got-tt.want) > 1e-6*tt.want {
			t.Errorf("capacity %d: %.3f bits, want %.3f", tt.capacity, got, tt.want)
		}
		if tt.capacity == 1 && st.Evicted() == 0 {
			t.Errorf("capacity 1: nothing evicted")
		}
	}
}

// separate codes the messages of convs round-robin, as interleave does, with a state and a
// Context of its own for each conversation, and returns their bits.
func separate(q *lstm.Quantized, convs []Conversation) float64 {
	sh := NewShared()
	states := make([]*lstm.QState, len(convs))
	ctxs := make([]Context, len(convs))
	for i := range convs {
		states[i], ctxs[i] = q.NewState(), Context{Shared: sh}
	}
	freq := make([]uint32, lstm.Symbols)
	feat, hints := make([]int16, Features), make([]int, Hints)
	var exp [Experts][]uint32
	var bits float64
	for j := 0; ; j++ {
		done := true
		for i := range convs {
			if j >= len(convs[i].Messages) {
				continue
			}
			done = false
			m, s, fx := &convs[i].Messages[j], states[i], &ctxs[i]
			fx.Begin(m)
			for pos := 0; pos <= len(m.Body); pos++ {
				in := lstm.EOM
				if pos > 0 {
					in = int(m.Body[pos-1])
				}
				fx.Step(feat, hints)
				q.Next(s, in, feat)
				q.FreqsMix(s, hints, fx.Experts(&exp), &sh.Mix, freq)
				sym := lstm.EOM
				if pos < len(m.Body) {
					sym = int(m.Body[pos])
				}
				sh.Mix.Learn(sym)
				if pos < len(m.Body) {
					bits -= math.Log2(float64(freq[m.Body[pos]]) / float64(lstm.FreqTotal-freq[lstm.EOM]))
					fx.Push(m.Body[pos])
				}
			}
			fx.End()
		}
		if done {
			return bits
		}
	}
}

// interleave codes the messages of convs round-robin through st and returns their bits.
func interleave(st *Store, convs []Conversation) float64 {
	freq := make([]uint32, lstm.Symbols)
	var bits float64
	for j := 0; ; j++ {
		done := true
		for i := range convs {
			c := &convs[i]
			if j >= len(c.Messages) {
				continue
			}
			done = false
			m := &c.Messages[j]
			cs, _ := st.Get(uint64(c.ID))
			cs.StartMessage(m)
			for _, b := range m.Body {
				cs.Next(freq)
				bits -= math.Log2(float64(freq[b]) / float64(lstm.FreqTotal-freq[lstm.EOM]))
				cs.Update(int(b))
			}
			cs.Next(freq)
			cs.Update(lstm.EOM)
		}
		if done {
			return bits
		}
	}
}

// TestCheckModel checks that a model made for other features is refused.
func TestCheckModel(t *testing.T) {
	f, err := os.Open("../lstm/testdata/tiny.mqzm")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	q, err := lstm.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewStore(q, 1); !errors.Is(err, ErrModel) {
		t.Errorf("NewStore: %v, want ErrModel", err)
	}
	if _, err := Predict(q, nil, &Conversation{}, 0); !errors.Is(err, ErrModel) {
		t.Errorf("Predict: %v, want ErrModel", err)
	}
}

// BenchmarkStore measures the coding loop of the default model on a real capture, features and
// hints included: MB/s is megabytes of message bodies predicted a second.
func BenchmarkStore(b *testing.B) {
	q, err := model.Default()
	if err != nil {
		b.Fatal(err)
	}
	convs := read(b, testcaps.Find(b, "misc/riskyduha-mqtt.pcap"))
	n := 0
	for _, c := range convs {
		for _, m := range c.Messages {
			n += len(m.Body)
		}
	}
	st, err := NewStore(q, 1024)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var bits float64
	for b.Loop() {
		bits = interleave(st, convs)
	}
	b.ReportMetric(bits/float64(n), "bpb")
}
