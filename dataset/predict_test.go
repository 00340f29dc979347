package dataset

import (
	"math"
	"slices"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/model"
)

// TestPredict checks the greedy generations of the default model on real captures: where the
// generated body agrees with the real one, both ran from the same state with the same hints,
// so their probabilities must be equal; every generated symbol is the likeliest, so its
// probability is at least that of the real symbol; the real bits agree with Run.
func TestPredict(t *testing.T) {
	q, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"misc/riskyduha-mqtt.pcap", "zeek/mqtt.pcap", "arkime/mqtt_synthetic.pcap"} {
		convs := read(t, testcaps.Find(t, name))
		sc := Run(NewQuantizedPredictor(q), convs)
		var bits float64
		exact := 0
		sh := NewShared() // shared by the conversations in order, as Run shares it
		for i := range convs {
			preds, err := Predict(q, sh, &convs[i], 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(preds) != len(convs[i].Messages) {
				t.Fatalf("%s: %d predictions for %d messages", name, len(preds), len(convs[i].Messages))
			}
			for _, p := range preds {
				checkPrediction(t, name, &p)
				bits += p.Bits
				if p.Exact() {
					exact++
				}
			}
		}
		if math.Abs(bits-sc.Total.Bits) > 1e-6*max(bits, 1) {
			t.Errorf("%s: Predict gives %.3f bits, Run %.3f", name, bits, sc.Total.Bits)
		}
		t.Logf("%s: %d of %d messages generated exactly, %.4f bits/byte", name, exact, sc.Total.Messages, sc.Total.BitsPerByte())
	}
}

func checkPrediction(t *testing.T, name string, p *Prediction) {
	t.Helper()
	body := p.Msg.Body
	if len(p.RealProbs) != len(body)+1 {
		t.Fatalf("%s: message %d: %d real probabilities for %d bytes", name, p.Index, len(p.RealProbs), len(body))
	}
	want := len(p.Generated) + 1
	if p.Truncated {
		want--
	}
	if len(p.GenProbs) != want {
		t.Fatalf("%s: message %d: %d generated probabilities for %d bytes", name, p.Index, len(p.GenProbs), len(p.Generated))
	}
	for k := 0; k < len(p.GenProbs) && k < len(p.RealProbs); k++ {
		if p.GenProbs[k] < p.RealProbs[k] || p.GenProbs[k] <= 0 || p.GenProbs[k] > 1 {
			t.Errorf("%s: message %d byte %d: generated p %v, real p %v", name, p.Index, k, p.GenProbs[k], p.RealProbs[k])
		}
		same := k < len(body) && k < len(p.Generated) && body[k] == p.Generated[k] ||
			k == len(body) && k == len(p.Generated) && !p.Truncated
		if same && p.GenProbs[k] != p.RealProbs[k] {
			t.Errorf("%s: message %d byte %d: same symbol, generated p %v, real p %v", name, p.Index, k, p.GenProbs[k], p.RealProbs[k])
		}
		if k < len(body) && k < len(p.Generated) && body[k] != p.Generated[k] {
			break // the states differ from here on
		}
	}
}

// TestPredictLimit checks that a generation stops at the limit.
func TestPredictLimit(t *testing.T) {
	q, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	convs := read(t, testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	preds, err := Predict(q, nil, &convs[0], 3)
	if err != nil {
		t.Fatal(err)
	}
	cut := 0
	for _, p := range preds {
		if len(p.Generated) > 3 || p.Truncated != (len(p.GenProbs) == len(p.Generated)) {
			t.Fatalf("message %d: %d bytes generated, truncated %v", p.Index, len(p.Generated), p.Truncated)
		}
		if p.Truncated {
			cut++
		}
	}
	if cut == 0 {
		t.Error("no generation reached the limit of 3 bytes")
	}
}

// TestCloneIndependent steps two Contexts alike over a real conversation, one of them cloned
// and its clone stepped with other bytes before each message, through hint and feature slices
// shared with the clone: their features and hints must stay the same.
func TestCloneIndependent(t *testing.T) {
	convs := read(t, testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	var a, b Context
	fa, ha := make([]int16, Features), make([]int, Hints)
	fb, hb := make([]int16, Features), make([]int, Hints)
	for j, m := range convs[0].Messages {
		a.Begin(&m)
		b.Begin(&m)
		cl := a.Clone()
		for pos := range 5 {
			cl.Step(fa, ha)
			cl.Push(byte(pos * 7))
		}
		cl.End()
		for pos := 0; pos <= len(m.Body); pos++ {
			a.Step(fa, ha)
			b.Step(fb, hb)
			if !slices.Equal(fa, fb) || !slices.Equal(ha, hb) {
				t.Fatalf("message %d step %d: features %v hints %v, want %v %v", j, pos, fa, ha, fb, hb)
			}
			if pos < len(m.Body) {
				a.Push(m.Body[pos])
				b.Push(m.Body[pos])
			}
		}
		a.End()
		b.End()
	}
}
