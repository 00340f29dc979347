package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/bench/gen"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// checkInvariants checks what must hold of any result.
func checkInvariants(t *testing.T, r *Result, st dissect.Stats, cfg Config) {
	t.Helper()
	cfg = cfg.withDefaults()
	if r.Summary.Messages != st.Messages || r.Summary.Frames != st.Frames {
		t.Errorf("%d messages, %d frames; dissect saw %d, %d", r.Summary.Messages, r.Summary.Frames, st.Messages, st.Frames)
	}
	var total int64
	for _, b := range r.Summary.Bytes {
		if b.Bytes < 0 {
			t.Errorf("%s: %d bytes", b.Category, b.Bytes)
		}
		total += b.Bytes
	}
	if total != st.Bytes || r.Summary.TotalBytes != st.Bytes {
		t.Errorf("categories add up to %d bytes (total %d), the capture has %d", total, r.Summary.TotalBytes, st.Bytes)
	}
	for _, f := range r.Fields {
		ok := f.Present > 0 && f.Present <= r.Summary.Messages && f.Distinct >= 1 && f.Distinct <= f.Present &&
			f.Entropy >= 0 && f.CondPrev <= f.Entropy+1e-9 && f.CondType <= f.Entropy+1e-9 && f.Bits <= f.Entropy+1e-9
		for _, h := range f.Hits {
			ok = ok && h >= 0 && h <= 1
		}
		switch f.Verdict {
		case VerdictFixed:
			ok = ok && f.Distinct == 1 && f.Bits == 0
		case VerdictPredictable:
			ok = ok && f.Rule != "" && f.Bits <= MaxCostRatio*f.Entropy+1e-9
		case VerdictRaw:
			ok = ok && f.Rule == ""
		default:
			ok = false
		}
		if !ok {
			t.Errorf("field %+v", f)
		}
	}
	if len(r.Conversations) > cfg.KeepConversations || len(r.Similarity.Labels) > cfg.MatrixSize {
		t.Errorf("%d conversations, %d in the matrix", len(r.Conversations), len(r.Similarity.Labels))
	}
	for _, ac := range r.Autocorr {
		if ac.N > cfg.SeriesLen || len(ac.ACF) > cfg.MaxLag || ac.Period > len(ac.ACF) {
			t.Errorf("autocorrelation %+v", ac)
		}
	}
	for _, s := range r.Sensors {
		for _, v := range s.Series {
			if len(v.T) > cfg.SensorPoints || len(v.T) != len(v.V) || len(v.T) == 0 {
				t.Errorf("sensor series %s %s: %d points", s.Topic, v.Key, len(v.T))
			}
		}
	}
	for _, g := range r.Timing.Gaps {
		if len(g.T) > cfg.SeriesLen {
			t.Errorf("gap series of %d points", len(g.T))
		}
	}
	if len(r.LengthSim.SameConv) > cfg.SamplePoints || len(r.LengthSim.SameTopic) > cfg.SamplePoints {
		t.Errorf("%d and %d scatter points", len(r.LengthSim.SameConv), len(r.LengthSim.SameTopic))
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("summary.json: %v", err)
	}
}

// TestCaptures analyses every real capture and checks the invariants of its result.
func TestCaptures(t *testing.T) {
	for _, path := range testcaps.All(t) {
		t.Run(testcaps.Name(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := New(Config{})
			st, err := a.Capture(bytes.NewReader(data), path, dissect.Config{})
			if err != nil && !strings.Contains(err.Error(), "unsupported") {
				t.Logf("capture error (kept): %v", err)
			}
			checkInvariants(t, a.Result(), st, Config{})
		})
	}
}

// TestBenign checks what is known of MQTTset's benign capture (see ../shared/captures/SOURCES.md):
// 10 sensors on a Mosquitto broker, keep alive 60 s, most publishing every second.
func TestBenign(t *testing.T) {
	path := testcaps.Find(t, "mqttset/benign.pcap")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, _ := New(Config{})
	st, err := a.Capture(f, "benign.pcap", dissect.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := a.Result()
	checkInvariants(t, r, st, Config{})
	s := r.Summary
	if s.Messages != 6832 || s.Conversations != 10 || s.Clients != 10 || s.Topics != 9 || s.Versions["3.1.1"] != 10 {
		t.Errorf("summary %+v", s)
	}
	n := 0
	for _, k := range r.Timing.KeepAlive {
		if k.Declared == 60 && math.Abs(k.Observed-60) < 0.01 && k.Pings == 9 {
			n++
		}
	}
	if n != 10 {
		t.Errorf("%d conversations ping every 60 s, want 10: %+v", n, r.Timing.KeepAlive)
	}
	periodic := map[string]float64{}
	for _, p := range r.Timing.Publish {
		if p.Periodic && p.Direction == "client_to_broker" {
			periodic[p.Topic] = p.Median
		}
	}
	for topic, want := range map[string]float64{"Movement": 1, "Smoke": 1, "Door Lock": 1, "CO-GAS": 1, "Temperature": 60, "Humidity": 60} {
		if math.Abs(periodic[topic]-want) > 0.01*want {
			t.Errorf("%s published every %v s, want %v s", topic, periodic[topic], want)
		}
	}
	for name, want := range map[string]string{"mqtt.protoname": "fixed", "mqtt.kalive": "fixed", "tcp.flags": "fixed",
		"tcp.seq": "predictable (previous+length)", "tcp.ack": "predictable (other direction)",
		"ip.src": "predictable (same as last)", "mqtt.topic": "predictable (same as last)", "frame.len": "predictable (payload length)",
		"frame.time_epoch": "raw", "mqtt.msg": "raw"} {
		f := field(t, r, name)
		got := f.Verdict
		if f.Rule != "" {
			got += " (" + f.Rule + ")"
		}
		if got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}

// TestBoundedState runs a long synthetic capture with many clients through small bounds and
// checks that every bound holds.
func TestBoundedState(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Config{Frames: 20000, Clients: 200, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{MaxLag: 8, MaxConversations: 16, KeepConversations: 6, MatrixSize: 4, SeriesLen: 32, SamplePoints: 50,
		PayloadSample: 256, MaxDistinct: 64, MaxTopics: 20, MaxKeys: 2, SensorTopics: 5, SensorPoints: 16}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Capture(&buf, "gen", dissect.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.convs) != 0 || len(a.kept) > 2*cfg.KeepConversations || len(a.topics) > cfg.MaxTopics {
		t.Errorf("after the capture: %d active conversations, %d kept, %d topics", len(a.convs), len(a.kept), len(a.topics))
	}
	r := a.Result()
	checkInvariants(t, r, st, cfg)
	capped := 0
	for _, f := range r.Fields {
		if f.DistinctCapped {
			capped++
		}
	}
	if capped == 0 || len(r.Sensors) != cfg.SensorTopics {
		t.Errorf("%d fields past MaxDistinct, %d sensor topics", capped, len(r.Sensors))
	}
	for _, s := range r.Sensors {
		if len(s.Series) > cfg.MaxKeys {
			t.Errorf("%s: %d keys", s.Topic, len(s.Series))
		}
	}
}

// TestMultipleCaptures analyses two captures with one Analyzer: their counts add up, their
// conversations stay apart and are labelled with the capture.
func TestMultipleCaptures(t *testing.T) {
	_, data := knownCapture(t)
	a, _ := New(Config{})
	for _, name := range []string{"one.pcap", "two.pcap"} {
		if _, err := a.Capture(bytes.NewReader(data), name, dissect.Config{}); err != nil {
			t.Fatal(err)
		}
	}
	r := a.Result()
	if r.Summary.Messages != 2*147 || r.Summary.Conversations != 4 || len(r.Captures) != 2 || r.Captures[1].Messages != 147 {
		t.Errorf("summary %+v, captures %+v", r.Summary, r.Captures)
	}
	if len(r.Conversations) != 4 || !strings.HasPrefix(r.Conversations[0].Label, "one.pcap#0 ") {
		t.Errorf("conversations %+v", r.Conversations)
	}
	if len(r.Sensors) != 4 {
		t.Errorf("%d sensor topics, want 4 (2 per capture)", len(r.Sensors))
	}
}
