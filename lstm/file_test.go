package lstm

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

// tinyPath is a small model file kept to pin the format: loading it and stepping it must give
// the hash in golden.txt.
var tinyPath = filepath.Join("testdata", "tiny.mqzm")

func tinyModel() *Quantized {
	return randomQuantized(Config{Hidden: 6, Embed: 3, Features: 2, Experts: 2}, 11)
}

func modelBytes(t *testing.T, q *Quantized) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := q.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo: %d, %v", n, err)
	}
	return buf.Bytes()
}

func TestFileRoundTrip(t *testing.T) {
	for _, cfg := range []Config{{Hidden: 6, Embed: 3, Features: 2}, {Layers: 2, Hidden: 20, Embed: 7, Features: 28, Hints: 4, Experts: 3}} {
		q := randomQuantized(cfg, 5)
		b := modelBytes(t, q)
		r := bytes.NewReader(append(b, "trailing"...))
		got, err := Load(r)
		if err != nil {
			t.Fatal(err)
		}
		if r.Len() != len("trailing") {
			t.Errorf("Load read %d bytes past the model", len("trailing")-r.Len())
		}
		if got.ID() != q.ID() || got.Meta() != q.Meta() || got.Config() != q.Config() {
			t.Errorf("loaded %v %+v %v, saved %v %+v %v", got.ID(), got.Meta(), got.Config(), q.ID(), q.Meta(), q.Config())
		}
		if g, w := goldenHash(t, got, 200), goldenHash(t, q, 200); g != w {
			t.Error("the loaded model predicts differently")
		}
		if !bytes.Equal(modelBytes(t, got), b) {
			t.Error("saving the loaded model gives other bytes")
		}
	}
}

// TestFileGolden loads the committed tiny model: the format and the arithmetic are stable.
func TestFileGolden(t *testing.T) {
	if *update {
		if err := os.WriteFile(tinyPath, modelBytes(t, tinyModel()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Load(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := goldenHash(t, q, 300), goldenHash(t, tinyModel(), 300); got != want {
		t.Errorf("the committed model steps to %s, the generated one to %s", got, want)
	}
}

func TestFileTruncated(t *testing.T) {
	b := modelBytes(t, tinyModel())
	for n := range len(b) {
		_, err := Load(bytes.NewReader(b[:n]))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("model cut to %d of %d bytes: %v, want io.ErrUnexpectedEOF", n, len(b), err)
		}
	}
}

func TestFileBitFlips(t *testing.T) {
	b := modelBytes(t, tinyModel())
	var unsupported, format, checksum, short int
	for i := range len(b) * 8 {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		_, err := Load(bytes.NewReader(c))
		var ue *UnsupportedError
		switch {
		case err == nil:
			t.Fatalf("a flip of bit %d of byte %d went unnoticed", i%8, i/8)
		case errors.As(err, &ue):
			unsupported++
		case errors.Is(err, ErrChecksum):
			checksum++
		case errors.Is(err, ErrFormat):
			format++
		case errors.Is(err, io.ErrUnexpectedEOF):
			short++ // the length grew past the end of the file
		default:
			t.Fatalf("bit %d of byte %d: unexpected error %v", i%8, i/8, err)
		}
	}
	t.Logf("%d bits: %d unsupported version, %d format, %d checksum, %d cut short", len(b)*8, unsupported, format, checksum, short)
}

func TestFileForeign(t *testing.T) {
	tests := map[string][]byte{
		"empty":   {},
		"prefix":  []byte("MQ"),
		"text":    []byte("hello, world"),
		"zeros":   make([]byte, 100),
		"gzip":    {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3},
		"version": append([]byte("MQZM\x03\x00"), make([]byte, 100)...),
	}
	caps := testcaps.Bundled(t)
	pcap, err := os.ReadFile(caps[0])
	if err != nil {
		t.Fatal(err)
	}
	tests["capture"] = pcap
	for name, b := range tests {
		_, err := Load(bytes.NewReader(b))
		var ue *UnsupportedError
		switch {
		case err == nil:
			t.Errorf("%s: loaded", name)
		case name == "version" && !errors.As(err, &ue):
			t.Errorf("%s: %v, want UnsupportedError", name, err)
		case (name == "empty" || name == "prefix") && !errors.Is(err, io.ErrUnexpectedEOF):
			t.Errorf("%s: %v, want io.ErrUnexpectedEOF", name, err)
		case name != "version" && name != "empty" && name != "prefix" && !errors.Is(err, ErrFormat):
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

func FuzzLoad(f *testing.F) {
	if b, err := os.ReadFile(tinyPath); err == nil {
		f.Add(b)
	}
	f.Add([]byte("MQZM"))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		// A model that loads runs without panicking, and saves to the same bytes.
		s := q.NewState()
		feat := make([]int16, q.cfg.Features)
		for sym := range 20 {
			q.Next(s, sym, feat)
			checkFreqs(t, q.Freqs(s, []int{sym % 3, sym}, nil))
		}
		if out := modelBytes(t, q); !bytes.Equal(out, b[:len(out)]) {
			t.Error("saving a loaded model gives other bytes")
		}
	})
}
