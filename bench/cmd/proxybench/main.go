// Command proxybench replays the messages of a capture through the mqzip proxy pair (edge →
// core → mosquitto, on loopback, TLS on the link) at the captured timing sped up, and prints
// Markdown tables: bytes per message on the link against direct MQTT, DEFLATE flushed per
// message and zstd with a trained dictionary per message; the latency the pair adds (p50, p99);
// and the messages per second it sustains.
//
//	go run ./bench/cmd/proxybench [-speed 50] [-copies 4] [-runs 1] [-max-delay 0,1ms,5ms,20ms] [capture]
//
// With several max-delays, the link's bytes and the added latency are measured at each, the
// throughput at the first.
//
// The default capture is ../shared/captures/mqttset/benign.pcap. It needs mosquitto (or
// -broker) and the zstd command.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mqzip/mqzip/bench/proxybench"
	"github.com/mqzip/mqzip/internal/testcaps"
)

func main() {
	var cfg proxybench.Config
	flag.Float64Var(&cfg.Speed, "speed", 50, "replay the timed runs `N` times faster than captured")
	flag.IntVar(&cfg.Copies, "copies", 4, "copies of the capture replayed at once in the throughput run")
	flag.IntVar(&cfg.Runs, "runs", 1, "repeat each latency run `N` times and report the medians")
	flag.StringVar(&cfg.Broker, "broker", "", "use the broker at `HOST:PORT` instead of starting mosquitto")
	flag.BoolVar(&cfg.Plain, "plain", false, "no TLS on the link")
	delays := flag.String("max-delay", "0", "the pair's --max-delay: a comma-separated `LIST` of durations, each measured in turn")
	flag.UintVar(&cfg.Proxy.CheckBits, "check-bits", 0, "the pair's --check-bits")
	flag.IntVar(&cfg.Proxy.CheckEvery, "check-every", 0, "the pair's --check-every (0: default, -1: never)")
	flag.Parse()
	for _, d := range strings.Split(*delays, ",") {
		v, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			log.Fatalf("-max-delay: %v", err)
		}
		cfg.Delays = append(cfg.Delays, v)
	}
	cfg.Capture = filepath.Join(testcaps.SharedDir(), "mqttset", "benign.pcap")
	if flag.NArg() > 0 {
		cfg.Capture = flag.Arg(0)
	}
	rep, err := proxybench.Run(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := rep.Markdown(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
