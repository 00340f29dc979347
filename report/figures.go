package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mqzip/mqzip/analysis"
)

// Figure is one drawn figure.
type Figure struct {
	Name    string // file name without extension: bytes, fields, similarity, ...
	Title   string
	Caption string
	PNG     []byte
	SVG     []byte
}

// Limits of what one figure shows.
const (
	maxACFPanels    = 6
	maxSensorPanels = 12
	maxGapConvs     = 8
)

// Figures draws every figure of the report, in the order of the page.
func Figures(r *analysis.Result) ([]Figure, error) {
	makers := []func(*analysis.Result) (Figure, error){
		bytesFigure, fieldsFigure, similarityFigure, autocorrFigure, lengthSimFigure, sensorsFigure, gapsFigure, gapHistFigure,
	}
	var figs []Figure
	for _, mk := range makers {
		f, err := mk(r)
		if err != nil {
			return figs, fmt.Errorf("report: figure %s: %w", f.Name, err)
		}
		figs = append(figs, f)
	}
	return figs, nil
}

func bytesFigure(r *analysis.Result) (f Figure, err error) {
	f = Figure{Name: "bytes", Title: "Bytes by category",
		Caption: "Captured bytes by category: transport metadata (link, IP and TCP headers of the MQTT connections, with their acknowledgements and retransmissions), the MQTT fixed header, variable header and payload, and frames of other traffic."}
	b := r.Summary.Bytes
	if r.Summary.TotalBytes == 0 {
		f.PNG, f.SVG, err = placeholder(f.Title, "no bytes captured", 7, 2.4)
		return f, err
	}
	p := newPlot(fmt.Sprintf("%s captured bytes by category", humanBytes(r.Summary.TotalBytes)), "share of captured bytes (%)", "")
	vals := make(plotter.Values, len(b))
	names := make([]string, len(b))
	labels := make([]string, len(b))
	xy := make(plotter.XYs, len(b))
	for i, s := range b {
		k := len(b) - 1 - i // first category on top
		vals[k] = 100 * s.Share
		names[k] = s.Category
		labels[k] = fmt.Sprintf("%s (%.1f%%)", humanBytes(s.Bytes), 100*s.Share)
		xy[k] = plotter.XY{X: 100 * s.Share, Y: float64(k)}
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return f, err
	}
	bars.Horizontal = true
	bars.Color = colorAt(0)
	bars.LineStyle.Width = 0
	p.Add(bars)
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels})
	if err != nil {
		return f, err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].Font.Size = 9
		lab.TextStyle[i].Font = sansOf(lab.TextStyle[i].Font.Size)
		lab.TextStyle[i].YAlign = draw.YCenter
	}
	lab.Offset = vg.Point{X: vg.Points(4)}
	p.Add(lab)
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, 125
	p.X.Tick.Marker = plot.ConstantTicks(percentTicks())
	f.PNG, f.SVG, err = single(p, 7, 0.9+0.32*float64(len(b)))
	return f, err
}

func percentTicks() []plot.Tick {
	var t []plot.Tick
	for v := 0.0; v <= 100; v += 20 {
		t = append(t, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f", v)})
	}
	return t
}

func fieldsFigure(r *analysis.Result) (f Figure, err error) {
	f = Figure{Name: "fields", Title: "Cost of each field",
		Caption: "For every field that is not fixed: its entropy H(X) and what it costs with the verdict's rule, in bits per message that carries it. Fixed fields cost nothing and are left out; the table below lists them all."}
	var rows []analysis.Field
	for _, fl := range r.Fields {
		if fl.Verdict != analysis.VerdictFixed {
			rows = append(rows, fl)
		}
	}
	if len(rows) == 0 {
		f.PNG, f.SVG, err = placeholder(f.Title, "every field is fixed", 7, 2.4)
		return f, err
	}
	p := newPlot("Entropy and cost per field (bits per message that carries it)", "bits", "")
	n := len(rows)
	h := make(plotter.Values, n)
	cost := make(plotter.Values, n)
	names := make([]string, n)
	maxH := 1.0
	for i, fl := range rows {
		k := n - 1 - i
		h[k], cost[k] = fl.Entropy, fl.Bits
		names[k] = fl.Name
		if fl.Verdict == analysis.VerdictPredictable {
			names[k] += " (" + fl.Rule + ")"
		}
		maxH = max(maxH, fl.Entropy)
	}
	w := vg.Points(5)
	hb, err := plotter.NewBarChart(h, w)
	if err != nil {
		return f, err
	}
	cb, err := plotter.NewBarChart(cost, w)
	if err != nil {
		return f, err
	}
	for i, b := range []*plotter.BarChart{hb, cb} {
		b.Horizontal = true
		b.LineStyle.Width = 0
		b.Color = colorAt(i)
		b.Offset = vg.Points(float64(1-2*i) * 2.6)
	}
	p.Add(hb, cb)
	p.Legend.Add("entropy H(X)", hb)
	p.Legend.Add("cost with the verdict's rule", cb)
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, maxH*1.05
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Label.Font = sansOf(8)
	f.PNG, f.SVG, err = withLegend(p, 6.2, 1.1+0.16*float64(n))
	return f, err
}

// similarityFigure draws the NCD matrix as a heat map.
func similarityFigure(r *analysis.Result) (f Figure, err error) {
	s := r.Similarity
	f = Figure{Name: "similarity", Title: "Payload similarity between conversations",
		Caption: fmt.Sprintf("Normalized compression distance (DEFLATE) between the first PUBLISH payload bytes of each conversation (up to %d conversations, the largest): 0 means one conversation's payloads predict the other's completely, 1 that they share nothing. Labels: client id (or address) · main topic.", len(s.Labels))}
	n := len(s.Labels)
	if n < 2 {
		f.PNG, f.SVG, err = placeholder(f.Title, "fewer than two conversations carry PUBLISH payloads", 7, 2.4)
		return f, err
	}
	p := newPlot("Normalized compression distance of payloads", "", "")
	g := matrixGrid(s.Distance)
	hm := plotter.NewHeatMap(g, heatPalette())
	hm.Min, hm.Max = 0, 1
	p.Add(hm)
	if n <= 16 {
		var xy plotter.XYs
		var labels []string
		for i := range n {
			for j := range n {
				xy = append(xy, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
				labels = append(labels, fmt.Sprintf("%.2f", s.Distance[i][j]))
			}
		}
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels})
		if err != nil {
			return f, err
		}
		for i := range lab.TextStyle {
			lab.TextStyle[i].Font = sansOf(7)
			lab.TextStyle[i].XAlign, lab.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
			if s.Distance[i/n][i%n] < 0.55 {
				lab.TextStyle[i].Color = whiteish
			}
		}
		p.Add(lab)
	}
	names := make([]string, n)
	rev := make([]string, n)
	for i, l := range s.Labels {
		names[i] = fmt.Sprint(i + 1)
		rev[n-1-i] = fmt.Sprintf("%s  %d", cleanN(l, 40), i+1)
	}
	p.NominalX(names...)
	p.NominalY(rev...)
	p.X.Label.Text = "conversation (numbered as on the left)"
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Tick.Label.Font = sansOf(8)
	}
	labelW := 0.0
	for _, l := range rev {
		labelW = max(labelW, float64(p.Y.Tick.Label.Width(l)/vg.Inch))
	}
	cell := max(0.3, min(0.5, 6/float64(n)))
	side := cell*float64(n) + 0.9
	f.PNG, f.SVG, err = render(side+labelW+1.3, side+0.3, func(c draw.Canvas) {
		bar := c.Max.X - vg.Inch*0.9
		left := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: c.Min, Max: vg.Point{X: bar, Y: c.Max.Y}}}
		p.Draw(left)
		cb := newPlot("", "", "NCD")
		cb.Add(&plotter.ColorBar{ColorMap: colorMap(0, 1), Vertical: true})
		cb.HideX()
		cb.Y.Padding = 0
		right := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: bar + vg.Millimeter*2, Y: c.Min.Y + vg.Inch*0.6},
			Max: vg.Point{X: c.Max.X - vg.Millimeter*2, Y: c.Max.Y - vg.Inch*0.3}}}
		cb.Draw(right)
	})
	return f, err
}

func autocorrFigure(r *analysis.Result) (f Figure, err error) {
	f = Figure{Name: "autocorrelation", Title: "Autocorrelation of message lengths",
		Caption: "Autocorrelation of the lengths of consecutive messages of one conversation and direction (the largest ones), at lags 1.." + fmt.Sprint(maxLag(r)) + " messages. The grey band is the 95% confidence band (Bartlett); the dashed line the 95% white-noise level. The dominant period, when there is one, is marked and labelled."}
	var panels []*plot.Plot
	acs := slices.Clone(r.Autocorr)
	slices.SortStableFunc(acs, func(a, b analysis.Autocorr) int { // periodic ones first
		return b2i(b.Period > 0) - b2i(a.Period > 0)
	})
	for _, ac := range acs {
		if len(panels) == maxACFPanels {
			break
		}
		if ac.Constant || len(ac.ACF) == 0 {
			continue
		}
		p, err := acfPanel(r, ac)
		if err != nil {
			return f, err
		}
		panels = append(panels, p)
	}
	if len(panels) == 0 {
		f.PNG, f.SVG, err = placeholder(f.Title, "no conversation direction has 8 messages of varying length", 7, 2.4)
		return f, err
	}
	cols := min(2, len(panels))
	f.PNG, f.SVG, err = grid(panels, cols, 4.2, 2.8)
	return f, err
}

func maxLag(r *analysis.Result) int {
	n := 0
	for _, ac := range r.Autocorr {
		n = max(n, len(ac.ACF))
	}
	return n
}

func acfPanel(r *analysis.Result, ac analysis.Autocorr) (*plot.Plot, error) {
	title := fmt.Sprintf("%s, %s (%d msgs)", convLabel(r, ac.Conversation), arrow(ac.Direction), ac.N)
	p := newPlot(title, "lag (messages)", "autocorrelation")
	p.Title.TextStyle.Font = sansOf(9)
	n := len(ac.ACF)
	band := make(plotter.XYs, 0, 2*n)
	for k := range n {
		band = append(band, plotter.XY{X: float64(k + 1), Y: ac.Band[k]})
	}
	for k := n - 1; k >= 0; k-- {
		band = append(band, plotter.XY{X: float64(k + 1), Y: -ac.Band[k]})
	}
	poly, err := plotter.NewPolygon(band)
	if err != nil {
		return nil, err
	}
	poly.Color = fade(grey, 0.35)
	poly.LineStyle.Width = 0
	p.Add(poly)
	p.Add(&stemPlot{ys: ac.ACF})
	for _, y := range []float64{ac.Noise, -ac.Noise} {
		l, err := plotter.NewLine(plotter.XYs{{X: 0.5, Y: y}, {X: float64(n) + 0.5, Y: y}})
		if err != nil {
			return nil, err
		}
		l.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		l.Color = grey
		p.Add(l)
	}
	if ac.Period > 0 {
		x := float64(ac.Period)
		mark, err := plotter.NewScatter(plotter.XYs{{X: x, Y: ac.PeriodACF}})
		if err != nil {
			return nil, err
		}
		mark.GlyphStyle.Color = colorAt(1)
		mark.GlyphStyle.Radius = vg.Points(3.5)
		mark.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(mark)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: ac.PeriodACF}},
			Labels: []string{fmt.Sprintf("period %d", ac.Period)}})
		if err != nil {
			return nil, err
		}
		lab.TextStyle[0].Font = sansOf(9)
		lab.TextStyle[0].Color = colorAt(1)
		lab.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(2)}
		if x > 0.7*float64(n) {
			lab.TextStyle[0].XAlign = draw.XRight
			lab.Offset.X = -vg.Points(5)
		}
		p.Add(lab)
	}
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	p.X.Tick.Marker = niceTicks{integer: true}
	top := 0.25
	for k, v := range ac.ACF {
		top = max(top, math.Abs(v), ac.Band[k])
	}
	top = min(1, top*1.15)
	p.Y.Min, p.Y.Max = -top, top*1.15
	p.Y.Tick.Marker = niceTicks{}
	return p, nil
}

func arrow(dir string) string {
	switch dir {
	case "client_to_broker":
		return "client→broker"
	case "broker_to_client":
		return "broker→client"
	}
	return dir
}

func convLabel(r *analysis.Result, i int) string {
	if i >= 0 && i < len(r.Conversations) {
		return clean(r.Conversations[i].Label)
	}
	return "?"
}

// stemPlot draws vertical lines from 0 to each value, at x = 1, 2, ...
type stemPlot struct {
	ys []float64
}

func (s *stemPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: colorAt(0), Width: vg.Points(2.2)}
	if len(s.ys) > 60 {
		sty.Width = vg.Points(1)
	}
	for i, y := range s.ys {
		x := trX(float64(i + 1))
		c.StrokeLine2(sty, x, trY(0), x, trY(y))
	}
	c.StrokeLine2(draw.LineStyle{Color: grey, Width: vg.Points(0.5)}, trX(p.X.Min), trY(0), trX(p.X.Max), trY(0))
}

func (s *stemPlot) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 1, float64(len(s.ys)), -1, 1
}

func lengthSimFigure(r *analysis.Result) (f Figure, err error) {
	ls := r.LengthSim
	f = Figure{Name: "length_similarity", Title: "Message length against similarity to the previous message",
		Caption: fmt.Sprintf("Each point is one message: its length, and the share of its bytes that a copy of the previous message gets right (the larger of common prefix plus suffix and bytes equal at the same offset). Previous message of the same topic (PUBLISH, %d messages, mean %.2f) and of the same conversation and direction (%d messages, mean %.2f); at most %d points of each are drawn, sampled at random.",
			ls.SameTopicTotal, ls.SameTopicMean, ls.SameConvTotal, ls.SameConvMean, max(len(ls.SameTopic), len(ls.SameConv)))}
	if len(ls.SameTopic)+len(ls.SameConv) == 0 {
		f.PNG, f.SVG, err = placeholder(f.Title, "no message follows another of its topic or conversation", 7, 2.4)
		return f, err
	}
	p := newPlot("Length against similarity to the previous message", "message length (bytes)", "similarity to previous (share of bytes)")
	lo, hi := math.Inf(1), 0.0
	for _, pts := range [][]analysis.Point{ls.SameConv, ls.SameTopic} {
		for _, q := range pts {
			lo, hi = min(lo, q.X), max(hi, q.X)
		}
	}
	logX := lo > 0 && hi/lo > 100
	for i, set := range []struct {
		name string
		pts  []analysis.Point
	}{{"same conversation and direction", ls.SameConv}, {"same topic", ls.SameTopic}} {
		if len(set.pts) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(set.pts))
		for k, q := range set.pts {
			xy[k] = plotter.XY{X: q.X, Y: q.Y}
			if logX {
				xy[k].X = math.Log10(max(q.X, 1))
			}
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return f, err
		}
		sc.GlyphStyle.Color = fade(colorAt(i), 0.45)
		sc.GlyphStyle.Radius = vg.Points(glyphRadius(len(xy)))
		if i == 1 {
			sc.GlyphStyle.Color = fade(colorAt(i), 0.8)
			sc.GlyphStyle.Radius *= 1.4
			sc.GlyphStyle.Shape = draw.CrossGlyph{}
		} else {
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
		}
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("%s (%d)", set.name, len(set.pts)), sc)
	}
	p.Y.Min, p.Y.Max = -0.02, 1.08
	if logX {
		p.X.Tick.Marker = log10Axis{logTicks{}}
		p.X.Min, p.X.Max = math.Log10(lo/1.2), math.Log10(hi*1.2)
	} else {
		pad := max(1, (hi-lo)*0.05)
		p.X.Min, p.X.Max = max(0, lo-pad), hi+pad
		p.X.Tick.Marker = niceTicks{integer: true}
	}
	p.Y.Tick.Marker = niceTicks{}
	f.PNG, f.SVG, err = withLegend(p, 6.2, 4.2)
	return f, err
}

func glyphRadius(n int) float64 {
	switch {
	case n > 2000:
		return 1.6
	case n > 200:
		return 2.2
	}
	return 3
}

func sensorsFigure(r *analysis.Result) (f Figure, err error) {
	f = Figure{Name: "sensors", Title: "Sensor data observations",
		Caption: "The numeric values found in PUBLISH payloads (plain numbers, JSON fields, key=value pairs), per topic over time, values as found. One panel per topic (the topics with most values first); series with many values are thinned evenly."}
	if len(r.Sensors) == 0 {
		f.PNG, f.SVG, err = placeholder(f.Title, "no payload carries a numeric value", 7, 2.4)
		return f, err
	}
	span := 0.0
	for _, s := range r.Sensors {
		for _, ser := range s.Series {
			if len(ser.T) > 0 {
				span = max(span, ser.T[len(ser.T)-1])
			}
		}
	}
	scale, unit := timeUnit(span)
	var panels []*plot.Plot
	for _, s := range r.Sensors {
		title := s.Topic
		if len(r.Captures) > 1 {
			title = baseName(s.Capture) + ": " + title
		}
		groups := byMagnitude(s.Series)
		for _, g := range groups {
			if len(panels) == maxSensorPanels {
				break
			}
			t := fmt.Sprintf("%s (%d msgs)", clean(title), s.Messages)
			if len(groups) > 1 {
				t = fmt.Sprintf("%s: %s", clean(title), strings.Join(keyNames(g), ", "))
			}
			p, err := sensorPanel(t, unit, scale, g)
			if err != nil {
				return f, err
			}
			panels = append(panels, p)
		}
	}
	cols := min(3, len(panels))
	f.PNG, f.SVG, err = grid(panels, cols, 3.3, 2.5)
	return f, err
}

// byMagnitude splits a topic's series into groups whose values are of the same order, so that a
// sequence number in the hundreds does not flatten a temperature into a line: within a group
// the largest magnitude is at most ten times the smallest.
func byMagnitude(ss []analysis.SensorSeries) [][]analysis.SensorSeries {
	mag := func(s analysis.SensorSeries) float64 { return max(math.Abs(s.Min), math.Abs(s.Max), 1e-9) }
	sorted := slices.Clone(ss)
	slices.SortStableFunc(sorted, func(a, b analysis.SensorSeries) int { return cmpFloat(mag(a), mag(b)) })
	var groups [][]analysis.SensorSeries
	for _, s := range sorted {
		if n := len(groups); n > 0 && mag(s) <= 10*mag(groups[n-1][0]) && len(groups[n-1]) < 4 {
			groups[n-1] = append(groups[n-1], s)
			continue
		}
		groups = append(groups, []analysis.SensorSeries{s})
	}
	return groups
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func keyNames(ss []analysis.SensorSeries) []string {
	var out []string
	for _, s := range ss {
		out = append(out, keyName(s.Key))
	}
	return out
}

func keyName(k string) string {
	if k == "" {
		return "value"
	}
	return clean(k)
}

// sensorPanel draws the values of some series of one topic over time.
func sensorPanel(title, unit string, scale float64, ss []analysis.SensorSeries) (*plot.Plot, error) {
	p := newPlot(title, "time since capture start ("+unit+")", "value")
	p.Title.TextStyle.Font = sansOf(9)
	for i, ser := range ss {
		xy := make(plotter.XYs, len(ser.T))
		for k := range ser.T {
			xy[k] = plotter.XY{X: ser.T[k] / scale, Y: ser.V[k]}
		}
		c := colorAt(i)
		if len(xy) > 1 {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = c, vg.Points(1)
			p.Add(l)
			p.Legend.Add(keyName(ser.Key), l)
		}
		if len(xy) <= 60 {
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = c, vg.Points(2), draw.CircleGlyph{}
			p.Add(sc)
			if len(xy) == 1 {
				p.Legend.Add(keyName(ser.Key), sc)
			}
		}
	}
	entries := 0
	if len(ss) < 2 {
		p.Legend = plot.NewLegend()
	} else {
		entries = len(ss)
		p.Legend.TextStyle.Font = sansOf(8)
		p.Legend.Left = true
	}
	padY(p, entries)
	p.X.Min = 0
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{integer: integral(ss)}
	return p, nil
}

// integral reports whether every value of the series is a whole number.
func integral(ss []analysis.SensorSeries) bool {
	for _, s := range ss {
		for _, v := range s.V {
			if v != math.Trunc(v) {
				return false
			}
		}
	}
	return true
}

// padY widens a plot's y range, on top by room for a legend of the given entries, and keeps
// flat series visible.
func padY(p *plot.Plot, legendEntries int) {
	lo, hi := p.Y.Min, p.Y.Max
	if hi-lo < 1e-9*max(1, math.Abs(hi)) {
		lo, hi = lo-1, hi+1
	}
	p.Y.Min, p.Y.Max = lo-(hi-lo)*0.04, hi+(hi-lo)*(0.06+0.1*float64(legendEntries))
}

func gapsFigure(r *analysis.Result) (f Figure, err error) {
	f = Figure{Name: "gaps", Title: "Time between messages, per conversation, over time",
		Caption: fmt.Sprintf("Time since the previous message of the same conversation, for the %d largest conversations (others grey), over time since the capture started. Messages completed by the same frame (0 s apart, %d of them) cannot be drawn on a logarithmic axis and are left out.", maxGapConvs, r.Timing.Zero)}
	if len(r.Timing.Gaps) == 0 {
		f.PNG, f.SVG, err = placeholder(f.Title, "no conversation has two messages at different times", 7, 2.4)
		return f, err
	}
	span, lo, hi := 0.0, math.Inf(1), 0.0
	for _, g := range r.Timing.Gaps {
		span = max(span, g.T[len(g.T)-1])
		for _, v := range g.Gap {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	scale, unit := timeUnit(span)
	p := newPlot("Time since the previous message of the conversation", "time since capture start ("+unit+")", "time since previous message")
	total := 0
	for _, g := range r.Timing.Gaps {
		total += len(g.T)
	}
	for i := len(r.Timing.Gaps) - 1; i >= 0; i-- { // largest drawn last, on top
		g := r.Timing.Gaps[i]
		xy := make(plotter.XYs, len(g.T))
		for k := range g.T {
			xy[k] = plotter.XY{X: g.T[k] / scale, Y: math.Log10(g.Gap[k])}
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return f, err
		}
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		sc.GlyphStyle.Radius = vg.Points(glyphRadius(total))
		if i < maxGapConvs {
			sc.GlyphStyle.Color = fade(colorAt(i), 0.7)
		} else {
			sc.GlyphStyle.Color = fade(grey, 0.4)
		}
		p.Add(sc)
	}
	for i, g := range r.Timing.Gaps[:min(len(r.Timing.Gaps), maxGapConvs)] {
		th := &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: colorAt(i), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}}
		p.Legend.Add(convLabel(r, g.Conversation), th)
	}
	if len(r.Timing.Gaps) > maxGapConvs {
		p.Legend.Add("other conversations", &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: grey, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}})
	}
	p.Y.Tick.Marker = log10Axis{durationTicks{}}
	p.Y.Min, p.Y.Max = math.Log10(lo/1.5), math.Log10(hi*1.5)
	p.X.Min = 0
	p.X.Tick.Marker = niceTicks{}
	f.PNG, f.SVG, err = withLegend(p, 7, 4.5)
	return f, err
}

func gapHistFigure(r *analysis.Result) (f Figure, err error) {
	t := r.Timing
	f = Figure{Name: "gap_histogram", Title: "Histogram of the time between messages",
		Caption: "Time since the previous message of the same conversation, all conversations, on a logarithmic axis (five bins a decade), stacked by direction. Dashed lines: the keep-alive and publish periods detected (medians of the intervals between a client's PINGREQs and between the publishes of one topic)."}
	total := 0
	lo, hi := len(t.Edges), -1
	for d := range t.Counts {
		for i, c := range t.Counts[d] {
			if c > 0 {
				total += c
				lo, hi = min(lo, i), max(hi, i)
			}
		}
	}
	if total == 0 {
		f.PNG, f.SVG, err = placeholder(f.Title, "no two messages of a conversation at different times", 7, 2.4)
		return f, err
	}
	lo, hi = max(0, lo-1), min(len(t.Edges)-2, hi+1)
	title := "Time between messages of a conversation"
	if t.Zero > 0 {
		title += fmt.Sprintf(" (and %d at 0 s, in the same frame)", t.Zero)
	}
	p := newPlot(title, "time since the previous message", "messages")
	h := &logHist{edges: t.Edges, counts: t.Counts, lo: lo, hi: hi}
	p.Add(h)
	for d, name := range []string{"client → broker", "broker → client"} {
		p.Legend.Add(name, &plotter.BarChart{Color: colorAt(d)})
	}
	marks := periodMarks(t)
	top := float64(h.maxStack())
	for i, m := range marks {
		if m.v < t.Edges[lo] || m.v > t.Edges[hi+1] {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: math.Log10(m.v), Y: 0}, {X: math.Log10(m.v), Y: top * 1.12}})
		if err != nil {
			return f, err
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Color = colorAt(3 + i)
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(m.label, l)
	}
	p.X.Tick.Marker = log10Axis{durationTicks{}}
	p.X.Min, p.X.Max = math.Log10(t.Edges[lo]), math.Log10(t.Edges[hi+1])
	p.Y.Min, p.Y.Max = 0, top*1.15
	p.Y.Tick.Marker = niceTicks{integer: true}
	f.PNG, f.SVG, err = withLegend(p, 7, 4)
	return f, err
}

type mark struct {
	v     float64
	label string
}

// periodMarks picks up to four distinct periods to mark: the most common keep-alive, then the
// publish periods of the most messages.
func periodMarks(t analysis.Timing) []mark {
	var out []mark
	seen := func(v float64) bool {
		for _, m := range out {
			if math.Abs(m.v-v) <= 0.05*v {
				return true
			}
		}
		return false
	}
	for _, k := range t.KeepAlive {
		if k.Observed > 0 && !seen(k.Observed) {
			out = append(out, mark{k.Observed, "keep-alive (PINGREQ) " + durationLabel(k.Observed)})
			break
		}
	}
	for _, p := range t.Publish {
		if len(out) == 4 {
			break
		}
		if !p.Periodic || p.Median <= 0 {
			continue
		}
		if len(out) > 0 && strings.HasPrefix(out[0].label, "keep-alive (") && math.Abs(out[0].v-p.Median) <= 0.05*p.Median {
			out[0].label = "keep-alive and publish period " + durationLabel(out[0].v)
		}
		if !seen(p.Median) {
			out = append(out, mark{p.Median, "publish period " + durationLabel(p.Median)})
		}
	}
	slices.SortFunc(out, func(a, b mark) int { return strings.Compare(a.label, b.label) })
	return out
}

// logHist draws the stacked bars of a histogram with logarithmic bins.
type logHist struct {
	edges  []float64
	counts [2][]int
	lo, hi int
}

func (h *logHist) maxStack() int {
	m := 0
	for i := h.lo; i <= h.hi; i++ {
		m = max(m, h.counts[0][i]+h.counts[1][i])
	}
	return m
}

func (h *logHist) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := h.lo; i <= h.hi; i++ {
		base := 0
		for d := range h.counts {
			n := h.counts[d][i]
			if n == 0 {
				continue
			}
			x0, x1 := trX(math.Log10(h.edges[i])), trX(math.Log10(h.edges[i+1]))
			y0, y1 := trY(float64(base)), trY(float64(base+n))
			rect := c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
			c.FillPolygon(colorAt(d), rect)
			c.StrokeLines(draw.LineStyle{Color: whiteish, Width: vg.Points(0.5)}, rect)
			base += n
		}
	}
}

func (h *logHist) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Log10(h.edges[h.lo]), math.Log10(h.edges[h.hi+1]), 0, float64(h.maxStack())
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// humanBytes writes a byte count as 512 B, 1.5 kB, 2.3 MB.
func humanBytes(n int64) string {
	v := float64(n)
	switch {
	case v >= 1e9:
		return trimFloat(v/1e9) + " GB"
	case v >= 1e6:
		return trimFloat(v/1e6) + " MB"
	case v >= 1e3:
		return trimFloat(v/1e3) + " kB"
	}
	return fmt.Sprintf("%d B", n)
}
