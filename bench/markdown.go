package bench

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Markdown writes the report as Markdown: a line on the method, a table with a row per capture
// and tool, and a table of the totals per tool.
func (r *Report) Markdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var in int64
	var msgs int
	for _, f := range r.Files {
		in += f.Size
		msgs += f.Messages
	}
	fmt.Fprintf(bw, "%d captures, %d bytes, %d MQTT messages. Fastest of %d run(s) per command; MB/s is 10^6 bytes of "+
		"capture per second of wall time, process start included; peak MiB (compress / decompress) is %s. The dictionary is trained with `zstd --train` on the frames "+
		"of the other captures of the run (leave one out), never on the capture measured.\n\n", len(r.Files), in, msgs, r.Runs, r.Memory)
	fmt.Fprintf(bw, "Versions: %s.\n\n", r.versions())
	fmt.Fprintln(bw, "| capture | bytes | messages | tool | compressed | ratio | bits/message | bits/byte | compress MB/s | decompress MB/s | peak MiB | round trip |")
	fmt.Fprintln(bw, "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, f := range r.Files {
		for _, x := range f.Results {
			fmt.Fprintf(bw, "| %s | %d | %d | %s | ", cell(f.Name), f.Size, f.Messages, cell(x.Tool))
			switch {
			case x.Skipped != "":
				fmt.Fprintf(bw, "| | | | | | | skipped: %s |\n", cell(x.Skipped))
			case x.Err != "" && x.Size == 0:
				fmt.Fprintf(bw, "| | | | | | | FAILED: %s |\n", cell(x.Err))
			default:
				fmt.Fprintf(bw, "%d | %.2f | %s | %.3f | %.2f | %.2f | %.1f / %.1f | %s |\n", x.Size, x.Ratio, perMessage(x.BitsPerMessage),
					x.BitsPerByte, x.CompressMBps, x.DecompressMBps, x.CompressMiB, x.DecompressMiB, roundTrip(x))
			}
		}
	}
	fmt.Fprintln(bw, "\nTotals over the captures each tool restored byte for byte:")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "| tool | captures | bytes | compressed | ratio | bits/message | bits/byte | compress MB/s | decompress MB/s | peak MiB |")
	fmt.Fprintln(bw, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, t := range r.Totals {
		if t.Files == 0 {
			fmt.Fprintf(bw, "| %s | 0 | | | | | | | | |\n", cell(t.Tool))
			continue
		}
		fmt.Fprintf(bw, "| %s | %d | %d | %d | %.2f | %s | %.3f | %.2f | %.2f | %.1f / %.1f |\n", cell(t.Tool), t.Files, t.In, t.Size,
			t.Ratio, perMessage(t.BitsPerMessage), t.BitsPerByte, t.CompressMBps, t.DecompressMBps, t.CompressMiB, t.DecompressMiB)
	}
	return bw.Flush()
}

func (r *Report) versions() string {
	var v []string
	for name, ver := range r.Versions {
		if ver == "" {
			ver = "this build"
		}
		v = append(v, fmt.Sprintf("%s: %s", name, ver))
	}
	sort.Strings(v)
	return strings.Join(v, "; ")
}

func perMessage(bits float64) string {
	if bits == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", bits)
}

func roundTrip(x Result) string {
	if x.Verified {
		return "ok"
	}
	return "FAILED: " + cell(x.Err)
}

// cell makes s safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
