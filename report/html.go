package report

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/mqzip/mqzip/analysis"
)

//go:embed page.html
var pageSource string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"f2":   func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"f3":   func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"pct":  func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
	"pct0": func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) },
	"dur":  durationText,
	"first": func(n int, v any) any {
		switch s := v.(type) {
		case []analysis.KeepAlive:
			return s[:min(n, len(s))]
		case []analysis.Period:
			return s[:min(n, len(s))]
		}
		return v
	},
	"fig": func(string) template.HTML { return "" },
}).Parse(pageSource))

// Options describes the page.
type Options struct {
	Title     string // default "mqzip analyze: " and the captures' names
	Command   string // the command line that made the report
	Generated string // when, as text; empty to leave out (the tests compare pages)
}

type pageData struct {
	Title, Command, Generated string
	R                         *analysis.Result
	S                         analysis.Summary
	Versions, Types, Status   string
	VersionList               string
	Rows                      []fieldRow
	Periods                   []acfPeriod
}

type fieldRow struct {
	Cat string
	F   analysis.Field
}

type acfPeriod struct {
	Conv, Dir string
	N, Period int
	ACF       float64
}

// WriteHTML writes the self-contained page: the figures' PNGs are embedded as data URIs.
func WriteHTML(w io.Writer, r *analysis.Result, figs []Figure, opt Options) error {
	d := pageData{Title: opt.Title, Command: opt.Command, Generated: opt.Generated, R: r, S: r.Summary}
	if d.Title == "" {
		var names []string
		for _, c := range r.Captures {
			names = append(names, baseName(c.Name))
		}
		d.Title = "mqzip analyze: " + shortList(names, 4)
	}
	if d.Command == "" {
		d.Command = "mqzip analyze"
	}
	d.Versions = joinCounts(r.Summary.Versions)
	d.VersionList = strings.Join(slices.Sorted(maps.Keys(r.Summary.Versions)), ", ")
	if d.VersionList == "" {
		d.VersionList = "–"
	}
	d.Types = joinCounts(r.Summary.Types)
	d.Status = joinCounts(r.Summary.Status)
	cat := ""
	for _, f := range r.Fields {
		if f.Category != cat {
			cat = f.Category
			d.Rows = append(d.Rows, fieldRow{Cat: cat})
		}
		d.Rows = append(d.Rows, fieldRow{F: f})
	}
	for _, ac := range r.Autocorr {
		if ac.Period > 0 {
			d.Periods = append(d.Periods, acfPeriod{Conv: convLabel(r, ac.Conversation), Dir: arrow(ac.Direction), N: ac.N, Period: ac.Period, ACF: ac.PeriodACF})
		}
	}
	byName := map[string]Figure{}
	for _, f := range figs {
		byName[f.Name] = f
	}
	t, err := page.Clone()
	if err != nil {
		return err
	}
	t.Funcs(template.FuncMap{"fig": func(name string) template.HTML { return figureHTML(byName[name]) }})
	return t.Execute(w, d)
}

// figureHTML embeds a figure's PNG and links its files.
func figureHTML(f Figure) template.HTML {
	if f.Name == "" {
		return ""
	}
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<figure data-figure="%s" id="fig-%s">`, esc(f.Name), esc(f.Name))
	fmt.Fprintf(&b, `<img alt="%s" src="data:image/png;base64,%s">`, esc(f.Title), base64.StdEncoding.EncodeToString(f.PNG))
	fmt.Fprintf(&b, `<figcaption><b>%s.</b> %s (<a href="%s.png">PNG</a>, <a href="%s.svg">SVG</a>)</figcaption></figure>`,
		esc(f.Title), esc(f.Caption), esc(f.Name), esc(f.Name))
	return template.HTML(b.String())
}

// durationText writes seconds readably: 12 ms, 1.5 s, 60 s, 3 min, 1 h 5 min.
func durationText(s float64) string {
	switch {
	case s <= 0:
		return "0 s"
	case s < 1e-3:
		return trimFloat(s*1e6) + " µs"
	case s < 1:
		return trimFloat(s*1e3) + " ms"
	case s < 120:
		return trimFloat(s) + " s"
	case s < 3600:
		m, sec := int(s+0.5)/60, int(s+0.5)%60
		if sec == 0 {
			return fmt.Sprintf("%d min", m)
		}
		return fmt.Sprintf("%d min %d s", m, sec)
	}
	h, m := int(s+30)/3600, int(s+30)%3600/60
	if m == 0 {
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

func joinCounts(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func shortList(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + fmt.Sprintf(" and %d more", len(s)-n)
}
