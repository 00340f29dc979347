package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/table"
)

func csvCommand() *cli.Command {
	return &cli.Command{
		Name:      "csv",
		Usage:     "export one CSV row per MQTT message, under Wireshark's field names",
		ArgsUsage: "[capture.pcap|capture.pcapng|-]",
		Description: "Reads a pcap or pcapng capture (\"-\": standard input; none: the bundled sample), follows its\n" +
			"TCP connections and writes one row per MQTT message: frame and TCP metadata of the frame\n" +
			"that completed the message, then the MQTT fixed header, variable header and payload, each\n" +
			"raw (hex, mqzip.* columns) and parsed (Wireshark's mqtt.* fields). Every column has a\n" +
			"category (--schema prints them). Malformed, truncated and unframeable bytes still get a\n" +
			"row, with mqzip.status and mqzip.error. MQTT is found on port 1883 and, by its framing, on\n" +
			"any other port; --port forces a port.\n\n" +
			"Exit status: 0 on success, 1 when the capture could not be read to its end (the rows\n" +
			"already written are kept) or held frames of an unsupported link type.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the table to `FILE` (\"-\": standard output)", Value: "-"},
			&cli.StringFlag{Name: "frames", Usage: "also write the frames that carry no MQTT message to `FILE`, labelled"},
			&cli.UintSliceFlag{Name: "port", Aliases: []string{"p"}, Usage: "dissect TCP `PORT` as MQTT, and take it as the broker's (repeatable)"},
			&cli.BoolFlag{Name: "no-detect", Usage: "dissect only the MQTT ports, do not recognise MQTT by its framing elsewhere"},
			&cli.StringSliceFlag{Name: "field", Aliases: []string{"e"}, Usage: "write only column `NAME` (repeatable, in order; aliases such as mqtt.hdrcmd work)"},
			&cli.BoolFlag{Name: "schema", Usage: "print the columns with their categories and descriptions, then exit"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the summary on standard error"},
		},
		Action: runCSV,
	}
}

func runCSV(c *cli.Context) error {
	cols, err := table.Select(c.StringSlice("field"))
	if err != nil {
		return err
	}
	if c.Bool("schema") {
		return table.WriteSchema(os.Stdout, cols)
	}
	if c.NArg() > 1 {
		return fmt.Errorf("csv: one capture at a time (got %d)", c.NArg())
	}
	in, name, closeIn, err := openInput(c.Args().First())
	if err != nil {
		return err
	}
	defer closeIn()
	out, closeOut, err := createOutput(c.String("output"))
	if err != nil {
		return err
	}
	h := &csvHandler{msgs: table.NewWriter(out, cols)}
	if err := h.msgs.WriteHeader(); err != nil {
		return err
	}
	if path := c.String("frames"); path != "" {
		fout, closeFrames, err := createOutput(path)
		if err != nil {
			return err
		}
		defer closeFrames()
		h.frames = table.NewFrameWriter(fout)
		if err := h.frames.WriteHeader(); err != nil {
			return err
		}
	}
	cfg, err := dissectConfig(c, "csv")
	if err != nil {
		return err
	}
	h.start()
	st, runErr := dissect.Run(in, cfg, h)
	h.wait()
	for _, err := range []error{h.msgs.Flush(), h.flushFrames(), closeOut()} {
		if err != nil && runErr == nil {
			runErr = err
		}
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(os.Stderr, "mqzip csv: %s: %s\n", name, summary(st))
	}
	if runErr != nil {
		return fmt.Errorf("%s: %w", name, runErr)
	}
	return nil
}

func summary(st dissect.Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d frames, %d MQTT messages in %d of %d TCP connections", st.Frames, st.Messages, st.MQTTConvs, st.Conversations)
	for _, x := range []struct {
		n    int
		what string
	}{{st.Malformed, "malformed"}, {st.Truncated, "truncated"}, {st.Skipped, "skipped runs of bytes"}, {st.DecodeErrors, "frames not fully decoded"}, {st.Unsupported, "frames of unsupported link types"}} {
		if x.n > 0 {
			fmt.Fprintf(&b, ", %d %s", x.n, x.what)
		}
	}
	return b.String()
}

// csvHandler writes the message rows on a second goroutine, so that dissecting and
// formatting use both cores; rows keep capture order.
type csvHandler struct {
	msgs   *table.Writer
	frames *table.FrameWriter
	batch  []*conv.Message
	ch     chan []*conv.Message
	done   chan struct{}
}

func (h *csvHandler) start() {
	h.ch, h.done = make(chan []*conv.Message, 2), make(chan struct{})
	go func() {
		defer close(h.done)
		for b := range h.ch {
			for _, m := range b {
				h.msgs.Write(m)
			}
		}
	}()
}

// wait delivers the last batch and waits until every row is written.
func (h *csvHandler) wait() {
	if len(h.batch) > 0 {
		h.ch <- h.batch
	}
	close(h.ch)
	<-h.done
}

func (h *csvHandler) Message(m *conv.Message) {
	h.batch = append(h.batch, m)
	if len(h.batch) == 512 {
		h.ch <- h.batch
		h.batch = make([]*conv.Message, 0, 512)
	}
}

func (h *csvHandler) Frame(f *dissect.Frame) {
	if h.frames != nil && f.Messages == 0 {
		h.frames.Write(f)
	}
}

func (h *csvHandler) flushFrames() error {
	if h.frames == nil {
		return nil
	}
	return h.frames.Flush()
}
