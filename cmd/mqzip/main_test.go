package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mqzip-cli")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "mqzip")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs mqzip with args and stdin, returning stdout, stderr and the exit code.
func run(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func parseCSV(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v", err)
	}
	return recs
}

func TestCSVBundledSample(t *testing.T) {
	out, stderr, code := run(t, nil, "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := parseCSV(t, out)
	if len(recs) != 339 || recs[0][0] != "frame.number" {
		t.Errorf("%d records, header %v", len(recs), recs[0][:3])
	}
	if !strings.Contains(stderr, "bundled sample") || !strings.Contains(stderr, "338 MQTT messages") {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestCSVFileStdinAndFlagsAfterArgs(t *testing.T) {
	dir := t.TempDir()
	capPath := testcaps.Find(t, "misc/presill-mqtt-start-port1337.pcap")
	outPath, framesPath := filepath.Join(dir, "m.csv"), filepath.Join(dir, "f.csv")
	if _, stderr, code := run(t, nil, "csv", capPath, "-o", outPath, "--frames", framesPath, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	fromFile, _ := os.ReadFile(outPath)
	stdin, _ := os.ReadFile(capPath)
	fromStdin, _, code := run(t, stdin, "csv", "-", "-q")
	if code != 0 || fromStdin != string(fromFile) {
		t.Errorf("stdin output differs from file output (exit %d)", code)
	}
	if n := len(parseCSV(t, string(fromFile))); n != 23 {
		t.Errorf("%d records, want 22 messages + header", n)
	}
	frames := parseCSV(t, mustRead(t, framesPath))
	labels := map[string]bool{}
	for _, r := range frames[1:] {
		labels[r[len(r)-2]] = true
	}
	for _, l := range []string{"tcp-syn", "tcp-syn-ack", "tcp-ack"} {
		if !labels[l] {
			t.Errorf("frames table has no %s frame (labels %v)", l, labels)
		}
	}
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCSVPorts(t *testing.T) {
	capPath := testcaps.Find(t, "misc/presill-mqtt-start-port1337.pcap")
	out, _, _ := run(t, nil, "csv", "--no-detect", "-q", capPath)
	if n := len(parseCSV(t, out)); n != 1 {
		t.Errorf("--no-detect: %d records, want the header only", n)
	}
	out, _, _ = run(t, nil, "csv", "--no-detect", "--port", "1337", "-q", capPath)
	if n := len(parseCSV(t, out)); n != 23 {
		t.Errorf("--port 1337: %d records, want 23", n)
	}
}

func TestCSVFieldsAndSchema(t *testing.T) {
	out, _, code := run(t, nil, "csv", "-q", "-e", "frame.number", "-e", "mqtt.hdrcmd", "-e", "mqtt.topic")
	recs := parseCSV(t, out)
	if code != 0 || len(recs[0]) != 3 || recs[0][1] != "mqtt.msgtype" || recs[1][1] != "1" {
		t.Errorf("exit %d, header %v, first row %v", code, recs[0], recs[1])
	}
	out, _, code = run(t, nil, "csv", "--schema")
	schema := parseCSV(t, out)
	if code != 0 || len(schema) < 60 {
		t.Fatalf("schema: exit %d, %d rows", code, len(schema))
	}
	cats := map[string]int{}
	for _, r := range schema[1:] {
		cats[r[1]]++
	}
	for _, c := range []string{"transport", "fixed_header", "variable_header", "payload", "irrelevant"} {
		if cats[c] == 0 {
			t.Errorf("no column of category %s", c)
		}
	}
	_, stderr, code := run(t, nil, "csv", "-e", "mqtt.nosuchfield")
	if code == 0 || !strings.Contains(stderr, "unknown column") {
		t.Errorf("unknown field: exit %d, %s", code, stderr)
	}
}

func TestCSVBadInputKeepsRows(t *testing.T) {
	good, err := os.ReadFile(testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, good[:len(good)/2], "csv", "-")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "offset") || !strings.Contains(stderr, "frame") || !strings.Contains(stderr, "truncated") {
		t.Errorf("stderr does not say where: %s", stderr)
	}
	if n := len(parseCSV(t, out)); n < 100 {
		t.Errorf("only %d rows kept from the first half of the capture", n)
	}
	_, stderr, code = run(t, []byte("garbage garbage garbage garbage"), "csv", "-")
	if code != 1 || !strings.Contains(stderr, "capture:") {
		t.Errorf("garbage: exit %d, %s", code, stderr)
	}
	_, stderr, code = run(t, nil, "csv", "/nonexistent/x.pcap")
	if code != 1 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: exit %d, %s", code, stderr)
	}
}

func TestHelp(t *testing.T) {
	out, _, code := run(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "csv") {
		t.Errorf("exit %d: %s", code, out)
	}
	out, _, _ = run(t, nil, "csv", "--help")
	for _, s := range []string{"--frames", "--port", "--schema", "Wireshark"} {
		if !strings.Contains(out, s) {
			t.Errorf("csv --help does not mention %s", s)
		}
	}
}
