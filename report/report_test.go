package report

import (
	"bytes"
	"encoding/json"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mqzip/mqzip/analysis"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/sample"
)

// figureNames are the figures of every report, in page order.
var figureNames = []string{"bytes", "fields", "similarity", "autocorrelation", "length_similarity", "sensors", "gaps", "gap_histogram"}

func analyzeFiles(t testing.TB, paths ...string) *analysis.Result {
	t.Helper()
	a, err := analysis.New(analysis.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		a.Capture(f, p, dissect.Config{})
		f.Close()
	}
	return a.Result()
}

func sampleResult(t testing.TB) *analysis.Result {
	a, _ := analysis.New(analysis.Config{})
	if _, err := a.Capture(sample.Capture(), sample.Name, dissect.Config{}); err != nil {
		t.Fatal(err)
	}
	return a.Result()
}

// checkFigures checks that every figure is there, in order, as a PNG of a sensible size and an
// SVG.
func checkFigures(t *testing.T, figs []Figure) {
	t.Helper()
	if len(figs) != len(figureNames) {
		t.Fatalf("%d figures, want %d", len(figs), len(figureNames))
	}
	for i, f := range figs {
		if f.Name != figureNames[i] || f.Title == "" || f.Caption == "" {
			t.Errorf("figure %d: %q %q", i, f.Name, f.Title)
		}
		img, err := png.Decode(bytes.NewReader(f.PNG))
		if err != nil {
			t.Errorf("%s.png: %v", f.Name, err)
			continue
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if w < 300 || h < 150 || w > 4000 || h > 4000 {
			t.Errorf("%s.png is %d×%d pixels", f.Name, w, h)
		}
		if !bytes.HasPrefix(f.SVG, []byte("<?xml")) || !bytes.Contains(f.SVG, []byte("<svg")) {
			t.Errorf("%s.svg does not look like SVG", f.Name)
		}
	}
}

func TestFiguresSample(t *testing.T) {
	figs, err := Figures(sampleResult(t))
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, figs)
}

// TestFiguresEmpty draws the report of a capture without a single MQTT message: every figure
// is a placeholder, none fails.
func TestFiguresEmpty(t *testing.T) {
	var buf bytes.Buffer
	buf.Write([]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0})
	a, _ := analysis.New(analysis.Config{})
	if _, err := a.Capture(&buf, "empty.pcap", dissect.Config{}); err != nil {
		t.Fatal(err)
	}
	figs, err := Figures(a.Result())
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, figs)
}

func TestWrite(t *testing.T) {
	r := sampleResult(t)
	dir := t.TempDir()
	paths, err := Write(dir, r, Options{Command: "mqzip analyze"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2*len(figureNames)+2 {
		t.Errorf("%d files: %v", len(paths), paths)
	}
	for _, n := range figureNames {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, n+ext)); err != nil || st.Size() == 0 {
				t.Errorf("%s%s: %v", n, ext, err)
			}
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var back analysis.Result
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Summary, r.Summary) || len(back.Fields) != len(r.Fields) {
		t.Errorf("summary.json does not round-trip: %+v", back.Summary)
	}
	page, err := os.ReadFile(filepath.Join(dir, Page))
	if err != nil {
		t.Fatal(err)
	}
	text := html.UnescapeString(string(page))
	if n := strings.Count(text, `src="data:image/png;base64,`); n != len(figureNames) {
		t.Errorf("%d embedded images, want %d", n, len(figureNames))
	}
	for _, f := range r.Fields {
		if !strings.Contains(text, ">"+f.Name+"</td>") {
			t.Errorf("the field table lacks %s", f.Name)
		}
	}
	for _, s := range []string{"338", "riskyduha-mqtt.pcap", "Keep-alive", "Publish periods", "predictable (previous+length)"} {
		if !strings.Contains(text, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	if regexp.MustCompile(`(?i)(src|href)="https?:`).MatchString(text) {
		t.Error("the page loads something from the network")
	}
}

func TestWriteText(t *testing.T) {
	r := analyzeFiles(t, testcaps.Find(t, "mqttset/benign.pcap"))
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"6832 messages in 10 conversations (10 clients, 9 topics; MQTT 3.1.1 10)",
		"keep-alive (interval between PINGREQs): 60 s (10 conversations)", "publish period 1 s: 8 streams", "publish period 60 s: 3 streams"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	WriteFieldTable(&b, r.Fields)
	if !strings.Contains(b.String(), "| tcp.seq | transport | 6832 |") || strings.Count(b.String(), "\n") != len(r.Fields)+2 {
		t.Errorf("field table:\n%s", b.String())
	}
}

// TestFiguresScale draws the report of a small and a large real capture and of several
// captures at once.
func TestFiguresScale(t *testing.T) {
	for _, set := range [][]string{
		{"suricata-verify/mqtt311-pub-qos1_input.pcap"},
		{"mqttset/benign.pcap"},
		{"mqttset/flood.pcap", "mqttset/bruteforce.pcapng"},
	} {
		t.Run(set[0], func(t *testing.T) {
			var paths []string
			for _, s := range set {
				paths = append(paths, testcaps.Find(t, s))
			}
			figs, err := Figures(analyzeFiles(t, paths...))
			if err != nil {
				t.Fatal(err)
			}
			checkFigures(t, figs)
		})
	}
}

func TestLabels(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{1e-6, "1 µs"}, {2e-4, "200 µs"}, {0.01, "10 ms"}, {1, "1 s"}, {59.99996, "1 min"}, {60, "1 min"}, {3600, "1 h"}, {86400, "1 d"}} {
		if got := durationLabel(c.v); got != c.want {
			t.Errorf("durationLabel(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		v    float64
		want string
	}{{0.5, "500 ms"}, {59.99996, "60 s"}, {61, "61 s"}, {180, "3 min"}, {185, "3 min 5 s"}, {7200, "2 h"}} {
		if got := durationText(c.v); got != c.want {
			t.Errorf("durationText(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	var labels []string
	for _, tk := range (niceTicks{}).Ticks(-0.3, 1.1) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if strings.Join(labels, " ") != "0.0 0.5 1.0" {
		t.Errorf("ticks %v", labels)
	}
	if got := humanBytes(825622); got != "826 kB" {
		t.Errorf("humanBytes = %q", got)
	}
}

// TestBrowser opens the page in headless Chromium and checks that every figure loads.
func TestBrowser(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no chromium (Debian package chromium)")
	}
	dir := t.TempDir()
	if _, err := Write(filepath.Join(dir, "report"), sampleResult(t), Options{}); err != nil {
		t.Fatal(err)
	}
	page := "file://" + filepath.Join(dir, "report", Page)
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--virtual-time-budget=5000"}
	ctx := exec.Command(bin, append(args, "--dump-dom", page)...)
	var out, errb bytes.Buffer
	ctx.Stdout, ctx.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := ctx.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- ctx.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, errb.String())
		}
	case <-time.After(90 * time.Second):
		ctx.Process.Kill()
		t.Fatal("chromium did not finish in 90 s")
	}
	dom := out.String()
	want := `data-figures="` + strconv.Itoa(len(figureNames)) + "/" + strconv.Itoa(len(figureNames)) + `"`
	if !strings.Contains(dom, want) {
		t.Errorf("the page reports %q, want %s", regexp.MustCompile(`data-figures="[^"]*"`).FindString(dom), want)
	}
	if n := strings.Count(dom, `data-loaded="ok"`); n != len(figureNames) {
		t.Errorf("%d figures loaded, want %d; broken: %d", n, len(figureNames), strings.Count(dom, `data-loaded="broken"`))
	}
}
