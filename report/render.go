package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"unicode"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// dpi is the resolution of the PNG figures.
const dpi = 120

// sans is the typeface of every figure.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// palette is a colour-blind-safe categorical palette (Okabe and Ito), then greys.
var categorical = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{120, 94, 40, 255},   // brown
	color.RGBA{0, 0, 0, 255},       // black
}

var grey = color.RGBA{150, 150, 150, 255}

func colorAt(i int) color.Color { return categorical[i%len(categorical)] }

// fade returns c with alpha a (premultiplied).
func fade(c color.Color, a float64) color.Color {
	r, g, b, _ := c.RGBA()
	return color.RGBA{uint8(float64(r>>8) * a), uint8(float64(g>>8) * a), uint8(float64(b>>8) * a), uint8(255 * a)}
}

// newPlot returns a plot in the report's style.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = cleanN(title, 100)
	p.Title.TextStyle.Font = font.From(sans, 11)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9)
	}
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.Top = true
	return p
}

// clean makes s safe to draw: control characters become spaces, and it is cut to 60 runes.
func clean(s string) string { return cleanN(s, 60) }

// cleanN is clean with a limit of n runes.
func cleanN(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8RuneError {
			return ' '
		}
		return r
	}, s)
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

const utf8RuneError = '\uFFFD'

// render draws a figure of w×h inches twice, as PNG and as SVG. A panic inside the plotting
// library becomes an error.
func render(w, h float64, drawFn func(c draw.Canvas)) (pngData, svgData []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			pngData, svgData, err = nil, nil, fmt.Errorf("report: drawing failed: %v", r)
		}
	}()
	W, H := vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(W, H), vgimg.UseDPI(dpi))
	fillWhite(img, W, H)
	drawFn(margin(draw.New(img)))
	var pb bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&pb); err != nil {
		return nil, nil, fmt.Errorf("report: png: %w", err)
	}
	sv := vgsvg.NewWith(vgsvg.UseWH(W, H), vgsvg.EmbedFonts(true))
	fillWhite(sv, W, H)
	drawFn(margin(draw.New(sv)))
	var sb bytes.Buffer
	if _, err := sv.WriteTo(&sb); err != nil {
		return nil, nil, fmt.Errorf("report: svg: %w", err)
	}
	return pb.Bytes(), sb.Bytes(), nil
}

// margin keeps a figure's text off its edges.
func margin(c draw.Canvas) draw.Canvas {
	m := vg.Points(5)
	return draw.Crop(c, m, -m, m, -m)
}

func fillWhite(c vg.Canvas, w, h vg.Length) {
	c.SetColor(color.White)
	c.Fill(vg.Path{{Type: vg.MoveComp, Pos: vg.Point{}}, {Type: vg.LineComp, Pos: vg.Point{X: w}},
		{Type: vg.LineComp, Pos: vg.Point{X: w, Y: h}}, {Type: vg.LineComp, Pos: vg.Point{Y: h}}, {Type: vg.CloseComp}})
}

// single draws one plot.
func single(p *plot.Plot, w, h float64) ([]byte, []byte, error) {
	return render(w, h, func(c draw.Canvas) { p.Draw(c) })
}

// grid draws plots in rows of cols panels, each w×h inches.
func grid(plots []*plot.Plot, cols int, w, h float64) ([]byte, []byte, error) {
	rows := (len(plots) + cols - 1) / cols
	table := make([][]*plot.Plot, rows)
	for i := range table {
		table[i] = make([]*plot.Plot, cols)
	}
	for i, p := range plots {
		table[i/cols][i%cols] = p
	}
	return render(w*float64(cols), h*float64(rows), func(c draw.Canvas) {
		t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 3}
		canv := plot.Align(table, t, c)
		for r := range table {
			for k, p := range table[r] {
				if p != nil {
					p.Draw(canv[r][k])
				}
			}
		}
	})
}

// withLegend draws p, w×h inches, with its legend in a column on the right, and returns the
// figure widened by that column.
func withLegend(p *plot.Plot, w, h float64) ([]byte, []byte, error) {
	leg := p.Legend
	p.Legend = plot.NewLegend()
	leg.Left, leg.Top = true, true
	probe := draw.New(vgimg.New(vg.Inch*10, vg.Inch*10))
	r := leg.Rectangle(probe)
	lw := float64((r.Max.X-r.Min.X)/vg.Inch) + 0.25
	return render(w+lw, h, func(c draw.Canvas) {
		split := c.Max.X - vg.Length(lw)*vg.Inch
		left := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: c.Min, Max: vg.Point{X: split, Y: c.Max.Y}}}
		right := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: split + vg.Points(10), Y: c.Min.Y},
			Max: vg.Point{X: c.Max.X, Y: c.Max.Y - vg.Points(24)}}}
		p.Draw(left)
		leg.Draw(right)
	})
}

// placeholder is the figure drawn when there is nothing to show.
func placeholder(title, why string, w, h float64) ([]byte, []byte, error) {
	p := newPlot(title, "", "")
	p.HideAxes()
	return render(w, h, func(c draw.Canvas) {
		p.Draw(c)
		sty := p.Title.TextStyle
		sty.Font = font.From(sans, 11)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}, clean(why))
	})
}

// timeUnit picks the unit of a time axis that spans span seconds.
func timeUnit(span float64) (scale float64, name string) {
	switch {
	case span > 5*3600:
		return 3600, "h"
	case span > 300:
		return 60, "min"
	case span < 2e-3:
		return 1e-6, "µs"
	case span < 2:
		return 1e-3, "ms"
	}
	return 1, "s"
}

// durationTicks labels a logarithmic axis of seconds in readable units: 1 µs, 10 ms, 1 s,
// 1 min, 1 h, 1 d.
type durationTicks struct{}

func (durationTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= 0 || hi < lo {
		return nil
	}
	// Which multiples of a power of ten get a label: fewer when the axis spans more decades.
	labelled := func(k float64) bool { return k == 1 }
	switch d := math.Log10(hi / lo); {
	case d < 0.7:
		labelled = func(float64) bool { return true }
	case d < 2:
		labelled = func(k float64) bool { return k == 1 || k == 2 || k == 5 }
	}
	var ticks []plot.Tick
	add := func(v float64, label bool) {
		if v >= lo*0.999 && v <= hi*1.001 {
			t := plot.Tick{Value: v}
			if label {
				t.Label = durationLabel(v)
			}
			ticks = append(ticks, t)
		}
	}
	for e := math.Floor(math.Log10(lo)); e <= math.Min(math.Ceil(math.Log10(hi)), 1); e++ {
		v := math.Pow(10, e)
		for k := 1.0; k < 10 && k*v < 60; k++ {
			add(k*v, labelled(k))
		}
	}
	for _, v := range []float64{60, 600, 3600, 36000, 86400, 864000} {
		add(v, true)
	}
	for _, v := range []float64{120, 180, 240, 300, 1200, 1800, 2400, 3000, 7200, 10800, 14400, 18000} {
		add(v, labelled(2))
	}
	return ticks
}

// durationLabel writes seconds in the largest unit that keeps a whole number of it.
func durationLabel(s float64) string {
	for _, u := range []struct {
		v    float64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}, {1e-3, "ms"}, {1e-6, "µs"}, {1e-9, "ns"}} {
		if s >= u.v*0.999 {
			return trimFloat(s/u.v) + " " + u.name
		}
	}
	return trimFloat(s) + " s"
}

// trimFloat writes v with three significant digits and no trailing zeros.
func trimFloat(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	d := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	s := strconv.FormatFloat(v, 'f', d, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// niceTicks puts major ticks at 1, 2 or 5 times a power of ten, about five of them, labelled
// without needless decimals; integer keeps the step at least 1.
type niceTicks struct{ integer bool }

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: trimFloat(lo)}}
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if t.integer && step < 1 {
		step = 1
	}
	dec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	minor := step / 5
	if m := math.Round(step / mag); m == 2 {
		minor = step / 4
	}
	if t.integer && minor < 1 {
		minor = 0
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / step); i*step <= hi+step*1e-9 && len(ticks) < 100; i++ {
		v := i * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		label := strconv.FormatFloat(v, 'f', dec, 64)
		if math.Abs(v) >= 1e4 {
			label = humanNumber(v)
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	if minor > 0 {
		for i := math.Ceil(lo / minor); i*minor <= hi && len(ticks) < 400; i++ {
			v := i * minor
			if math.Abs(math.Remainder(v, step)) > minor/2 {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// log10Axis is a ticker for an axis that shows log10 of its data: it asks t for the ticks of
// the data's range and places them at their logarithms. (Data are transformed rather than
// drawn with plot.LogScale, whose axis labels are placed for a linear axis and which panics
// on values that are not positive.)
type log10Axis struct{ t plot.Ticker }

func (a log10Axis) Ticks(lo, hi float64) []plot.Tick {
	ticks := a.t.Ticks(math.Pow(10, lo), math.Pow(10, hi))
	for i := range ticks {
		ticks[i].Value = math.Log10(ticks[i].Value)
	}
	return ticks
}

// logTicks labels a logarithmic axis of plain numbers at powers of ten (with 2 and 5 between
// when it spans less than three decades).
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= 0 || hi < lo {
		return nil
	}
	var ticks []plot.Tick
	few := math.Log10(hi/lo) < 3
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		v := math.Pow(10, e)
		for k := 1.0; k < 10; k++ {
			m := k * v
			if m < lo*0.999 || m > hi*1.001 {
				continue
			}
			t := plot.Tick{Value: m}
			if k == 1 || few && (k == 2 || k == 5) {
				t.Label = humanNumber(m)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// humanNumber writes 1500 as "1.5k", 2000000 as "2M".
func humanNumber(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return trimFloat(v/1e9) + "G"
	case a >= 1e6:
		return trimFloat(v/1e6) + "M"
	case a >= 1e4:
		return trimFloat(v/1e3) + "k"
	}
	return trimFloat(v)
}
