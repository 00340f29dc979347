package lstm_test

import (
	"bytes"
	"fmt"

	"github.com/mqzip/mqzip/lstm"
)

// Train a small model on a repeated message, quantize it, save and load it, and read the
// frequencies a range coder would use for the next symbol.
func Example() {
	msg := []byte("sensors/t 21.5")
	var seq lstm.Sequence
	for range 40 {
		for _, b := range msg {
			seq.Syms = append(seq.Syms, uint16(b))
		}
		seq.Syms = append(seq.Syms, lstm.EOM)
	}
	m, _ := lstm.NewModel(lstm.Config{Hidden: 16, Embed: 8}, 1)
	tr, _ := lstm.NewTrainer(m, lstm.TrainConfig{Seed: 1, Window: 16, Lanes: 1, Shards: 1, LearnRate: 0.02})
	for range 30 {
		tr.Epoch([]lstm.Sequence{seq}, nil)
	}
	q, _ := lstm.Quantize(m, lstm.Meta{Note: "example"})
	var file bytes.Buffer
	q.WriteTo(&file)
	q, err := lstm.Load(&file)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := q.NewState()
	freq := make([]uint32, lstm.Symbols)
	in := lstm.EOM
	for _, b := range msg[:8] { // "sensors/"
		q.Next(s, in, nil)
		in = int(b)
	}
	q.Next(s, in, nil)
	q.Freqs(s, nil, freq)
	fmt.Printf("after %q, 't' has frequency above half of %d: %v\n", msg[:8], lstm.FreqTotal, freq['t'] > lstm.FreqTotal/2)
	// Output: after "sensors/", 't' has frequency above half of 65536: true
}
