package lstm

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestCheckpointResume checks that training two epochs, saving, resuming and training two more
// gives exactly the model of four epochs in one go.
func TestCheckpointResume(t *testing.T) {
	seqs := patterned(6, 8)
	cfg := Config{Hidden: 10, Embed: 4, Features: 1}
	tc := TrainConfig{Seed: 4, Window: 8, Lanes: 3, Shards: 2, LearnRate: 0.01, Decay: 0.8}
	m, _ := NewModel(cfg, 2)
	straight, _ := NewTrainer(m, tc)
	for range 4 {
		straight.Epoch(seqs, nil)
	}
	m2, _ := NewModel(cfg, 2)
	first, _ := NewTrainer(m2, tc)
	for range 2 {
		first.Epoch(seqs, nil)
	}
	var buf bytes.Buffer
	if err := first.WriteCheckpoint(&buf); err != nil {
		t.Fatal(err)
	}
	file := bytes.Clone(buf.Bytes())
	resumed, err := ResumeTrainer(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Updates() != first.Updates() || resumed.Epochs() != 2 {
		t.Errorf("resumed at %d updates, epoch %d", resumed.Updates(), resumed.Epochs())
	}
	for range 2 {
		resumed.Epoch(seqs, nil)
	}
	if !equal(resumed.Model().params, straight.Model().params) {
		t.Error("a resumed training differs from one run straight through")
	}
	for n := range len(file) {
		if n%97 != 0 && n < len(file)-8 {
			continue
		}
		if _, err := ResumeTrainer(bytes.NewReader(file[:n])); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("checkpoint cut to %d bytes: %v", n, err)
		}
	}
	bad := bytes.Clone(file)
	bad[len(bad)/2] ^= 4
	if _, err := ResumeTrainer(bytes.NewReader(bad)); !errors.Is(err, ErrChecksum) {
		t.Errorf("a flipped bit: %v", err)
	}
	if _, err := ResumeTrainer(bytes.NewReader(modelBytes(t, tinyModel()))); !errors.Is(err, ErrFormat) {
		t.Errorf("a model file as a checkpoint: %v", err)
	}
}
