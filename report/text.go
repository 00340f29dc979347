package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/mqzip/mqzip/analysis"
)

// WriteText writes a few lines for a terminal: what the captures hold and the periods found.
func WriteText(w io.Writer, r *analysis.Result) error {
	s := r.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "%d messages in %d conversations (%d clients, %d topics; MQTT %s) from %d capture(s), %s\n",
		s.Messages, s.Conversations, s.Clients, s.Topics, joinCounts(s.Versions), len(r.Captures), humanBytes(s.TotalBytes))
	var parts []string
	for _, c := range s.Bytes {
		parts = append(parts, fmt.Sprintf("%s %.1f%%", c.Category, 100*c.Share))
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, "bytes: %s\n", strings.Join(parts, ", "))
	}
	for _, line := range PeriodLines(r) {
		fmt.Fprintf(&b, "%s\n", line)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PeriodLines describes the keep-alive and publish periods found, grouped by period: one line
// for the keep-alives and one per publish period.
func PeriodLines(r *analysis.Result) []string {
	var out []string
	var ka []group
	for _, k := range r.Timing.KeepAlive {
		if k.Observed > 0 && k.Pings >= 3 {
			ka = addGroup(ka, k.Observed, k.Conversation)
		}
	}
	if len(ka) > 0 {
		var parts []string
		for _, g := range sortGroups(ka) {
			parts = append(parts, fmt.Sprintf("%s (%d conversations)", durationText(g.period), len(g.members)))
		}
		out = append(out, "keep-alive (interval between PINGREQs): "+shortList(parts, 4))
	}
	var pub []group
	for _, p := range r.Timing.Publish {
		if p.Periodic {
			pub = addGroup(pub, p.Median, p.Topic)
		}
	}
	for _, g := range sortGroups(pub)[:min(len(pub), 6)] {
		out = append(out, fmt.Sprintf("publish period %s: %d streams (%s)", durationText(g.period), len(g.members), shortList(unique(g.members), 5)))
	}
	if len(ka)+len(pub) == 0 {
		out = append(out, "no keep-alive or publish period found")
	}
	return out
}

type group struct {
	period  float64
	members []string
}

// addGroup adds a member to the group whose period is within 5% of v, or to a new one.
func addGroup(gs []group, v float64, member string) []group {
	for i := range gs {
		if math.Abs(gs[i].period-v) <= 0.05*gs[i].period {
			gs[i].members = append(gs[i].members, member)
			return gs
		}
	}
	return append(gs, group{period: v, members: []string{member}})
}

func sortGroups(gs []group) []group {
	slices.SortStableFunc(gs, func(a, b group) int { return len(b.members) - len(a.members) })
	return gs
}

func unique(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// WriteFieldTable writes the field table as a Markdown table.
func WriteFieldTable(w io.Writer, fields []analysis.Field) error {
	var b strings.Builder
	b.WriteString("| field | category | present | distinct | H | H\\|prev | H\\|type | const | same | +1 | +len | len | other | verdict | bits |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|\n")
	for _, f := range fields {
		distinct := fmt.Sprint(f.Distinct)
		if f.DistinctCapped {
			distinct = "≤" + distinct
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %.2f | %.2f | %.2f |", f.Name, f.Category, f.Present, distinct, f.Entropy, f.CondPrev, f.CondType)
		for _, h := range f.Hits {
			fmt.Fprintf(&b, " %.0f%% |", 100*h)
		}
		v := f.Verdict
		if f.Rule != "" {
			v += " (" + f.Rule + ")"
		}
		fmt.Fprintf(&b, " %s | %.2f |\n", v, f.Bits)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
