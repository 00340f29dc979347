package analysis

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestValues(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []Value
	}{
		{"plain", "23.5", []Value{{"", 23.5}}},
		{"plain with spaces", " -7\n", []Value{{"", -7}}},
		{"exponent", "1e3", []Value{{"", 1000}}},
		{"json object", `{"t":21.5,"h":40,"id":"abc"}`, []Value{{"t", 21.5}, {"h", 40}}},
		{"json numeric string", `{"t":"21.5"}`, []Value{{"t", 21.5}}},
		{"json nested", `{"env":{"t":1,"h":2},"ok":true,"n":null}`, []Value{{"env.t", 1}, {"env.h", 2}}},
		{"json array", `[1,[2,3],{"a":4}]`, []Value{{"[0]", 1}, {"[1][0]", 2}, {"[1][1]", 3}, {"[2].a", 4}}},
		{"json array in object", `{"v":[5,6],"w":7}`, []Value{{"v[0]", 5}, {"v[1]", 6}, {"w", 7}}},
		{"json truncated", `{"t":1,"h":`, []Value{{"t", 1}}},
		{"key=value", "t=21.5;h=40&x=abc", []Value{{"t", 21.5}, {"h", 40}}},
		{"key:value", "temp:21 hum:40,bad:", []Value{{"temp", 21}, {"hum", 40}}},
		{"text", "ON", nil},
		{"hex-looking", "0x1f", nil},
		{"infinity", "1e999", nil},
		{"nan", "NaN", nil},
		{"binary", "\xff\xfe\x00\x01", nil},
		{"empty", "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Values([]byte(c.in)); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Values(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestValuesBounded(t *testing.T) {
	many := "[" + strings.Repeat("1,", 100) + "1]"
	if n := len(Values([]byte(many))); n != maxValues {
		t.Errorf("%d values from a 101-element array, want %d", n, maxValues)
	}
	deep := strings.Repeat("[", 40) + "1" + strings.Repeat("]", 40)
	if v := Values([]byte(deep)); len(v) != 0 {
		t.Errorf("values from 40 nested arrays: %v", v)
	}
	if v := Values([]byte(strings.Repeat("1", maxValuePayload+1))); v != nil {
		t.Errorf("values from an oversized payload: %v", v)
	}
}

func TestParseNum(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-12", -12, true}, {"0x0018", 24, true}, {"0xff", 255, true},
		{"1.250000000", 1_250_000_000, true}, {"1591954801.370848000", 1591954801370848000, true},
		{"-0.5", -500_000_000, true}, {"1.", 1_000_000_000, true},
		{"192.168.0.1", 0, false}, {"abc", 0, false}, {"", 0, false}, {"-", 0, false}, {".5", 0, false},
		{"0xg", 0, false}, {"99999999999999999999", 0, false}, {"9999999999.5", 0, false}, {"1.0000000001", 0, false},
	} {
		got, ok := parseNum([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("parseNum(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestAutocorrelationPeriod(t *testing.T) {
	repeat := func(pattern []float64, n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = pattern[i%len(pattern)]
		}
		return x
	}
	trend := make([]float64, 100)
	for i := range trend {
		trend[i] = float64(i)
	}
	for _, c := range []struct {
		name   string
		x      []float64
		period int
	}{
		{"alternating", repeat([]float64{10, 40}, 200), 2},
		{"period 3", repeat([]float64{10, 20, 60}, 300), 3},
		{"period 7", repeat([]float64{5, 5, 5, 5, 5, 5, 90}, 700), 7},
		{"trend has no period", trend, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, band := acf(c.x, 20)
			if len(r) != 20 || len(band) != 20 {
				t.Fatalf("%d lags, %d bands", len(r), len(band))
			}
			if p, _ := dominantPeriod(r, len(c.x)); p != c.period {
				t.Errorf("period %d, want %d (acf %.2f)", p, c.period, r)
			}
		})
	}
	if r, _ := acf(repeat([]float64{7}, 50), 10); r != nil {
		t.Errorf("constant series: acf %v, want nil", r)
	}
	if r, _ := acf([]float64{1, 2}, 10); r != nil {
		t.Errorf("two values: acf %v, want nil", r)
	}
	// Lag 1 of an alternating series is -1 up to the edge effect (n-1)/n.
	r, _ := acf(repeat([]float64{0, 1}, 100), 3)
	if math.Abs(r[0]+0.99) > 1e-9 || math.Abs(r[1]-0.98) > 1e-9 {
		t.Errorf("alternating acf %v, want -0.99, 0.98", r)
	}
}

func TestVerdict(t *testing.T) {
	var none [NumRules]float64
	hits := func(k int, p float64) [NumRules]float64 {
		h := none
		h[k] = p
		return h
	}
	for _, c := range []struct {
		name     string
		distinct int
		entropy  float64
		hits     [NumRules]float64
		verdict  string
		rule     string
	}{
		{"one value", 1, 0, hits(ruleConstant, 1), VerdictFixed, ""},
		{"always previous+1", 1000, 10, hits(ruleIncrement, 0.999), VerdictPredictable, "previous+1"},
		{"half the time is not enough to halve 1 bit", 2, 1, hits(ruleSame, 0.5), VerdictRaw, ""},
		{"rule below the hit rate", 1000, 10, hits(ruleSame, 0.49), VerdictRaw, ""},
		{"no rule", 1000, 10, none, VerdictRaw, ""},
		{"simpler rule within tolerance", 10, 3, [NumRules]float64{ruleSame: 0.999, ruleOther: 0.9995}, VerdictPredictable, "same as last"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, rule, bits := verdict(c.distinct, c.entropy, c.hits)
			if v != c.verdict || rule != c.rule {
				t.Errorf("verdict %s (%s), want %s (%s)", v, rule, c.verdict, c.rule)
			}
			if v == VerdictRaw && bits != c.entropy || v == VerdictFixed && bits != 0 || bits < 0 {
				t.Errorf("%s costs %v bits (entropy %v)", v, bits, c.entropy)
			}
		})
	}
}

func TestSnippetSimilarity(t *testing.T) {
	for _, c := range []struct {
		prev, next string
		want       float64
	}{
		{"abcdef", "abcdef", 1},
		{"abcdef", "abXdef", 5.0 / 6},
		{"t=21.5;h=40", "t=21.7;h=41", 9.0 / 11},
		{"abc", "xyz", 0},
		{"abc", "abcdef", 0.5},
		{"", "", 1},
	} {
		var s snippet
		s.set([]byte(c.prev))
		if got := s.similarity([]byte(c.next)); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("similarity(%q, %q) = %v, want %v", c.prev, c.next, got, c.want)
		}
	}
	long := []byte(strings.Repeat("a", 3*snippetHalf))
	var s snippet
	s.set(long)
	if len(s.head)+len(s.tail) != 2*snippetHalf || s.similarity(long) != 1 {
		t.Errorf("a long message keeps %d bytes and is %v similar to itself", len(s.head)+len(s.tail), s.similarity(long))
	}
}

func TestNCDMatrix(t *testing.T) {
	text := []byte(strings.Repeat(`{"t":21.5,"h":40}`, 50))
	noise := make([]byte, len(text))
	x := uint32(1)
	for i := range noise {
		x = x*1664525 + 1013904223
		noise[i] = byte(x >> 24)
	}
	m := ncdMatrix([][]byte{text, text, noise})
	if m[0][0] != 0 || m[0][1] > 0.3 || m[0][2] < 0.9 || m[0][2] != m[2][0] {
		t.Errorf("NCD matrix %v: want identical samples near 0, text and noise near 1, symmetric", m)
	}
}

func TestSeriesThinning(t *testing.T) {
	s := newSeries(16)
	for i := range 1000 {
		s.add(float64(i), float64(i))
	}
	if len(s.x) > 16 || len(s.x) < 8 || s.x[0] != 0 || s.x[len(s.x)-1] < 900 {
		t.Errorf("thinned series %v: want at most 16 points from 0 to the end", s.x)
	}
	for i := 1; i < len(s.x); i++ {
		if s.x[i]-s.x[i-1] != s.x[1]-s.x[0] {
			t.Fatalf("uneven thinning: %v", s.x)
		}
	}
}

func TestCounterOverflow(t *testing.T) {
	c := counter{limit: 4}
	for i := range 100 {
		c.add(uint64(i))
	}
	if c.distinct() != 100 || len(c.m) != 4 || math.Abs(c.entropy()-math.Log2(100)) > 1e-9 {
		t.Errorf("distinct %d, kept %d, entropy %v; want 100, 4, log2(100)", c.distinct(), len(c.m), c.entropy())
	}
}

func TestConfigVerify(t *testing.T) {
	for _, cfg := range []Config{{MaxLag: -1}, {SeriesLen: -3}, {MaxLag: 100, SeriesLen: 50}} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) error %v, want ErrConfig", cfg, err)
		}
	}
	if _, err := New(Config{}); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}
