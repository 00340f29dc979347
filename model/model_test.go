package model_test

import (
	"os"
	"testing"

	"github.com/mqzip/mqzip/dataset"
	"github.com/mqzip/mqzip/model"
)

// TestDefault checks that the embedded model loads, is shared, and fits the features this
// build computes: a change of dataset.FeatureSet must come with a retrained default model.
func TestDefault(t *testing.T) {
	q, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	q2, err := model.Default()
	if err != nil || q2 != q {
		t.Errorf("second call: %p, %v; want %p", q2, err, q)
	}
	if err := dataset.CheckModel(q); err != nil {
		t.Error(err)
	}
	file, err := os.ReadFile("default.mqzm")
	if err != nil {
		t.Fatal(err)
	}
	if model.Size() != len(file) {
		t.Errorf("Size %d, file %d bytes", model.Size(), len(file))
	}
	t.Logf("default model %v (%v), %d bytes, %q", q.ID(), q.Config(), model.Size(), q.Meta().Note[:min(len(q.Meta().Note), 60)])
}
