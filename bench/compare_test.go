package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/sample"
)

// buildMqzip builds the mqzip command into a temporary folder, as "mqzip bench" runs it: as a
// child process.
func buildMqzip(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mqzip")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/mqzip")
	cmd.Dir = testcaps.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building mqzip: %v\n%s", err, out)
	}
	return bin
}

// needTools skips the test when a baseline's program is not installed (.ci/run installs them).
func needTools(t *testing.T) {
	t.Helper()
	for _, p := range []string{"gzip", "zstd", "brotli", "xz"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (apt-get install gzip zstd brotli xz-utils)", p)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestCompare runs the whole comparison on two small bundled captures and checks that every
// figure it reports agrees with the files: sizes, ratios, bits, verified round trips, totals.
// Two extra tools check the checks: "cat" (ratio 1) and one whose restore is wrong.
func TestCompare(t *testing.T) {
	needTools(t)
	files := []string{testcaps.Find(t, "misc/riskyduha-mqtt.pcap"), testcaps.Find(t, "arkime/mqtt_big.pcap")}
	identity := Tool{Name: "cat", Compress: []string{"cat"}, Decompress: []string{"cat"}}
	broken := Tool{Name: "broken", Compress: []string{"cat"}, Decompress: []string{"head", "-c", "100"}}
	tools := append(append([]Tool{Mqzip(buildMqzip(t))}, Baselines()...), identity, broken)
	var log bytes.Buffer
	rep, err := Compare(files, Config{Tools: tools, Log: &log})
	if !errors.Is(err, ErrRoundTrip) {
		t.Fatalf("Compare returned %v, want ErrRoundTrip for the broken tool", err)
	}
	if rep == nil || len(rep.Files) != len(files) || len(rep.Totals) != len(tools) {
		t.Fatalf("report: %+v", rep)
	}
	for i, f := range rep.Files {
		st, err := os.Stat(files[i])
		if err != nil {
			t.Fatal(err)
		}
		in, _ := os.Open(files[i])
		ds, _ := dissect.Run(in, dissect.Config{}, discard{})
		in.Close()
		if f.Size != st.Size() || f.Messages != ds.Messages || f.Messages == 0 {
			t.Errorf("%s: size %d messages %d, want %d and %d", f.Name, f.Size, f.Messages, st.Size(), ds.Messages)
		}
		if len(f.Results) != len(tools) {
			t.Fatalf("%s: %d results for %d tools", f.Name, len(f.Results), len(tools))
		}
		for j, r := range f.Results {
			checkResult(t, f, tools[j], r)
		}
	}
	checkTotals(t, rep)
	if n := strings.Count(log.String(), "\n"); n != len(files)*len(tools) {
		t.Errorf("%d progress lines, want %d", n, len(files)*len(tools))
	}
	checkOutputs(t, rep)
}

func checkResult(t *testing.T, f File, tool Tool, r Result) {
	t.Helper()
	if r.Tool != tool.Name || r.Skipped != "" {
		t.Errorf("%s: %s: result of %q, skipped %q", f.Name, tool.Name, r.Tool, r.Skipped)
		return
	}
	if tool.Name == "broken" {
		if r.Verified || r.Err == "" {
			t.Errorf("%s: a wrong restore passed verification: %+v", f.Name, r)
		}
		return
	}
	if !r.Verified || r.Err != "" {
		t.Errorf("%s: %s: round trip not verified: %s", f.Name, tool.Name, r.Err)
	}
	if r.Size <= 0 || r.Size >= f.Size && tool.Name != "cat" {
		t.Errorf("%s: %s: compressed size %d of %d", f.Name, tool.Name, r.Size, f.Size)
	}
	if tool.Name == "cat" && (r.Size != f.Size || r.Ratio != 1) {
		t.Errorf("%s: cat: size %d ratio %v, want %d and 1", f.Name, r.Size, r.Ratio, f.Size)
	}
	if !near(r.Ratio, float64(f.Size)/float64(r.Size)) || !near(r.BitsPerByte, 8*float64(r.Size)/float64(f.Size)) ||
		!near(r.BitsPerMessage, 8*float64(r.Size)/float64(f.Messages)) {
		t.Errorf("%s: %s: ratio %v, %v bits/byte, %v bits/message disagree with %d -> %d bytes, %d messages",
			f.Name, tool.Name, r.Ratio, r.BitsPerByte, r.BitsPerMessage, f.Size, r.Size, f.Messages)
	}
	if !(r.CompressMBps > 0) || !(r.DecompressMBps > 0) || math.IsInf(r.CompressMBps, 0) || math.IsInf(r.DecompressMBps, 0) {
		t.Errorf("%s: %s: speeds %v and %v MB/s", f.Name, tool.Name, r.CompressMBps, r.DecompressMBps)
	}
	if !(r.CompressMiB > 0 && r.DecompressMiB > 0) {
		t.Errorf("%s: %s: peak memory %v and %v MiB", f.Name, tool.Name, r.CompressMiB, r.DecompressMiB)
	}
}

func checkTotals(t *testing.T, rep *Report) {
	t.Helper()
	for i, tot := range rep.Totals {
		var in, size int64
		var msgs, n int
		for _, f := range rep.Files {
			if r := f.Results[i]; r.Verified {
				n++
				in += f.Size
				size += r.Size
				msgs += f.Messages
			}
		}
		if tot.Files != n || tot.In != in || tot.Size != size || tot.Messages != msgs {
			t.Errorf("totals of %s: %+v, want %d files, %d -> %d bytes, %d messages", tot.Tool, tot, n, in, size, msgs)
		}
		if tot.Tool == "broken" {
			if n != 0 {
				t.Errorf("the broken tool counts in the totals")
			}
			continue
		}
		if n != len(rep.Files) || !near(tot.Ratio, float64(in)/float64(size)) || !near(tot.BitsPerMessage, 8*float64(size)/float64(msgs)) ||
			!(tot.CompressMBps > 0 && tot.DecompressMBps > 0) {
			t.Errorf("totals of %s: %+v", tot.Tool, tot)
		}
	}
}

// checkOutputs checks the Markdown table (a row per capture and tool, the failure shown) and
// that the JSON holds the report.
func checkOutputs(t *testing.T, rep *Report) {
	t.Helper()
	var md bytes.Buffer
	if err := rep.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		for _, r := range f.Results {
			if !strings.Contains(md.String(), "| "+f.Name+" | ") || !strings.Contains(md.String(), " | "+r.Tool+" | ") {
				t.Errorf("Markdown has no row for %s, %s", f.Name, r.Tool)
			}
		}
	}
	if got := strings.Count(md.String(), "| ok |"); got != len(rep.Files)*(len(rep.Totals)-1) {
		t.Errorf("%d verified rows in the Markdown, want %d:\n%s", got, len(rep.Files)*(len(rep.Totals)-1), md.String())
	}
	if !strings.Contains(md.String(), "FAILED: the restored file differs") {
		t.Errorf("Markdown does not show the failed round trip:\n%s", md.String())
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for i := range back.Totals {
		back.Totals[i].compressSec, back.Totals[i].decompressSec = rep.Totals[i].compressSec, rep.Totals[i].decompressSec
	}
	if !reflect.DeepEqual(&back, rep) {
		t.Errorf("the JSON does not hold the report:\n%s", js)
	}
}

// TestCompareDictionary checks the dictionary's training set: with one capture there is nothing
// else to train on, so the dictionary tool is skipped, not trained on the capture itself.
func TestCompareDictionary(t *testing.T) {
	needTools(t)
	var dict Tool
	for _, tl := range Baselines() {
		if tl.Dict {
			dict = tl
		}
	}
	a, b := testcaps.Find(t, "misc/riskyduha-mqtt.pcap"), testcaps.Find(t, "suricata-verify/mqtt-limit-2_input.pcap")
	tests := []struct {
		files   []string
		skipped []bool
	}{
		{[]string{a}, []bool{true}},
		{[]string{a, b}, []bool{false, false}},
	}
	for _, tt := range tests {
		rep, err := Compare(tt.files, Config{Tools: []Tool{dict}})
		if err != nil {
			t.Fatalf("%d captures: %v", len(tt.files), err)
		}
		for i, f := range rep.Files {
			r := f.Results[0]
			if (r.Skipped != "") != tt.skipped[i] || !tt.skipped[i] && !r.Verified {
				t.Errorf("%d captures: %s: %+v", len(tt.files), f.Name, r)
			}
		}
	}
}

func TestSameContent(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("mqtt"), 1<<16)
	last := bytes.Clone(big)
	last[len(last)-1] ^= 1
	tests := []struct {
		name string
		a, b []byte
		want bool
	}{
		{"empty", nil, nil, true},
		{"equal", big, big, true},
		{"last byte", big, last, false},
		{"prefix", big, big[:len(big)-1], false},
		{"longer", big[:1<<16], big, false},
		{"empty and not", nil, []byte{0}, false},
	}
	for _, tt := range tests {
		pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(pa, tt.a, 0o644)
		os.WriteFile(pb, tt.b, 0o644)
		got, err := sameContent(pa, pb)
		if err != nil || got != tt.want {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if _, err := sameContent(filepath.Join(dir, "a"), filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing file")
	}
}

func TestDefaultCaptures(t *testing.T) {
	files, err := DefaultCaptures(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(files[len(files)-1])
	if err != nil || !bytes.Equal(got, sample.Bytes()) {
		t.Fatalf("the last capture %s is not the bundled sample (%v)", files[len(files)-1], err)
	}
	if _, err := os.Stat(filepath.Join(testcaps.SharedDir(), "mqttset", "benign.pcap")); err == nil && len(files) < 2 {
		t.Errorf("the MQTTset captures are missing: %v", files)
	}
}
