package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

func TestCompressDecompressFiles(t *testing.T) {
	dir := t.TempDir()
	orig, err := os.ReadFile(testcaps.Find(t, "misc/verimqtt-mqtt.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "cap.pcapng")
	if err := os.WriteFile(in, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, nil, "compress", in, "--stats")
	if code != 0 {
		t.Fatalf("compress: exit %d: %s", code, stderr)
	}
	for _, s := range []string{"cap.pcapng", "bits per byte", "IP/TCP headers", "MQTT bits per message"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("compress --stats does not say %q: %s", s, stderr)
		}
	}
	z, err := os.ReadFile(in + ".mqz")
	if err != nil {
		t.Fatal(err)
	}
	if len(z) >= len(orig)/2 {
		t.Errorf("%d bytes compressed to %d", len(orig), len(z))
	}
	// The default output exists now: no overwrite without --force.
	if _, stderr, code := run(t, nil, "compress", in); code == 0 || !strings.Contains(stderr, "--force") {
		t.Errorf("overwrite without --force: exit %d, %s", code, stderr)
	}
	out := filepath.Join(dir, "restored.pcapng")
	if _, stderr, code := run(t, nil, "decompress", in+".mqz", "-o", out); code != 0 {
		t.Fatalf("decompress: exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, orig) {
		t.Fatalf("restored capture differs (%v)", err)
	}
}

func TestCompressPipes(t *testing.T) {
	orig, err := os.ReadFile(testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	z, stderr, code := run(t, orig, "compress", "-", "-q")
	if code != 0 {
		t.Fatalf("compress -: exit %d: %s", code, stderr)
	}
	got, stderr, code := run(t, []byte(z), "decompress", "-", "-q")
	if code != 0 || got != string(orig) {
		t.Fatalf("decompress -: exit %d, %d bytes (want %d): %s", code, len(got), len(orig), stderr)
	}
	// A corrupt file is an error naming the offset, and writes nothing wrong.
	bad := []byte(z)
	bad[len(bad)/2] ^= 0x10
	got, stderr, code = run(t, bad, "decompress", "-", "-q")
	if code != 1 || !strings.Contains(stderr, "offset") || got == string(orig) {
		t.Errorf("corrupt file: exit %d, %s", code, stderr)
	}
	// Not an mqz file at all.
	if _, stderr, code := run(t, orig, "decompress", "-"); code != 1 || !strings.Contains(stderr, "not an mqz file") {
		t.Errorf("pcap given to decompress: exit %d, %s", code, stderr)
	}
}

// TestCompressThreads compresses a capture in small segments with --threads 1, 2 and 3: the
// files must be identical, and decompress through a pipe with --threads 1 and 2. Invalid
// settings are refused.
func TestCompressThreads(t *testing.T) {
	orig, err := os.ReadFile(testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, threads := range []string{"1", "2", "3"} {
		z, stderr, code := run(t, orig, "compress", "-", "--threads", threads, "--segment-size", "16K")
		if code != 0 {
			t.Fatalf("--threads %s: exit %d: %s", threads, code, stderr)
		}
		if !strings.Contains(stderr, "4 segment(s)") {
			t.Errorf("--threads %s: %s", threads, stderr)
		}
		if threads == "1" {
			want = z
		} else if z != want {
			t.Errorf("--threads %s: %d bytes that differ from the %d of --threads 1", threads, len(z), len(want))
		}
	}
	for _, threads := range []string{"1", "2"} {
		got, stderr, code := run(t, []byte(want), "decompress", "-", "-q", "-T", threads)
		if code != 0 || got != string(orig) {
			t.Errorf("decompress --threads %s: exit %d, %d bytes (want %d): %s", threads, code, len(got), len(orig), stderr)
		}
	}
	for _, args := range [][]string{
		{"compress", "-", "--threads", "0"},
		{"compress", "-", "--segment-size", "1K"},
		{"compress", "-", "--segment-size", "65M"},
		{"compress", "-", "--segment-size", "lots"},
		{"decompress", "-", "--threads", "0"},
	} {
		if _, stderr, code := run(t, orig, args...); code != 1 || !strings.Contains(stderr, args[2]) && !strings.Contains(stderr, "segment size") {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}

func TestBenchCommand(t *testing.T) {
	for _, tool := range []string{"gzip", "zstd", "brotli", "xz"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	out, stderr, code := run(t, nil, "bench", "--runs", "1", "-q", testcaps.Find(t, "zeek/mqtt.pcap"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"| mqzip |", "| xz -9e |", "| gzip -9 |", "ok"} {
		if !strings.Contains(out, s) {
			t.Errorf("bench output lacks %q:\n%s", s, out)
		}
	}
}
