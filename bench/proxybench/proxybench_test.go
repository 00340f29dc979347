package proxybench

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/proxy"
)

// TestRun replays a real capture through the pair in front of mosquitto, quickly, and checks
// the report: every message counted, the link smaller than DEFLATE per message, one link
// connection for all the clients, fewer TLS records and bytes with a max-delay of 20 ms than
// with none, latencies and a throughput measured, the tables written.
func TestRun(t *testing.T) {
	for _, tool := range []string{"zstd", "mosquitto_pub"} {
		if _, err := exec.LookPath(tool); err != nil && os.Getenv("CI") == "" {
			t.Skipf("%s is not installed", tool)
		}
	}
	if _, err := exec.LookPath("mosquitto"); err != nil {
		if _, err := os.Stat("/usr/sbin/mosquitto"); err != nil && os.Getenv("CI") == "" {
			t.Skip("mosquitto is not installed")
		}
	}
	rep, err := Run(Config{Capture: testcaps.Find(t, "misc/riskyduha-mqtt.pcap"), Speed: 2000, Copies: 2, Delays: []time.Duration{0, 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := rep.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", md.String())
	up, down := rep.Messages[proxy.Up], rep.Messages[proxy.Down]
	r0, r20 := rep.Runs[0], rep.Runs[1]
	sum := func(b [2]int) int { return b[0] + b[1] }
	switch {
	case up < 100 || down < 1:
		t.Fatalf("%d and %d messages", up, down)
	case rep.ZstdErr != "":
		t.Fatal(rep.ZstdErr)
	case sum(r0.LinkBytes) >= sum(rep.Deflate):
		t.Fatalf("link %v bytes, DEFLATE %v", r0.LinkBytes, rep.Deflate)
	case sum(r0.DataBytes) >= sum(r0.LinkBytes):
		t.Fatalf("coded messages %v bytes, link stream %v", r0.DataBytes, r0.LinkBytes)
	case r0.WireBytes[0] <= r0.LinkBytes[0] || r0.Records[0] == 0 || r0.Links != 1:
		t.Fatalf("TLS records %v bytes in %v records over %d links, link stream %v", r0.WireBytes, r0.Records, r0.Links, r0.LinkBytes)
	case sum(r20.Records) >= sum(r0.Records) || sum(r20.WireBytes) >= sum(r0.WireBytes):
		t.Fatalf("max-delay 20ms: %v records, %v bytes; max-delay 0: %v, %v", r20.Records, r20.WireBytes, r0.Records, r0.WireBytes)
	case rep.Direct.N == 0 || r0.Pair.N != rep.Direct.N || r0.Pair.Unmatched != 0:
		t.Fatalf("latencies %+v, %+v", rep.Direct, r0.Pair)
	case rep.Throughput <= 0 || rep.ThroughN != 2*up:
		t.Fatalf("throughput %.0f/s over %d messages", rep.Throughput, rep.ThroughN)
	case !strings.Contains(md.String(), "| mqzip link: the coded messages |"):
		t.Fatalf("report:\n%s", md.String())
	}
}
