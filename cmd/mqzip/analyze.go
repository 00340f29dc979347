package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/analysis"
	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/report"
)

func analyzeCommand() *cli.Command {
	return &cli.Command{
		Name:      "analyze",
		Aliases:   []string{"analyse"},
		Usage:     "measure the traffic of captures and draw a report: field table, similarity, periods, values",
		ArgsUsage: "[capture.pcap|capture.pcapng|-]...",
		Description: "Reads one or more captures (\"-\": standard input; none: the bundled sample) and writes a report\n" +
			"into the output folder: index.html, one self-contained page (open it in a browser), the figures as\n" +
			"PNG and SVG, and summary.json with every number. The page holds the field table (entropy,\n" +
			"conditional entropy, how often simple rules predict each header field, and a verdict: fixed,\n" +
			"predictable or raw, with its cost in bits), the payload similarity between conversations, the\n" +
			"autocorrelation of message lengths, length against similarity to the previous message, the\n" +
			"numeric values found in payloads, and the time between messages with the keep-alive and publish\n" +
			"periods found. A summary and the periods are printed; --table also prints the field table.\n\n" +
			"Exit status: 0 on success, 1 when a capture could not be read to its end (the report is still\n" +
			"written, from what was read).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report into folder `DIR`", Value: "mqzip-report"},
			&cli.UintSliceFlag{Name: "port", Aliases: []string{"p"}, Usage: "dissect TCP `PORT` as MQTT, and take it as the broker's (repeatable)"},
			&cli.BoolFlag{Name: "no-detect", Usage: "dissect only the MQTT ports, do not recognise MQTT by its framing elsewhere"},
			&cli.IntFlag{Name: "lags", Usage: "autocorrelation lags `N`", Value: 40},
			&cli.BoolFlag{Name: "table", Usage: "also print the field table (Markdown) on standard output"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing but errors"},
		},
		Action: runAnalyze,
	}
}

func runAnalyze(c *cli.Context) error {
	cfg, err := dissectConfig(c, "analyze")
	if err != nil {
		return err
	}
	if c.Int("lags") < 1 {
		return fmt.Errorf("analyze: --lags %d must be at least 1", c.Int("lags"))
	}
	a, err := analysis.New(analysis.Config{MaxLag: c.Int("lags")})
	if err != nil {
		return err
	}
	args := c.Args().Slice()
	if len(args) == 0 {
		args = []string{""}
	}
	quiet := c.Bool("quiet")
	var failed []string
	for _, arg := range args {
		in, name, closeIn, err := openInput(arg)
		if err != nil {
			return err
		}
		h := newProgress(a, name, arg, !quiet && isTerminal(os.Stderr))
		a.Begin(name)
		st, runErr := dissect.Run(in, cfg, h)
		a.End(st, runErr)
		h.done()
		closeIn()
		if runErr != nil {
			fmt.Fprintf(os.Stderr, "mqzip analyze: %s: %v\n", name, runErr)
			failed = append(failed, name)
		}
	}
	dir := c.String("output")
	status := !quiet && isTerminal(os.Stderr)
	if status {
		fmt.Fprintf(os.Stderr, "mqzip analyze: drawing the report in %s ...", dir)
	}
	r := a.Result()
	paths, err := report.Write(dir, r, report.Options{Command: commandLine()})
	if status {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	if !quiet {
		report.WriteText(os.Stdout, r)
		if c.Bool("table") {
			fmt.Println()
			report.WriteFieldTable(os.Stdout, r.Fields)
		}
		fmt.Printf("report: %s (%d files)\n", filepath.Join(dir, report.Page), len(paths))
	}
	if len(failed) > 0 {
		return fmt.Errorf("analyze: %d of %d captures could not be read to their end: %s", len(failed), len(args), strings.Join(failed, ", "))
	}
	return nil
}

// commandLine is the command as typed, for the report's page.
func commandLine() string {
	parts := []string{"mqzip"}
	for _, a := range os.Args[1:] {
		if a == "" || strings.ContainsAny(a, " \t'\"$\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress forwards to the analyzer and, on a terminal, keeps one status line up to date with
// the frames read, their rate and how far into the file they are.
type progress struct {
	h            dissect.Handler
	name         string
	size         int64
	show         bool
	frames, msgs int
	offset       int64
	start, last  time.Time
	shown        bool
}

func newProgress(h dissect.Handler, name, path string, show bool) *progress {
	p := &progress{h: h, name: filepath.Base(name), show: show, start: time.Now()}
	p.last = p.start
	if st, err := os.Stat(path); err == nil && path != "" && path != "-" {
		p.size = st.Size()
	}
	return p
}

func (p *progress) Message(m *conv.Message) {
	p.msgs++
	p.h.Message(m)
}

func (p *progress) Frame(f *dissect.Frame) {
	p.frames++
	p.offset = f.Offset
	p.h.Frame(f)
	if p.show && p.frames&1023 == 0 {
		if now := time.Now(); now.Sub(p.last) >= 200*time.Millisecond {
			p.last = now
			p.print(now)
		}
	}
}

func (p *progress) print(now time.Time) {
	rate := float64(p.frames) / max(now.Sub(p.start).Seconds(), 1e-9)
	where := ""
	if p.size > 0 {
		where = fmt.Sprintf(", %.0f%% of %.1f MB", 100*float64(p.offset)/float64(p.size), float64(p.size)/1e6)
	}
	fmt.Fprintf(os.Stderr, "\r\033[Kmqzip analyze: %s: %d frames, %d messages%s, %.0f frames/s", p.name, p.frames, p.msgs, where, rate)
	p.shown = true
}

// done ends the status line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
}
