package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

func TestPredictText(t *testing.T) {
	capPath := testcaps.Find(t, "misc/riskyduha-mqtt.pcap")
	out, stderr, code := run(t, nil, "predict", capPath, "--conversation", "0", "--bytes", "8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"conversation 0, 167 messages", "message 0, frame 6: CONNECT client_to_broker",
		"real      \"\\x00\\x04MQTT", "\n  generated \"", "total: 167 messages"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(out, "\nmessage "); n != 167 {
		t.Errorf("%d messages shown, want 167", n)
	}
}

func TestPredictJSON(t *testing.T) {
	capPath := testcaps.Find(t, "zeek/mqtt.pcap")
	out, stderr, code := run(t, nil, "predict", capPath, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i, line := range lines {
		var p predictJSON
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if p.Index != i || len(p.RealProbs) != len(p.Real)+1 || len(p.GenProbs) < len(p.Generated) || p.Type == "" {
			t.Errorf("line %d: %+v", i, p)
		}
	}
	if len(lines) < 2 {
		t.Errorf("%d messages", len(lines))
	}
}

func TestPredictErrors(t *testing.T) {
	capPath := testcaps.Find(t, "zeek/mqtt.pcap")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"predict", capPath, "--conversation", "999"}, "predict: no MQTT conversation 999"},
		{[]string{"predict", capPath, capPath}, "predict: give one capture"},
		{[]string{"predict", capPath, "-m", "/nonexistent.mqzm"}, "no such file"},
	}
	for _, tt := range tests {
		_, stderr, code := run(t, nil, tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args[2:], code, stderr, tt.want)
		}
	}
}
