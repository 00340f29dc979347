package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mqzip/mqzip/analysis"
)

// Page, SummaryFile are the names of the files Write writes besides the figures.
const (
	Page        = "index.html"
	SummaryFile = "summary.json"
)

// Write draws the report of r into directory dir (created if needed): every figure as NAME.png
// and NAME.svg, index.html and summary.json. It returns the paths written.
func Write(dir string, r *analysis.Result, opt Options) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	figs, err := Figures(r)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range figs {
		for _, x := range []struct {
			ext  string
			data []byte
		}{{".png", f.PNG}, {".svg", f.SVG}} {
			p := filepath.Join(dir, f.Name+x.ext)
			if err := os.WriteFile(p, x.data, 0o644); err != nil {
				return paths, fmt.Errorf("report: %w", err)
			}
			paths = append(paths, p)
		}
	}
	for _, out := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{SummaryFile, func(w io.Writer) error { return WriteJSON(w, r) }},
		{Page, func(w io.Writer) error { return WriteHTML(w, r, figs, opt) }},
	} {
		p := filepath.Join(dir, out.name)
		if err := writeFile(p, out.write); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("report: %s: %w", filepath.Base(path), err)
	}
	return nil
}

// WriteJSON writes r as indented JSON (summary.json).
func WriteJSON(w io.Writer, r *analysis.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(r)
}
