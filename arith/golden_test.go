package arith

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const goldenFile = "encode.sha256"

// goldenScript codes a fixed pseudo-random script with c (its own generator, so that changes
// to other test helpers cannot change it): 300,000 steps over 8 tables chosen at random at
// each step (as a model's change), adaptive bits, raw bits and message ends. It fails if c
// returns other values than the script's.
func goldenScript(tb testing.TB, c MessageCoder) {
	s := splitmix(0x6d717a6970) // "mqzip"
	var tables []*Table
	for i := range 8 {
		n := 2 + s.intn(300)
		if i == 0 {
			n = 257
		}
		freq := make([]uint32, n)
		budget := uint64(MaxTotal - n)
		for j := range freq {
			freq[j] = 1 + uint32(s.next()%(budget/uint64(n)+1))
		}
		tables = append(tables, mustTable(tb, freq))
	}
	var probs [8]Prob
	for i := range 300000 {
		var err error
		want, got := uint32(0), uint32(0)
		switch r := s.intn(100); {
		case r < 85:
			t := tables[s.intn(len(tables))]
			want = uint32(s.intn(t.Len()))
			var sym int
			sym, err = c.Code(t, int(want))
			got = uint32(sym)
		case r < 95:
			j := s.intn(len(probs))
			want = uint32(s.next()%8/uint64(j+1)) & 1
			var bit int
			bit, err = c.CodeBit(&probs[j], int(want))
			got = uint32(bit)
		case r < 99:
			n := s.intn(33)
			want = uint32(s.next() & (1<<n - 1))
			got, err = c.CodeBits(want, n)
		default:
			err = c.EndMessage()
		}
		if err != nil {
			tb.Fatalf("step %d: %v", i, err)
		}
		if got != want {
			tb.Fatalf("step %d: coded %d, want %d", i, got, want)
		}
	}
	if err := c.EndMessage(); err != nil {
		tb.Fatal(err)
	}
}

// TestGolden pins the encoder's output bit for bit: its SHA-256 must match
// testdata/encode.sha256 on every machine (amd64, arm64), and the decoder must read the
// script back. Run with -update after an intended change of the format.
func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	goldenScript(t, NewEncoder(&buf))
	stream := buf.Bytes()
	sum := sha256.Sum256(stream)
	got := fmt.Sprintf("%s  %d bytes: goldenScript in golden_test.go\n", hex.EncodeToString(sum[:]), len(stream))
	path := filepath.Join("testdata", goldenFile)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("encoder output changed:\n got %s want %s", got, want)
	}
	d := NewDecoder(bytes.NewReader(stream))
	goldenScript(t, d)
	if d.Offset() != int64(len(stream)) {
		t.Fatalf("decoder consumed %d of %d bytes", d.Offset(), len(stream))
	}
}
