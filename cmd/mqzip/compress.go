package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
)

func compressCommand() *cli.Command {
	return &cli.Command{
		Name:      "compress",
		Usage:     "compress a capture losslessly into an .mqz file",
		ArgsUsage: "[capture.pcap|capture.pcapng|-]",
		Description: "Compresses a pcap or pcapng capture (\"-\": standard input; none: the bundled sample) into the\n" +
			".mqz format. Every byte is kept: \"mqzip decompress\" restores the file exactly. Headers are\n" +
			"predicted from the flows they belong to, MQTT payload from the conversation's earlier\n" +
			"packets. Input that is not a valid capture is still compressed, as opaque bytes from\n" +
			"where it stops parsing.\n\n" +
			"The capture is cut into segments of --segment-size bytes of input (at packet boundaries),\n" +
			"each coded with fresh models: --threads of them at once. The output does not depend on\n" +
			"--threads; the segment size is recorded in the file, so decompress needs no setting.",
		Flags: []cli.Flag{
			threadsFlag(),
			&cli.StringFlag{Name: "segment-size", Value: sizeString(encoder.DefaultSegmentSize), Usage: "cut the capture into segments of `SIZE` bytes of input (suffix K or M: KiB or MiB; 4K to 64M): smaller segments use more cores on smaller captures, at a cost in compression"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (\"-\": standard output; default: the input's name + .mqz)"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "overwrite the output file if it exists"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the summary on standard error"},
			&cli.BoolFlag{Name: "stats", Usage: "print where the bits went: by category (capture structure, timestamps, link, IP/TCP, MQTT fixed header, variable header, payload, other) and per MQTT message"},
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "the LSTM model `FILE` (.mqzm) that predicts MQTT bodies (default: the embedded model); decompress needs the same"},
			&cli.BoolFlag{Name: "no-lstm", Usage: "code with the context models only, without the LSTM: faster, a little larger"},
		},
		Action: runCompress,
	}
}

func decompressCommand() *cli.Command {
	return &cli.Command{
		Name:      "decompress",
		Usage:     "restore a capture from an .mqz file, byte for byte",
		ArgsUsage: "file.mqz|-",
		Description: "Restores the capture compressed into an .mqz file (\"-\": standard input) and checks it\n" +
			"against the original's length and CRC-32C. A corrupt or truncated file is an error that\n" +
			"names the offset; nothing wrong is written without an error. Segments are decoded\n" +
			"--threads at once.",
		Flags: []cli.Flag{
			threadsFlag(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (\"-\": standard output; default: the input's name without .mqz)"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "overwrite the output file if it exists"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the summary on standard error"},
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "the LSTM model `FILE` (.mqzm) the file was compressed with (default: the embedded model)"},
		},
		Action: runDecompress,
	}
}

// threadsFlag is the --threads flag of compress and decompress.
func threadsFlag() cli.Flag {
	return &cli.IntFlag{Name: "threads", Aliases: []string{"T"}, Value: runtime.GOMAXPROCS(0), Usage: "code `N` segments at once (the default is the number of cores Go may use, GOMAXPROCS)"}
}

// parseSize parses a size in bytes with an optional K or M suffix (KiB, MiB).
func parseSize(s string) (int, error) {
	mul := 1
	switch {
	case strings.HasSuffix(s, "K"), strings.HasSuffix(s, "k"):
		mul, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mul, s = 1<<20, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > math.MaxInt32/mul {
		return 0, fmt.Errorf("%q is not a size (bytes, or KiB and MiB with K and M)", s)
	}
	return n * mul, nil
}

// sizeString formats a size as parseSize reads it.
func sizeString(n int) string {
	switch {
	case n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "M"
	case n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "K"
	}
	return strconv.Itoa(n)
}

// outputName picks the output file: the flag, else the input's name transformed.
func outputName(c *cli.Context, in string, name func(string) string) string {
	if o := c.String("output"); o != "" {
		return o
	}
	if in == "" || in == "-" {
		return "-"
	}
	return name(in)
}

// create opens the output; an existing file is refused without --force.
func create(path string, force bool) (io.Writer, func() error, error) {
	if path != "-" && !force {
		if _, err := os.Stat(path); err == nil {
			return nil, nil, fmt.Errorf("%s exists (use --force to overwrite)", path)
		}
	}
	w, closeFn, err := createOutput(path)
	if err != nil {
		return nil, nil, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	return bw, func() error {
		if err := bw.Flush(); err != nil {
			closeFn()
			return err
		}
		return closeFn()
	}, nil
}

func runCompress(c *cli.Context) error {
	if c.NArg() > 1 {
		return fmt.Errorf("compress: one capture at a time (got %d)", c.NArg())
	}
	in, name, closeIn, err := openInput(c.Args().First())
	if err != nil {
		return err
	}
	defer closeIn()
	outPath := outputName(c, c.Args().First(), func(s string) string { return s + ".mqz" })
	out, closeOut, err := create(outPath, c.Bool("force"))
	if err != nil {
		return err
	}
	size, err := parseSize(c.String("segment-size"))
	if err != nil {
		return fmt.Errorf("compress: --segment-size: %w", err)
	}
	cfg := encoder.Config{Stats: c.Bool("stats"), SegmentSize: size, Concurrency: c.Int("threads"), ContextOnly: c.Bool("no-lstm")}
	if cfg.Concurrency < 1 {
		return fmt.Errorf("compress: --threads %d: at least 1", cfg.Concurrency)
	}
	if !cfg.ContextOnly {
		if cfg.Model, err = loadModel("compress", c.String("model")); err != nil {
			return err
		}
	}
	start := time.Now()
	st, err := encoder.EncodeConfig(out, bufio.NewReaderSize(in, 1<<20), cfg)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		if outPath != "-" {
			os.Remove(outPath)
		}
		return fmt.Errorf("compress %s: %w", name, err)
	}
	if !c.Bool("quiet") {
		d := time.Since(start).Seconds()
		fmt.Fprintf(os.Stderr, "mqzip compress: %s: %d bytes -> %d bytes (%.2fx, %.2f bits per byte), %d frames, %d segment(s), %.1f MB/s\n",
			name, st.In, st.Out, float64(st.In)/float64(max(st.Out, 1)), 8*float64(st.Out)/float64(max(st.In, 1)), st.Frames, st.Segments, float64(st.In)/1e6/d)
		if c.Bool("stats") {
			fmt.Fprint(os.Stderr, st.Bits.Format())
		}
		if st.Reason != nil {
			fmt.Fprintf(os.Stderr, "mqzip compress: note: the input stops parsing as a capture at offset %d (%v); its last %d bytes were compressed as opaque bytes\n", st.ParseAt, st.Reason, st.Opaque)
		}
	}
	return nil
}

func runDecompress(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("decompress: name one .mqz file (or - for standard input)")
	}
	arg := c.Args().First()
	in, name, closeIn, err := openInput(arg)
	if err != nil {
		return err
	}
	defer closeIn()
	outPath := outputName(c, arg, func(s string) string {
		if t, ok := strings.CutSuffix(s, ".mqz"); ok {
			return t
		}
		return s + ".restored"
	})
	if c.Int("threads") < 1 {
		return fmt.Errorf("decompress: --threads %d: at least 1", c.Int("threads"))
	}
	cfg := decoder.Config{Concurrency: c.Int("threads")}
	if m := c.String("model"); m != "" {
		if cfg.Model, err = loadModel("decompress", m); err != nil {
			return err
		}
	}
	r, err := decoder.NewReaderConfig(in, cfg)
	if err != nil {
		return fmt.Errorf("decompress %s: %w", name, err)
	}
	out, closeOut, err := create(outPath, c.Bool("force"))
	if err != nil {
		return err
	}
	start := time.Now()
	n, err := io.Copy(out, r)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		if outPath != "-" {
			os.Remove(outPath)
		}
		return fmt.Errorf("decompress %s: %w", name, err)
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(os.Stderr, "mqzip decompress: %s: %d bytes restored and checked, %.1f MB/s\n", name, n, float64(n)/1e6/time.Since(start).Seconds())
	}
	return nil
}
