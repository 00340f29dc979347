package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

// TestCompressModels compresses with the embedded LSTM, with a model of one's own (-m) and
// with the context models only (--no-lstm): each restores the capture, a file made with a
// model of one's own is refused without that model, naming the model, and the context-only
// file needs no model.
func TestCompressModels(t *testing.T) {
	dir := t.TempDir()
	capPath := testcaps.Find(t, "misc/riskyduha-mqtt.pcap")
	orig, err := os.ReadFile(capPath)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m.mqzm")
	if _, stderr, code := run(t, nil, "train", capPath, "--hidden", "8", "--epochs", "1", "--val", "0", "-o", model, "-q"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	sizes := map[string]int{}
	for _, tc := range []struct {
		name string
		args []string // compress flags
		back []string // decompress flags
	}{
		{"embedded", nil, nil},
		{"own", []string{"-m", model}, []string{"-m", model}},
		{"context", []string{"--no-lstm"}, nil},
	} {
		z, stderr, code := run(t, orig, append([]string{"compress", "-", "-q"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%s: compress: exit %d: %s", tc.name, code, stderr)
		}
		sizes[tc.name] = len(z)
		got, stderr, code := run(t, []byte(z), append([]string{"decompress", "-", "-q"}, tc.back...)...)
		if code != 0 || got != string(orig) {
			t.Fatalf("%s: decompress: exit %d, %d bytes (want %d): %s", tc.name, code, len(got), len(orig), stderr)
		}
		if tc.name == "own" {
			_, stderr, code := run(t, []byte(z), "decompress", "-", "-q")
			if code != 1 || !strings.Contains(stderr, "unknown model") || !strings.Contains(stderr, "-m model") {
				t.Errorf("own model, decompressed without it: exit %d: %s", code, stderr)
			}
		}
	}
	t.Logf("compressed sizes: %v", sizes)
	if sizes["embedded"] >= sizes["context"] {
		t.Errorf("the embedded LSTM gives %d bytes, the context models alone %d", sizes["embedded"], sizes["context"])
	}
}
