package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/dataset"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/model"
)

func predictCommand() *cli.Command {
	return &cli.Command{
		Name:      "predict",
		Usage:     "show what the model expects of each message of a conversation",
		ArgsUsage: "[capture]",
		Description: "Runs the model (-m, or the built-in default model) over one conversation of the capture (by\n" +
			"default its first) with the hints a coder would compute, and prints for each message the body\n" +
			"the model generates byte by byte, taking the likeliest byte until the end of the message is the\n" +
			"likeliest outcome, next to the real body, with the probability of every byte of both.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "the model `FILE` (default: the built-in model)"},
			&cli.IntFlag{Name: "conversation", Aliases: []string{"c"}, Usage: "the conversation's `ID` (Wireshark's tcp.stream; -1: the first)", Value: -1},
			&cli.IntFlag{Name: "bytes", Usage: "show at most `N` bytes of each message in the table (0: all)", Value: 64},
			&cli.BoolFlag{Name: "json", Usage: "write JSON, one object per message, with every byte"},
		},
		Action: runPredict,
	}
}

// loadModel loads the model file at path, or the default model when path is empty, and checks
// that it was trained on the features this build computes.
func loadModel(cmd, path string) (*lstm.Quantized, error) {
	var q *lstm.Quantized
	var err error
	if path == "" {
		q, err = model.Default()
	} else {
		var f *os.File
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		q, err = lstm.Load(f)
		f.Close()
	}
	if err != nil {
		return nil, err
	}
	if err := dataset.CheckModel(q); err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	return q, nil
}

func runPredict(c *cli.Context) error {
	if c.NArg() > 1 {
		return errors.New("predict: give one capture")
	}
	q, err := loadModel("predict", c.String("model"))
	if err != nil {
		return err
	}
	r, name, done, err := openInput(c.Args().First())
	if err != nil {
		return err
	}
	convs, err := dataset.Read(r, name, dataset.Options{})
	done()
	if err != nil && len(convs) == 0 {
		return err
	}
	conv, err := pickConversation(convs, c.Int("conversation"))
	if err != nil {
		return err
	}
	// The experts' statistics as the coder has them there: learnt from the earlier conversations.
	sh := dataset.NewShared()
	for i := range convs {
		if &convs[i] == conv {
			break
		}
		sh.Learn(&convs[i])
	}
	preds, err := dataset.Predict(q, sh, conv, 0)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writePredictJSON(os.Stdout, conv, preds)
	}
	return writePredictText(os.Stdout, q, conv, preds, c.Int("bytes"))
}

func pickConversation(convs []dataset.Conversation, id int) (*dataset.Conversation, error) {
	if id < 0 {
		return &convs[0], nil
	}
	var ids []string
	for i := range convs {
		if convs[i].ID == id {
			return &convs[i], nil
		}
		if len(ids) < 20 {
			ids = append(ids, strconv.Itoa(convs[i].ID))
		}
	}
	return nil, fmt.Errorf("predict: no MQTT conversation %d in the capture (there are %d: %s)", id, len(convs), strings.Join(ids, " "))
}

func writePredictText(w io.Writer, q *lstm.Quantized, conv *dataset.Conversation, preds []dataset.Prediction, maxBytes int) error {
	fmt.Fprintf(w, "model %v (%v), %s conversation %d, %d messages\n", q.ID(), q.Config(), conv.Capture, conv.ID, len(preds))
	var bits float64
	var bytes, exact int
	for i := range preds {
		p := &preds[i]
		m := p.Msg
		bits += p.Bits
		bytes += len(m.Body)
		verdict := fmt.Sprintf("%d of %d bytes right", p.Matches(), len(m.Body))
		if p.Exact() {
			verdict, exact = "exact", exact+1
		} else if p.Truncated {
			verdict += ", generation cut"
		}
		fmt.Fprintf(w, "\nmessage %d, frame %d: %v %v, %d body bytes, %.3f bits/byte, generated %d bytes (%s)\n",
			p.Index, m.Frame, m.Type, m.Dir, len(m.Body), perByte(p.Bits, len(m.Body)), len(p.Generated), verdict)
		fmt.Fprintf(w, "  real      %s\n  generated %s\n", quote(m.Body), quote(p.Generated))
		n := max(len(m.Body), len(p.Generated)) + 1
		if maxBytes > 0 && n > maxBytes {
			n = maxBytes
		}
		fmt.Fprintf(w, "  %5s  %-6s %7s  %-6s %7s\n", "pos", "real", "p", "gen", "p")
		for k := range n {
			fmt.Fprintf(w, "  %5d  %s  %s\n", k, cell(m.Body, p.RealProbs, k), cell(p.Generated, p.GenProbs, k))
		}
		if rest := max(len(m.Body), len(p.Generated)) + 1 - n; rest > 0 {
			fmt.Fprintf(w, "  ... %d more\n", rest)
		}
	}
	_, err := fmt.Fprintf(w, "\ntotal: %d messages, %d exact, %d body bytes, %.4f bits/byte\n", len(preds), exact, bytes, perByte(bits, bytes))
	return err
}

// cell formats the symbol at position k of body (EOM just past its end) with its probability.
func cell(body []byte, probs []float64, k int) string {
	if k >= len(probs) {
		return fmt.Sprintf("%-6s %7s", "", "")
	}
	sym := "EOM"
	if k < len(body) {
		sym = byteLabel(body[k])
	}
	return fmt.Sprintf("%-6s %7.4f", sym, probs[k])
}

func byteLabel(b byte) string {
	if b > ' ' && b < 0x7f {
		return fmt.Sprintf("%02x %c", b, b)
	}
	return fmt.Sprintf("%02x", b)
}

// quote shows a body as a Go string literal, at most 120 bytes of it.
func quote(b []byte) string {
	if len(b) > 120 {
		return strconv.QuoteToASCII(string(b[:120])) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return strconv.QuoteToASCII(string(b))
}

func perByte(a float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return a / float64(n)
}

// predictJSON is the JSON form of a dataset.Prediction.
type predictJSON struct {
	Capture      string    `json:"capture"`
	Conversation int       `json:"conversation"`
	Index        int       `json:"index"`
	Frame        int       `json:"frame"`
	Type         string    `json:"type"`
	Direction    string    `json:"direction"`
	Real         []int     `json:"real"`
	RealProbs    []float64 `json:"real_probs"`
	Generated    []int     `json:"generated"`
	GenProbs     []float64 `json:"generated_probs"`
	Truncated    bool      `json:"truncated"`
	Exact        bool      `json:"exact"`
	Bits         float64   `json:"bits"`
}

func writePredictJSON(w io.Writer, conv *dataset.Conversation, preds []dataset.Prediction) error {
	enc := json.NewEncoder(w)
	for i := range preds {
		p := &preds[i]
		err := enc.Encode(predictJSON{
			Capture: conv.Capture, Conversation: conv.ID, Index: p.Index, Frame: p.Msg.Frame,
			Type: p.Msg.Type.String(), Direction: p.Msg.Dir.String(),
			Real: ints(p.Msg.Body), RealProbs: p.RealProbs, Generated: ints(p.Generated), GenProbs: p.GenProbs,
			Truncated: p.Truncated, Exact: p.Exact(), Bits: p.Bits,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ints returns b as numbers, so that JSON shows bytes rather than base64.
func ints(b []byte) []int {
	out := make([]int, len(b))
	for i, v := range b {
		out[i] = int(v)
	}
	return out
}
