package bench

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// Tool is a compressor run as a child process, as its users run it: the input file's path is
// the last argument and the output goes to standard output.
type Tool struct {
	Name       string   // as shown in the table, for example "zstd -19 --long"
	Compress   []string // program and arguments that compress the file named after them
	Decompress []string // program and arguments that restore the file named after them
	// Dict says the tool takes a dictionary as "-D FILE" (zstd's syntax) before the file name.
	// Compare trains one per capture with "zstd --train" on the frames of the other captures
	// of the run (leave one out), never on the capture being measured.
	Dict bool
}

// Baselines returns the compressors users pick today, at their strongest usual settings:
// gzip -9, zstd -19 --long, zstd -19 with a trained dictionary, brotli -q 11 and xz -9e.
func Baselines() []Tool {
	return []Tool{
		{Name: "gzip -9", Compress: []string{"gzip", "-9", "-n", "-c"}, Decompress: []string{"gzip", "-d", "-c"}},
		{Name: "zstd -19 --long", Compress: []string{"zstd", "-19", "--long", "-q", "-c"}, Decompress: []string{"zstd", "-d", "--long", "-q", "-c"}},
		{Name: "zstd -19 -D dict", Compress: []string{"zstd", "-19", "-q", "-c"}, Decompress: []string{"zstd", "-d", "-q", "-c"}, Dict: true},
		{Name: "brotli -q 11", Compress: []string{"brotli", "-q", "11", "-c"}, Decompress: []string{"brotli", "-d", "-c"}},
		{Name: "xz -9e", Compress: []string{"xz", "-9e", "-c"}, Decompress: []string{"xz", "-d", "-c"}},
	}
}

// Mqzip returns the Tool that runs the mqzip binary at bin: "mqzip compress" and "mqzip
// decompress" writing to standard output.
func Mqzip(bin string) Tool {
	return Tool{
		Name:       "mqzip",
		Compress:   []string{bin, "compress", "-q", "-o", "-"},
		Decompress: []string{bin, "decompress", "-q", "-o", "-"},
	}
}

// Config configures Compare. The zero value of each field but Tools is its default.
type Config struct {
	// Tools are the compressors to compare, each run on every capture. It must not be empty;
	// Mqzip and Baselines make the usual set.
	Tools []Tool
	// Runs is how many times each command runs on each capture; the fastest run counts.
	// Zero means 1.
	Runs int
	// Dir is where compressed, restored and dictionary files go; empty means a temporary
	// folder that Compare removes when it returns.
	Dir string
	// Log, if not nil, receives a line of progress per capture and tool.
	Log io.Writer
}

// ErrRoundTrip is returned by Compare, wrapped, when a tool did not restore a capture byte for
// byte or failed to run; the Report still holds every measurement.
var ErrRoundTrip = errors.New("bench: round trip failed")

// Report is the outcome of Compare.
type Report struct {
	Runs     int               `json:"runs"`     // runs per command; the fastest counted
	Memory   string            `json:"memory"`   // how peak memory was measured
	Versions map[string]string `json:"versions"` // program name to its version line
	Files    []File            `json:"files"`
	Totals   []Total           `json:"totals"` // one per tool, in Config.Tools order
}

// File is the measurements on one capture.
type File struct {
	Name     string   `json:"name"` // short name (relative to its captures folder)
	Path     string   `json:"path"`
	Size     int64    `json:"size"`     // bytes
	Messages int      `json:"messages"` // MQTT messages dissected
	Results  []Result `json:"results"`  // one per tool, in Config.Tools order
}

// Result is one tool's measurements on one capture. Speeds are in MB/s (10^6 bytes of the
// original capture per second of wall time, process start included); memory is the peak
// resident set size of the child process, in MiB (Report.Memory says how it was measured).
type Result struct {
	Tool           string  `json:"tool"`
	Size           int64   `json:"size"`  // compressed bytes
	Ratio          float64 `json:"ratio"` // capture bytes / compressed bytes
	BitsPerByte    float64 `json:"bits_per_byte"`
	BitsPerMessage float64 `json:"bits_per_message"` // 0 when the capture has no message
	CompressMBps   float64 `json:"compress_mb_per_s"`
	DecompressMBps float64 `json:"decompress_mb_per_s"`
	CompressMiB    float64 `json:"compress_peak_mib"`
	DecompressMiB  float64 `json:"decompress_peak_mib"`
	Verified       bool    `json:"verified"` // the restored file equals the capture byte for byte
	// Skipped says why the tool was not run on this capture (a dictionary with nothing to
	// train on); the fields above are then zero and the result counts in no total.
	Skipped string `json:"skipped,omitempty"`
	Err     string `json:"error,omitempty"` // why the tool failed, if it did
}

// Total is one tool's measurements summed over the captures it ran on.
type Total struct {
	Tool           string  `json:"tool"`
	Files          int     `json:"files"`    // captures counted (not skipped, round trip verified)
	In             int64   `json:"in"`       // capture bytes
	Size           int64   `json:"size"`     // compressed bytes
	Messages       int     `json:"messages"` // MQTT messages
	Ratio          float64 `json:"ratio"`
	BitsPerByte    float64 `json:"bits_per_byte"`
	BitsPerMessage float64 `json:"bits_per_message"`
	CompressMBps   float64 `json:"compress_mb_per_s"` // total bytes / total time
	DecompressMBps float64 `json:"decompress_mb_per_s"`
	CompressMiB    float64 `json:"compress_peak_mib"` // the largest peak
	DecompressMiB  float64 `json:"decompress_peak_mib"`
	compressSec    float64
	decompressSec  float64
}

// Compare compresses and restores every capture in files with every tool in cfg.Tools, one
// after the other, and checks that each round trip restores the capture byte for byte. It
// returns an error wrapping ErrRoundTrip, with the complete Report, when one did not.
func Compare(files []string, cfg Config) (*Report, error) {
	if len(cfg.Tools) == 0 {
		return nil, errors.New("bench: no tool to compare")
	}
	if len(files) == 0 {
		return nil, errors.New("bench: no capture to compress")
	}
	if cfg.Runs <= 0 {
		cfg.Runs = 1
	}
	rep := &Report{Runs: cfg.Runs, Memory: memoryMethod(), Versions: map[string]string{}}
	for _, t := range cfg.Tools {
		v, err := version(t)
		if err != nil {
			return nil, err
		}
		rep.Versions[filepath.Base(t.Compress[0])] = v
	}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "mqzip-bench")
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	var samples *sampleSet
	for _, t := range cfg.Tools {
		if t.Dict {
			samples = &sampleSet{dir: filepath.Join(dir, "samples"), files: files}
			break
		}
	}
	failed := 0
	for i, path := range files {
		f, err := measureFile(path)
		if err != nil {
			return nil, err
		}
		for _, t := range cfg.Tools {
			r := runTool(t, path, i, f, samples, dir, cfg.Runs)
			if r.Err != "" {
				failed++
			}
			if cfg.Log != nil {
				fmt.Fprintf(cfg.Log, "bench: %s: %s: %s\n", f.Name, t.Name, r.summary())
			}
			f.Results = append(f.Results, r)
		}
		rep.Files = append(rep.Files, f)
	}
	rep.Totals = totals(cfg.Tools, rep.Files)
	if failed > 0 {
		return rep, fmt.Errorf("%w: %d of %d runs", ErrRoundTrip, failed, len(files)*len(cfg.Tools))
	}
	return rep, nil
}

// measureFile reads the capture's size and counts its MQTT messages.
func measureFile(path string) (File, error) {
	f := File{Name: testcaps.Name(path), Path: path}
	in, err := os.Open(path)
	if err != nil {
		return f, fmt.Errorf("bench: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return f, fmt.Errorf("bench: %w", err)
	}
	f.Size = st.Size()
	// A capture that stops parsing still counts the messages read up to there: the
	// compressors measured do not need a valid capture either.
	ds, _ := dissect.Run(in, dissect.Config{}, discard{})
	f.Messages = ds.Messages
	return f, nil
}

// runTool measures one tool on one capture.
func runTool(t Tool, path string, index int, f File, samples *sampleSet, dir string, runs int) Result {
	r := Result{Tool: t.Name}
	comp, decomp := t.Compress, t.Decompress
	if t.Dict {
		dict, skip, err := samples.dictionary(index)
		switch {
		case err != nil:
			r.Err = err.Error()
			return r
		case skip != "":
			r.Skipped = skip
			return r
		}
		comp = append(comp[:len(comp):len(comp)], "-D", dict)
		decomp = append(decomp[:len(decomp):len(decomp)], "-D", dict)
	}
	base := filepath.Join(dir, fmt.Sprintf("%d-%s", index, slug(t.Name)))
	packed, restored := base+".packed", base+".restored"
	defer os.Remove(packed)
	defer os.Remove(restored)
	c, err := bestRun(runs, append(comp[:len(comp):len(comp)], path), packed)
	if err != nil {
		r.Err = fmt.Sprintf("compress: %v", err)
		return r
	}
	d, err := bestRun(runs, append(decomp[:len(decomp):len(decomp)], packed), restored)
	if err != nil {
		r.Err = fmt.Sprintf("decompress: %v", err)
		return r
	}
	st, err := os.Stat(packed)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	r.Size = st.Size()
	r.Ratio = float64(f.Size) / float64(max(r.Size, 1))
	r.BitsPerByte = 8 * float64(r.Size) / float64(max(f.Size, 1))
	if f.Messages > 0 {
		r.BitsPerMessage = 8 * float64(r.Size) / float64(f.Messages)
	}
	r.CompressMBps = float64(f.Size) / 1e6 / c.wall.Seconds()
	r.DecompressMBps = float64(f.Size) / 1e6 / d.wall.Seconds()
	r.CompressMiB, r.DecompressMiB = c.peakMiB, d.peakMiB
	same, err := sameContent(path, restored)
	switch {
	case err != nil:
		r.Err = fmt.Sprintf("verify: %v", err)
	case !same:
		r.Err = "the restored file differs from the capture"
	default:
		r.Verified = true
	}
	return r
}

func (r Result) summary() string {
	switch {
	case r.Skipped != "":
		return "skipped: " + r.Skipped
	case r.Err != "":
		return "FAILED: " + r.Err
	}
	return fmt.Sprintf("%d bytes, ratio %.2f, %.1f / %.1f MB/s, round trip verified", r.Size, r.Ratio, r.CompressMBps, r.DecompressMBps)
}

// totals sums each tool's verified results.
func totals(tools []Tool, files []File) []Total {
	out := make([]Total, len(tools))
	for i, t := range tools {
		tot := &out[i]
		tot.Tool = t.Name
		for _, f := range files {
			r := f.Results[i]
			if !r.Verified {
				continue
			}
			tot.Files++
			tot.In += f.Size
			tot.Size += r.Size
			tot.Messages += f.Messages
			tot.compressSec += float64(f.Size) / 1e6 / r.CompressMBps
			tot.decompressSec += float64(f.Size) / 1e6 / r.DecompressMBps
			tot.CompressMiB = max(tot.CompressMiB, r.CompressMiB)
			tot.DecompressMiB = max(tot.DecompressMiB, r.DecompressMiB)
		}
		if tot.Files == 0 {
			continue
		}
		tot.Ratio = float64(tot.In) / float64(max(tot.Size, 1))
		tot.BitsPerByte = 8 * float64(tot.Size) / float64(max(tot.In, 1))
		if tot.Messages > 0 {
			tot.BitsPerMessage = 8 * float64(tot.Size) / float64(tot.Messages)
		}
		tot.CompressMBps = float64(tot.In) / 1e6 / tot.compressSec
		tot.DecompressMBps = float64(tot.In) / 1e6 / tot.decompressSec
	}
	return out
}

// version returns the first line a tool's program prints for --version; it fails when the
// program is not installed.
func version(t Tool) (string, error) {
	if len(t.Compress) == 0 || len(t.Decompress) == 0 {
		return "", fmt.Errorf("bench: tool %q has no command", t.Name)
	}
	prog := t.Compress[0]
	if _, err := exec.LookPath(prog); err != nil {
		return "", fmt.Errorf("bench: %s: %w", t.Name, err)
	}
	if t.Dict {
		if _, err := exec.LookPath("zstd"); err != nil {
			return "", fmt.Errorf("bench: %s: training the dictionary: %w", t.Name, err)
		}
	}
	arg := "--version"
	if filepath.Base(prog) == "zstd" {
		arg = "-V"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, prog, arg).Output()
	if err != nil {
		return goVersion(prog), nil // mqzip has no --version
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.Trim(line, "* "), nil
}

// goVersion describes a Go program by the commit it was built from, or returns "".
func goVersion(prog string) string {
	path, err := exec.LookPath(prog)
	if err != nil {
		return ""
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(len(s.Value), 12)]
		case "vcs.modified":
			if s.Value == "true" {
				modified = " with local changes"
			}
		}
	}
	if rev == "" {
		return "built with " + info.GoVersion
	}
	return fmt.Sprintf("commit %s%s, %s", rev, modified, info.GoVersion)
}

// discard is a dissect.Handler that keeps nothing.
type discard struct{}

func (discard) Message(*conv.Message) {}
func (discard) Frame(*dissect.Frame)  {}

// slug turns a tool name into a file name part.
func slug(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}
