package proxybench

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/proxy"
)

// TestRun replays a real capture through the pair in front of mosquitto, quickly, and checks
// the report: every message counted, the link smaller than DEFLATE per message, latencies and
// a throughput measured, the tables written.
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
	rep, err := Run(Config{Capture: testcaps.Find(t, "misc/riskyduha-mqtt.pcap"), Speed: 2000, Copies: 2})
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := rep.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", md.String())
	up, down := rep.Messages[proxy.Up], rep.Messages[proxy.Down]
	switch {
	case up < 100 || down < 1:
		t.Fatalf("%d and %d messages", up, down)
	case rep.ZstdErr != "":
		t.Fatal(rep.ZstdErr)
	case rep.LinkBytes[0]+rep.LinkBytes[1] >= rep.Deflate[0]+rep.Deflate[1]:
		t.Fatalf("link %v bytes, DEFLATE %v", rep.LinkBytes, rep.Deflate)
	case rep.WireBytes[0] <= rep.LinkBytes[0]:
		t.Fatalf("TLS records %v bytes, coded stream %v", rep.WireBytes, rep.LinkBytes)
	case rep.Direct.N == 0 || rep.Pair.N != rep.Direct.N || rep.Pair.Unmatched != 0:
		t.Fatalf("latencies %+v, %+v", rep.Direct, rep.Pair)
	case rep.Throughput <= 0 || rep.ThroughN != 2*up:
		t.Fatalf("throughput %.0f/s over %d messages", rep.Throughput, rep.ThroughN)
	case !strings.Contains(md.String(), "| mqzip link: the coded stream |"):
		t.Fatalf("report:\n%s", md.String())
	}
}
