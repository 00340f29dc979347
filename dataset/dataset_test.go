package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/mqtt"
)

func read(t testing.TB, path string) []Conversation {
	t.Helper()
	convs, err := ReadFile(path, testcaps.Name(path), Options{})
	if err != nil && !errors.Is(err, ErrNoMQTT) {
		t.Fatalf("%s: %v", testcaps.Name(path), err)
	}
	return convs
}

// TestEveryCapture checks the conversations and sequences of every capture: each message is
// a whole packet, each sequence has a step per body byte and per EOM, with its features.
func TestEveryCapture(t *testing.T) {
	for _, path := range testcaps.All(t) {
		convs := read(t, path)
		name := testcaps.Name(path)
		ids := map[int]bool{}
		sh := NewShared()
		for _, c := range convs {
			if ids[c.ID] {
				t.Errorf("%s: conversation %d twice", name, c.ID)
			}
			ids[c.ID] = true
			last := 0
			for _, m := range c.Messages {
				fh, err := mqtt.ReadFixedHeader(m.Header)
				if err != nil || fh.Len != len(m.Header) || fh.RemainingLength != len(m.Body) || fh.Type != m.Type || fh.Flags != m.Flags {
					t.Fatalf("%s: conversation %d: message of frame %d: header % x, body of %d bytes", name, c.ID, m.Frame, m.Header, len(m.Body))
				}
				if m.Frame < last || m.Delta < 0 {
					t.Errorf("%s: frame %d after %d, delta %d", name, m.Frame, last, m.Delta)
				}
				last = m.Frame
			}
			seqs := c.Sequence(sh, 0)
			if len(seqs) != 1 || seqs[0].Len() != c.Steps() || len(seqs[0].Feats) != c.Steps()*Features {
				t.Fatalf("%s: conversation %d: %d sequences for %d steps", name, c.ID, len(seqs), c.Steps())
			}
			k := 0
			for _, m := range c.Messages {
				k += len(m.Body)
				if seqs[0].Syms[k] != lstm.EOM {
					t.Fatalf("%s: no EOM at the end of a message", name)
				}
				if f := seqs[0].Feats[k*Features : (k+1)*Features]; f[fLeft] != 0 || f[fType+int(m.Type)] != lstm.FeatOne {
					t.Fatalf("%s: EOM step features %v", name, f)
				}
				k++
			}
		}
	}
}

func TestSequencePieces(t *testing.T) {
	convs := read(t, testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	for _, c := range convs {
		whole := c.Sequence(nil, 0)[0]
		pieces := c.Sequence(nil, 300)
		var syms []uint16
		var feats []int16
		for _, p := range pieces {
			if p.Len() > 300 {
				t.Errorf("a piece of %d steps", p.Len())
			}
			syms, feats = append(syms, p.Syms...), append(feats, p.Feats...)
		}
		if len(pieces) < 2 && whole.Len() > 300 {
			t.Errorf("%d steps in %d pieces", whole.Len(), len(pieces))
		}
		if !equal16(syms, whole.Syms) || !equalI16(feats, whole.Feats) {
			t.Error("the pieces do not add up to the whole sequence")
		}
	}
}

func equal16(a, b []uint16) bool {
	return len(a) == len(b) && string(u16bytes(a)) == string(u16bytes(b))
}

func u16bytes(a []uint16) []byte {
	var b []byte
	for _, v := range a {
		b = append(b, byte(v), byte(v>>8))
	}
	return b
}

func equalI16(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLog2Fixed(t *testing.T) {
	tests := []struct {
		x    uint64
		want int64
	}{
		{0, 0}, {1, 0}, {2, 4096}, {3, 4096 + 2048}, {4, 8192}, {6, 8192 + 2048},
		{1 << 40, 40 << 12}, {math.MaxUint64, 63<<12 + 4095},
	}
	for _, tt := range tests {
		if got := log2Fixed(tt.x); got != tt.want {
			t.Errorf("log2Fixed(%d) = %d, want %d", tt.x, got, tt.want)
		}
	}
}

func TestContextFeatures(t *testing.T) {
	if nFeatures != Features {
		t.Fatalf("%d features laid out, Features is %d", nFeatures, Features)
	}
	pub := Message{Dir: conv.ClientToBroker, Type: mqtt.Publish, Flags: 0b0011, RemainingLength: 5, Frame: 7, Delta: 3000, Body: []byte("\x00\x01ab!")}
	var c Context
	f, h := make([]int16, Features), make([]int, Hints)
	step := func() int { c.Step(f, h); return h[0] }
	c.Begin(&pub)
	if hint := step(); hint != lstm.NoHint || h[1] != lstm.NoHint || h[2] != lstm.NoHint {
		t.Errorf("first message: hints %v", h)
	}
	want := map[int]int16{
		fFrame: logFeature(7), fDelta: logFeature(3), fPredictable: lstm.FeatOne / 2,
		fType + 3: lstm.FeatOne, fFlags: lstm.FeatOne, fFlags + 1: lstm.FeatOne, fConf2: 0, fConf4: 0,
		fLength: logFeature(5), fDir: lstm.FeatOne, fPos: 0, fLeft: 5 * lstm.FeatOne / 32, fLeftLog: logFeature(5),
	}
	for k := range Hints {
		want[fHitRate+k] = lstm.FeatOne / 2
	}
	for i, v := range f {
		if v != want[i] {
			t.Errorf("feature %d = %d, want %d", i, v, want[i])
		}
	}
	push := func(body []byte) (hints []int) {
		for _, x := range body {
			hints = append(hints, step())
			c.Push(x)
		}
		return append(hints, step())
	}
	push(pub.Body)
	if f[fPos] != 5*lstm.FeatOne/32 || f[fLeft] != 0 || f[fLeftLog] != 0 {
		t.Errorf("EOM step: pos %d left %d %d", f[fPos], f[fLeft], f[fLeftLog])
	}
	c.End()
	// A PUBLISH of the same length: the first one is the candidate, byte by byte.
	pub2 := pub
	pub2.Body = []byte("\x00\x01ab?")
	c.Begin(&pub2)
	if hints := push(pub2.Body); fmt.Sprint(hints) != "[0 1 97 98 33 256]" {
		t.Errorf("hints %v", hints)
	}
	if f[fHint] != lstm.FeatOne || f[fSameLen] != lstm.FeatOne || f[fMatched] != 0 || f[fRun] != 0 {
		t.Errorf("EOM step after a mismatch: %v", f[fHint:])
	}
	c.End()
	// A longer PUBLISH: the last one is the candidate, then no hint past its end.
	pub3 := pub
	pub3.RemainingLength, pub3.Body = 7, []byte("\x00\x01ab?xy")
	c.Begin(&pub3)
	if hints := push(pub3.Body); fmt.Sprint(hints) != "[0 1 97 98 63 256 257 257]" {
		t.Errorf("hints %v", hints)
	}
	if f[fHint] != 0 || f[fSameLen] != 0 {
		t.Errorf("past the candidate: %v", f[fHint:])
	}
	c.End()
	// 4 of 5, then 5 of 7 bytes were the hints.
	c.Begin(&pub2)
	step()
	if want := int16((9 + 1) * lstm.FeatOne / (17 + 2)); f[fPredictable] != want {
		t.Errorf("predictability %d, want %d", f[fPredictable], want)
	}
	push(pub2.Body[:3])
	if f[fMatched] != lstm.FeatOne || f[fRun] != 3*lstm.FeatOne/32 {
		t.Errorf("after 3 matches: %v", f[fHint:])
	}
	push(pub2.Body[3:])
	c.End()
	// The broker echoes a PUBLISH: its hints come from the client's message just before.
	echo := pub2
	echo.Dir, echo.Body = conv.BrokerToClient, []byte("\x00\x01ab?")
	c.Begin(&echo)
	if hints := push(echo.Body); fmt.Sprint(hints) != "[0 1 97 98 63 256]" {
		t.Errorf("echo hints %v", hints)
	}
	if f[fDir] != -lstm.FeatOne || f[fMatched] != lstm.FeatOne || f[fRun] != 5*lstm.FeatOne/32 {
		t.Errorf("echo EOM step: %v", f)
	}
	c.End()
	// The context models guess from the last 2 and 4 symbols: after "ab" came "?" twice and
	// "!" once (the majority counter keeps "?"), after "\x01ab?" came EOM and "x".
	c.Begin(&pub2)
	push([]byte("\x00\x01ab"))
	if h[1] != '?' || h[2] != '?' || f[fConf2] == 0 {
		t.Errorf("after \"ab\": guesses %v, confidence %d %d", h, f[fConf2], f[fConf4])
	}
	c.End()
	ack := Message{Dir: conv.BrokerToClient, Type: mqtt.Puback, RemainingLength: 2, Body: []byte{0, 1}}
	c.Begin(&ack)
	step()
	if f[fDir] != -lstm.FeatOne || f[fType+4] != lstm.FeatOne || f[fType+3] != 0 || f[fFlags] != 0 || f[fHint] != 0 {
		t.Errorf("PUBACK features %v", f)
	}
}

func TestSplit(t *testing.T) {
	convs := read(t, testcaps.Find(t, "mqttset/bruteforce.pcapng"))
	train, val := Split(convs, 0.2, 1)
	train2, val2 := Split(convs, 0.2, 1)
	if len(train)+len(val) != len(convs) || len(val) != len(val2) || len(train) != len(train2) {
		t.Fatalf("split %d into %d and %d, then %d and %d", len(convs), len(train), len(val), len(train2), len(val2))
	}
	share := float64(len(val)) / float64(len(convs))
	if share < 0.15 || share > 0.25 {
		t.Errorf("validation share %.3f, want about 0.2", share)
	}
	inVal := map[int]bool{}
	for _, c := range val {
		inVal[c.ID] = true
	}
	for _, c := range train {
		if inVal[c.ID] {
			t.Errorf("conversation %d on both sides", c.ID)
		}
	}
	_, other := Split(convs, 0.2, 2)
	if len(other) == len(val) && other[0].ID == val[0].ID {
		t.Error("another seed gave the same split")
	}
	t.Logf("%d conversations: %d training, %d validation", len(convs), len(train), len(val))
}

func TestReadNotMQTT(t *testing.T) {
	if _, err := Read(bytes.NewReader(nil), "empty", Options{}); err == nil {
		t.Error("an empty capture read without error")
	}
}

func TestBaseline(t *testing.T) {
	convs := read(t, testcaps.Find(t, "misc/riskyduha-mqtt.pcap"))
	m := NewContextModel(2)
	d := make([]float64, lstm.Symbols)
	m.Probs(d)
	sum := 0.0
	for _, v := range d {
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("the probabilities sum to %v", sum)
	}
	sc := Run(Baseline{m}, convs)
	m.Probs(d)
	sum = 0
	for _, v := range d {
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("after learning, the probabilities sum to %v", sum)
	}
	t.Logf("order 2: %.3f bits/byte, top-1 %.3f, exact %.3f over %d messages", sc.Total.BitsPerByte(), sc.Total.Accuracy(), sc.Total.ExactShare(), sc.Total.Messages)
	if bpb := sc.Total.BitsPerByte(); bpb <= 0 || bpb > 4 {
		t.Errorf("order-2 baseline at %.3f bits per byte", bpb)
	}
}
