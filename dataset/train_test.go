package dataset

import (
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/lstm"
)

// TestTrainOnCapture trains a small model on the conversations of a real capture and checks
// that it learns them: the features make EOM certain, and the float and quantized models agree.
func TestTrainOnCapture(t *testing.T) {
	convs := read(t, testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	seqs := Sequences(convs, 512)
	m, err := lstm.NewModel(lstm.Config{Hidden: 32, Embed: 8, Features: Features, Hints: Hints, Experts: Experts}, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := lstm.NewTrainer(m, lstm.TrainConfig{Seed: 1, Lanes: 8, Window: 32, LearnRate: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	for ep := range 8 {
		st, err := tr.Epoch(seqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("epoch %d: %.3f bits/symbol, accuracy %.3f", ep, st.BitsPerSymbol(), st.Accuracy())
	}
	fl := Run(NewFloatPredictor(m), convs).Total
	q, err := lstm.Quantize(m, lstm.Meta{FeatureSet: FeatureSet})
	if err != nil {
		t.Fatal(err)
	}
	qt := Run(NewQuantizedPredictor(q), convs).Total
	t.Logf("float: %.3f bits/byte, %.3f EOM bits/message, top-1 %.3f; quantized: %.3f bits/byte (loss %.4f)",
		fl.BitsPerByte(), fl.EOMBits/float64(fl.Messages), fl.Accuracy(), qt.BitsPerByte(), qt.BitsPerByte()-fl.BitsPerByte())
	if fl.BitsPerByte() > 0.3 || fl.Accuracy() < 0.95 || fl.EOMBits/float64(fl.Messages) > 0.5 {
		t.Errorf("the model did not learn the capture")
	}
	if loss := qt.BitsPerByte() - fl.BitsPerByte(); loss > 0.03 {
		t.Errorf("quantization costs %.4f bits per byte", loss)
	}
}
