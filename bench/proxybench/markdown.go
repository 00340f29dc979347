package proxybench

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/mqzip/mqzip/proxy"
)

// Markdown writes the report as Markdown tables.
func (r *Report) Markdown(w io.Writer) error {
	per := func(b [2]int, d int) string {
		if d < 2 {
			return fmt.Sprintf("%.2f", float64(b[d])/float64(r.Messages[d]))
		}
		return fmt.Sprintf("%.2f", float64(b[0]+b[1])/float64(r.Messages[0]+r.Messages[1]))
	}
	ratio := func(b [2]int) string {
		return fmt.Sprintf("%.1f%%", 100*float64(b[0]+b[1])/float64(r.MQTTBytes[0]+r.MQTTBytes[1]))
	}
	pw := &printer{w: w}
	r0 := r.Runs[0]
	pw.printf("Replay of %s: %d connections, %d client→broker and %d broker→client messages, at %g× the captured timing, edge → core → mosquitto on loopback, one link connection.\n\n",
		filepath.Base(r.Capture), r.Connections, r.Messages[proxy.Up], r.Messages[proxy.Down], r.Speed)
	pw.printf("| bytes per message | client→broker | broker→client | both | of direct |\n|---|--:|--:|--:|--:|\n")
	rows := []struct {
		name string
		b    [2]int
	}{
		{"direct MQTT", r.MQTTBytes},
		{"DEFLATE, history per connection, flushed per message", r.Deflate},
		{"zstd -19, trained dictionary, per message", r.Zstd},
		{"mqzip link: the coded messages", r0.DataBytes},
		{"mqzip link: the link stream (frames)", r0.LinkBytes},
		{fmt.Sprintf("mqzip link: the same in TLS records, max-delay %v", r0.MaxDelay), r0.WireBytes},
	}
	for _, row := range rows {
		if row.name == rows[2].name && r.ZstdErr != "" {
			pw.printf("| %s | – | – | – | %s |\n", row.name, r.ZstdErr)
			continue
		}
		pw.printf("| %s | %s | %s | %s | %s |\n", row.name, per(row.b, 0), per(row.b, 1), per(row.b, 2), ratio(row.b))
	}
	pw.printf("\nThe link connection was up before the replay: a warm-up client made the edge dial it, and its TLS handshake, the link header and that client took %d bytes edge→core and %d core→edge, not counted above.\n",
		r0.Setup[0], r0.Setup[1])
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }
	both := func(b [2]int, m [2]int) string {
		return fmt.Sprintf("%.2f", float64(b[0]+b[1])/float64(m[0]+m[1]))
	}
	pw.printf("\n| max-delay | link writes per message | TLS records per message | link stream, bytes per message | in TLS records | added latency p50 | p99 |\n|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, run := range r.Runs {
		pw.printf("| %v | %s | %s | %s | %s | %s | %s |\n", run.MaxDelay, both(run.Writes, run.Messages), both(run.Records, run.Messages),
			both(run.LinkBytes, run.Messages), both(run.WireBytes, run.Messages), ms(run.Pair.P50-r.Direct.P50), ms(run.Pair.P99-r.Direct.P99))
	}
	if r.Direct.Runs > 1 {
		pw.printf("\nLatencies: medians of %d runs of each; the range is that of the p99 over the runs.\n", r.Direct.Runs)
	}
	pw.printf("\n| PUBLISH latency, client to a stand-in broker, same replay | p50 | p99 | p99 range | messages |\n|---|--:|--:|--:|--:|\n")
	pw.printf("| direct | %s | %s | %s – %s | %d |\n", ms(r.Direct.P50), ms(r.Direct.P99), ms(r.Direct.P99Lo), ms(r.Direct.P99Hi), r.Direct.N)
	for _, run := range r.Runs {
		pw.printf("| through edge and core, max-delay %v | %s | %s | %s – %s | %d |\n", run.MaxDelay, ms(run.Pair.P50), ms(run.Pair.P99), ms(run.Pair.P99Lo), ms(run.Pair.P99Hi), run.Pair.N)
	}
	pw.printf("| added by the pair, max-delay %v | %s | %s | | |\n", r0.MaxDelay, ms(r0.Pair.P50-r.Direct.P50), ms(r0.Pair.P99-r.Direct.P99))
	pw.printf("\nThroughput: %d copies of the capture (%d connections) replayed at once as fast as possible, max-delay %v: %d client→broker messages through the pair in %.2f s, %.0f messages per second.\n",
		r.Copies, r.Copies*r.Connections, r0.MaxDelay, r.ThroughN, r.ThroughDur.Seconds(), r.Throughput)
	return pw.err
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
