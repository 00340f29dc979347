// Command gencap writes large captures for benchmarks: a synthetic MQTT capture of any length
// (package bench/gen), or the records of several real pcap captures joined into one.
//
//	go run ./bench/cmd/gencap -frames 500000 -o /tmp/big.pcap
//	go run ./bench/cmd/gencap -o /tmp/mqttset.pcap ../shared/captures/mqttset/*.pcap
//
// Joining keeps each record's bytes and timestamp; the inputs must share the link type and
// timestamp resolution of the first.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/mqzip/mqzip/bench/gen"
	"github.com/mqzip/mqzip/capture"
)

func main() {
	frames := flag.Int("frames", 500000, "frames of the synthetic capture (without capture arguments)")
	clients := flag.Int("clients", 64, "concurrent clients of the synthetic capture")
	seed := flag.Uint64("seed", 1, "seed of the synthetic capture")
	out := flag.String("o", "", "write to `FILE` (required)")
	flag.Parse()
	if *out == "" {
		log.Fatal("gencap: -o FILE is required")
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if flag.NArg() == 0 {
		st, err := gen.Write(w, gen.Config{Frames: *frames, Clients: *clients, Seed: *seed})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "gencap: %d frames, %d MQTT messages, %d bytes\n", st.Frames, st.Messages, st.Bytes)
	} else if err := join(w, flag.Args()); err != nil {
		log.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// join writes the records of the pcap files names, in order, after the file header of the
// first.
func join(w io.Writer, names []string) error {
	var link, nano []byte
	var frames, bytesOut int
	for i, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		r, err := capture.NewReader(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if r.Format() != capture.FormatPcap {
			return fmt.Errorf("%s: not a pcap file", name)
		}
		for {
			blk, err := r.NextBlock()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if blk.Kind == capture.BlockPcapHeader {
				if i == 0 {
					link, nano = bytes.Clone(blk.Raw[20:24]), bytes.Clone(blk.Raw[:4])
				} else if !bytes.Equal(blk.Raw[20:24], link) || !bytes.Equal(blk.Raw[:4], nano) {
					return fmt.Errorf("%s: another link type or timestamp format than %s", name, names[0])
				} else {
					continue
				}
			} else {
				frames++
			}
			if _, err := w.Write(blk.Raw); err != nil {
				return err
			}
			bytesOut += len(blk.Raw)
		}
	}
	fmt.Fprintf(os.Stderr, "gencap: %d files joined: %d frames, %d bytes\n", len(names), frames, bytesOut)
	return nil
}
