package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/dataset"
	"github.com/mqzip/mqzip/lstm"
)

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:      "train",
		Usage:     "train the byte-level model on captures and write it as a model file",
		ArgsUsage: "capture... ",
		Description: "Reads the MQTT conversations of the captures (dropping repeated ones), sets a share of\n" +
			"them apart for validation (whole conversations, never single messages), trains an LSTM on the\n" +
			"rest with truncated back-propagation through time and Adam on both cores, and stops early when\n" +
			"the validation bits per symbol stop improving. The best model is quantized to integers and\n" +
			"written with -o. With --checkpoint the trainer's state is saved after every epoch, and --resume\n" +
			"carries on from it (the early-stopping count starts afresh). Training is reproducible from --seed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the model to `FILE`", Value: "model.mqzm"},
			&cli.IntFlag{Name: "layers", Usage: "LSTM `LAYERS`", Value: 1},
			&cli.IntFlag{Name: "hidden", Usage: "`CELLS` in each layer", Value: 64},
			&cli.IntFlag{Name: "embed", Usage: "size of the byte embedding", Value: 16},
			&cli.IntFlag{Name: "epochs", Usage: "at most `N` passes over the training conversations", Value: 10},
			&cli.IntFlag{Name: "patience", Usage: "stop after `N` epochs without a better validation score", Value: 2},
			&cli.Float64Flag{Name: "lr", Usage: "Adam's step size", Value: 0.004},
			&cli.Float64Flag{Name: "decay", Usage: "multiply the step size by `D` after each epoch", Value: 0.6},
			&cli.IntFlag{Name: "window", Usage: "steps of back-propagation through time", Value: 32},
			&cli.IntFlag{Name: "lanes", Usage: "conversations trained side by side", Value: 8},
			&cli.IntFlag{Name: "piece", Usage: "cut conversations into pieces of at most `STEPS` for training", Value: 65536},
			&cli.IntFlag{Name: "max-body", Usage: "leave out messages whose body is longer than `BYTES` (images and other blobs the model cannot learn)", Value: 65536},
			&cli.IntFlag{Name: "cap", Usage: "train on at most about `STEPS` steps of each capture (0: all)"},
			&cli.Float64Flag{Name: "val", Usage: "share of the conversations kept for validation", Value: 0.1},
			&cli.Uint64Flag{Name: "seed", Usage: "seed of the initial weights, the split and the order of training", Value: 1},
			&cli.StringFlag{Name: "checkpoint", Usage: "save the trainer to `FILE` after every epoch"},
			&cli.BoolFlag{Name: "resume", Usage: "carry on from the --checkpoint file"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not show the progress bar"},
		},
		Action: runTrain,
	}
}

func runTrain(c *cli.Context) error {
	if c.NArg() == 0 {
		return errors.New("train: give the captures to train on")
	}
	convs, err := dataset.ReadFiles(c.Args().Slice(), dataset.Options{MaxBody: c.Int("max-body")})
	if err != nil {
		return err
	}
	seed := c.Uint64("seed")
	trainC, valC := dataset.Split(convs, c.Float64("val"), seed)
	if len(trainC) == 0 {
		return fmt.Errorf("train: all %d conversations went to validation", len(convs))
	}
	trainS, valS := capped(trainC, c.Int("piece"), c.Int("cap")), capped(valC, c.Int("piece"), c.Int("cap")/5)
	fmt.Fprintf(os.Stderr, "train: %d conversations for training (%d steps), %d for validation (%d steps)\n",
		len(trainC), steps(trainS), len(valC), steps(valS))
	tr, err := newTrainer(c, seed)
	if err != nil {
		return err
	}
	m := tr.Model()
	fmt.Fprintf(os.Stderr, "train: model %v, %d weights\n", m.Config(), m.Params())
	best, bestModel, stale := math.Inf(1), m.Clone(), 0
	for tr.Epochs() < c.Int("epochs") && stale < c.Int("patience") {
		ep, start := tr.Epochs()+1, time.Now()
		st, err := tr.Epoch(trainS, progressBar(c.Bool("quiet"), ep))
		if err != nil {
			return err
		}
		vs, err := lstm.Evaluate(m, valS, 0, 0)
		if err != nil {
			return err
		}
		v := vs.BitsPerSymbol()
		if len(valS) == 0 {
			v = st.BitsPerSymbol()
		}
		mark := ""
		if v < best {
			best, bestModel, stale, mark = v, m.Clone(), 0, " (best)"
		} else {
			stale++
		}
		fmt.Fprintf(os.Stderr, "\repoch %d: training %.4f bits/symbol, validation %.4f bits/symbol, top-1 %.4f, %.0f steps/s%s\n",
			ep, st.BitsPerSymbol(), vs.BitsPerSymbol(), vs.Accuracy(), float64(st.Steps)/time.Since(start).Seconds(), mark)
		if path := c.String("checkpoint"); path != "" {
			if err := writeCheckpoint(tr, path); err != nil {
				return err
			}
		}
	}
	note := "mqzip train " + strings.Join(os.Args[2:], " ")
	q, err := lstm.Quantize(bestModel, lstm.Meta{FeatureSet: dataset.FeatureSet, Note: note[:min(len(note), 65535)]})
	if err != nil {
		return err
	}
	if len(valS) > 0 {
		fs, _ := lstm.Evaluate(bestModel, valS, 0, 0)
		qs := lstm.QEvaluate(q, valS)
		fmt.Fprintf(os.Stderr, "train: validation %.4f bits/symbol in float, %.4f quantized (quantization loss %+.4f)\n",
			fs.BitsPerSymbol(), qs.BitsPerSymbol(), qs.BitsPerSymbol()-fs.BitsPerSymbol())
	}
	f, err := os.Create(c.String("output"))
	if err != nil {
		return err
	}
	n, err := q.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "train: wrote %s (%d bytes), model id %v\n", c.String("output"), n, q.ID())
	return nil
}

// newTrainer returns the trainer resumed from the checkpoint or a new one.
func newTrainer(c *cli.Context, seed uint64) (*lstm.Trainer, error) {
	if c.Bool("resume") {
		f, err := os.Open(c.String("checkpoint"))
		if err != nil {
			return nil, fmt.Errorf("train: --resume: %w", err)
		}
		defer f.Close()
		return lstm.ResumeTrainer(f)
	}
	cfg := lstm.Config{Layers: c.Int("layers"), Hidden: c.Int("hidden"), Embed: c.Int("embed"), Features: dataset.Features, Hints: dataset.Hints, Experts: dataset.Experts}
	m, err := lstm.NewModel(cfg, seed)
	if err != nil {
		return nil, err
	}
	return lstm.NewTrainer(m, lstm.TrainConfig{Seed: seed, LearnRate: c.Float64("lr"), Decay: c.Float64("decay"), Window: c.Int("window"), Lanes: c.Int("lanes")})
}

// writeCheckpoint saves the trainer to path through a temporary file, so that an interrupted
// save leaves the previous checkpoint whole.
func writeCheckpoint(tr *lstm.Trainer, path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = tr.WriteCheckpoint(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// progressBar returns a progress callback that draws a bar with the loss on standard error.
func progressBar(quiet bool, epoch int) func(lstm.Progress) {
	if quiet {
		return nil
	}
	last := time.Time{}
	return func(p lstm.Progress) {
		if time.Since(last) < 200*time.Millisecond && p.Steps < p.Total {
			return
		}
		last = time.Now()
		const width = 30
		done := width * p.Steps / max(p.Total, 1)
		fmt.Fprintf(os.Stderr, "\repoch %d [%s%s] %5.1f%%  %.3f bits/symbol", epoch,
			strings.Repeat("=", done), strings.Repeat(" ", width-done), 100*float64(p.Steps)/float64(max(p.Total, 1)), p.Epoch.BitsPerSymbol())
	}
}

// capped returns the sequences of the conversations, in pieces of at most piece steps, taking
// from each capture pieces until they add up to limit steps or more (0: no limit). The
// conversations of a capture share the experts' statistics, as when the capture is coded.
func capped(convs []dataset.Conversation, piece, limit int) []lstm.Sequence {
	var seqs []lstm.Sequence
	taken := map[string]int{}
	shared := map[string]*dataset.Shared{}
	for i := range convs {
		if limit > 0 && taken[convs[i].Capture] >= limit {
			continue
		}
		sh := shared[convs[i].Capture]
		if sh == nil {
			sh = dataset.NewShared()
			shared = map[string]*dataset.Shared{convs[i].Capture: sh} // one at a time: 13 MB each
		}
		for _, s := range convs[i].Sequence(sh, piece) {
			if limit > 0 && taken[convs[i].Capture] >= limit {
				break
			}
			taken[convs[i].Capture] += s.Len()
			seqs = append(seqs, s)
		}
	}
	return seqs
}

func steps(seqs []lstm.Sequence) int {
	n := 0
	for i := range seqs {
		n += seqs[i].Len()
	}
	return n
}
