package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/dataset"
)

func evalCommand() *cli.Command {
	return &cli.Command{
		Name:      "eval",
		Usage:     "measure a model on captures beside the baselines",
		ArgsUsage: "capture...",
		Description: "Runs the quantized model (-m, or the built-in default model), one conversation at a time from\n" +
			"its initial state, over the MQTT messages of the captures, and beside it three baselines: adaptive\n" +
			"order-2 and order-4 context models of the same symbols, and \"repeat\", which expects each message\n" +
			"to repeat the previous one of the same type and topic in its conversation (escaping to order-2).\n" +
			"The baselines learn across the captures; the model starts each conversation afresh. For each message type and direction it prints the bits per body byte (the fixed header\n" +
			"travels raw, so the length is known), the share of body bytes that were the likeliest (top-1)\n" +
			"and the share of messages whose every byte was.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "the model `FILE` (default: the built-in model)"},
		},
		Action: runEval,
	}
}

func runEval(c *cli.Context) error {
	if c.NArg() == 0 {
		return errors.New("eval: give the captures to measure on")
	}
	q, err := loadModel("eval", c.String("model"))
	if err != nil {
		return err
	}
	convs, err := dataset.ReadFiles(c.Args().Slice(), dataset.Options{})
	if err != nil {
		return err
	}
	names := []string{"lstm", "order-2", "order-4", "repeat"}
	scores := []dataset.Score{
		dataset.Run(dataset.NewQuantizedPredictor(q), convs),
		dataset.Run(dataset.Baseline{ContextModel: dataset.NewContextModel(2)}, convs),
		dataset.Run(dataset.Baseline{ContextModel: dataset.NewContextModel(4)}, convs),
		dataset.Run(dataset.NewRepeat(), convs),
	}
	fmt.Printf("model %v (%v), %d conversations\n", q.ID(), q.Config(), len(convs))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "type\tdirection\tmessages\tbytes\t")
	for _, n := range names {
		fmt.Fprintf(w, "%s bits/byte\ttop-1\texact\t", n)
	}
	fmt.Fprintln(w)
	row := func(typ, dir string, pick func(s dataset.Score) dataset.Tally) {
		t0 := pick(scores[0])
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t", typ, dir, t0.Messages, t0.Bytes)
		for _, s := range scores {
			t := pick(s)
			fmt.Fprintf(w, "%.4f\t%.4f\t%.4f\t", t.BitsPerByte(), t.Accuracy(), t.ExactShare())
		}
		fmt.Fprintln(w)
	}
	for _, k := range scores[0].Keys() {
		row(k.Type.String(), k.Dir.String(), func(s dataset.Score) dataset.Tally { return *s.By[k] })
	}
	row("all", "", func(s dataset.Score) dataset.Tally { return s.Total })
	return w.Flush()
}
