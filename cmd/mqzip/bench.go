package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/bench"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "compare mqzip's compression with gzip, zstd, brotli and xz on the same captures",
		ArgsUsage: "[capture.pcap|capture.pcapng]...",
		Description: "Compresses and restores every capture with mqzip and with gzip -9, zstd -19 --long, zstd -19\n" +
			"with a dictionary, brotli -q 11 and xz -9e, each run as a child process (mqzip too: this\n" +
			"binary), and checks that every round trip restores the capture byte for byte. The dictionary\n" +
			"for a capture is trained with zstd --train on the frames of the other captures of the run,\n" +
			"never on the capture itself. With no capture it measures ../shared/captures/mqttset (when\n" +
			"present) and the bundled sample. Prints a Markdown table (--json: JSON) of compressed size,\n" +
			"ratio, bits per MQTT message and per byte, compress and decompress MB/s and peak memory,\n" +
			"then the totals per tool. The programs gzip, zstd, brotli and xz must be installed.\n\n" +
			"Exit status: 0 when every round trip restored its capture, 1 otherwise (the table is still\n" +
			"printed).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON instead of Markdown"},
			&cli.IntFlag{Name: "runs", Usage: "run each command `N` times; the fastest counts", Value: 1},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print progress on standard error"},
		},
		Action: runBench,
	}
}

func runBench(c *cli.Context) error {
	if c.Int("runs") < 1 {
		return fmt.Errorf("bench: --runs %d must be at least 1", c.Int("runs"))
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: finding the mqzip binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "mqzip-bench")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	files := c.Args().Slice()
	if len(files) == 0 {
		if files, err = bench.DefaultCaptures(dir); err != nil {
			return err
		}
	}
	cfg := bench.Config{Tools: append([]bench.Tool{bench.Mqzip(self)}, bench.Baselines()...), Runs: c.Int("runs"), Dir: dir}
	if !c.Bool("quiet") {
		cfg.Log = os.Stderr
	}
	rep, err := bench.Compare(files, cfg)
	if rep == nil {
		return err
	}
	var werr error
	if c.Bool("json") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		werr = enc.Encode(rep)
	} else {
		werr = rep.Markdown(os.Stdout)
	}
	return errors.Join(err, werr)
}
