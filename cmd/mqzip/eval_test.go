package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

// TestTrainEval trains a tiny model on a bundled capture, then measures it and the default
// model beside the baselines.
func TestTrainEval(t *testing.T) {
	capPath := testcaps.Find(t, "misc/riskyduha-mqtt.pcap")
	model := filepath.Join(t.TempDir(), "m.mqzm")
	_, stderr, code := run(t, nil, "train", capPath, "--hidden", "8", "--epochs", "1", "--val", "0", "-o", model, "-q")
	if code != 0 || !strings.Contains(stderr, "train: wrote "+model) {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{{"eval", capPath, "-m", model}, {"eval", capPath}} {
		out, stderr, code := run(t, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		for _, want := range []string{"lstm bits/byte", "order-2 bits/byte", "order-4 bits/byte", "repeat bits/byte", "PUBLISH  client_to_broker"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, out)
			}
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if all := strings.Fields(lines[len(lines)-1]); len(all) != 15 || all[0] != "all" {
			t.Errorf("%v: last line %q", args, lines[len(lines)-1])
		}
	}
}

func TestEvalWrongModel(t *testing.T) {
	capPath := testcaps.Find(t, "zeek/mqtt.pcap")
	_, stderr, code := run(t, nil, "eval", capPath, "-m", filepath.Join(testcaps.Root(), "lstm", "testdata", "tiny.mqzm"))
	if code == 0 || !strings.Contains(stderr, "eval: dataset: model does not fit the features") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
