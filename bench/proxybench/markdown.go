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
	pw.printf("Replay of %s: %d connections, %d client→broker and %d broker→client messages, at %g× the captured timing, edge → core → mosquitto on loopback.\n\n",
		filepath.Base(r.Capture), r.Connections, r.Messages[proxy.Up], r.Messages[proxy.Down], r.Speed)
	pw.printf("| bytes per message | client→broker | broker→client | both | of direct |\n|---|--:|--:|--:|--:|\n")
	rows := []struct {
		name string
		b    [2]int
	}{
		{"direct MQTT", r.MQTTBytes},
		{"DEFLATE, history per connection, flushed per message", r.Deflate},
		{"zstd -19, trained dictionary, per message", r.Zstd},
		{"mqzip link: the coded stream", r.LinkBytes},
		{"mqzip link: the same in TLS records", r.WireBytes},
	}
	for _, row := range rows {
		if row.name == rows[2].name && r.ZstdErr != "" {
			pw.printf("| %s | – | – | – | %s |\n", row.name, r.ZstdErr)
			continue
		}
		pw.printf("| %s | %s | %s | %s | %s |\n", row.name, per(row.b, 0), per(row.b, 1), per(row.b, 2), ratio(row.b))
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }
	pw.printf("\n| PUBLISH latency, client to a stand-in broker, same replay | p50 | p99 | messages |\n|---|--:|--:|--:|\n")
	pw.printf("| direct | %s | %s | %d |\n", ms(r.Direct.P50), ms(r.Direct.P99), r.Direct.N)
	pw.printf("| through edge and core | %s | %s | %d |\n", ms(r.Pair.P50), ms(r.Pair.P99), r.Pair.N)
	pw.printf("| added by the pair | %s | %s | |\n", ms(r.Pair.P50-r.Direct.P50), ms(r.Pair.P99-r.Direct.P99))
	pw.printf("\nThroughput: %d copies of the capture (%d connections) replayed at once as fast as possible: %d client→broker messages through the pair in %.2f s, %.0f messages per second.\n",
		r.Copies, r.Copies*r.Connections, r.ThroughN, r.ThroughDur.Seconds(), r.Throughput)
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
