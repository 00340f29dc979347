package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

func TestAnalyzeWritesReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rep")
	out, stderr, code := run(t, nil, "analyze", testcaps.Find(t, "misc/riskyduha-mqtt.pcap"), "-o", dir, "--table")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "| mqtt.msgtype |") && !strings.Contains(out, "mqtt.msgtype") {
		t.Errorf("--table printed no field table: %.200s", out)
	}
	for _, f := range []string{"index.html", "summary.json", "similarity.png", "autocorrelation.svg", "gap_histogram.png", "sensors.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var sum struct {
		Summary struct {
			Messages      int `json:"messages"`
			Conversations int `json:"conversations"`
		} `json:"summary"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Summary.Messages != 338 || sum.Summary.Conversations != 2 {
		t.Errorf("summary: %+v, want 338 messages in 2 conversations (as mqzip csv)", sum.Summary)
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	good, err := os.ReadFile(testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rep")
	_, stderr, code := run(t, good[:len(good)/2], "analyze", "-", "-o", dir, "-q")
	if code != 1 || !strings.Contains(stderr, "offset") {
		t.Errorf("truncated capture: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		t.Errorf("no report from what was read: %v", err)
	}
}
