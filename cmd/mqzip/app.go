package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/sample"
)

func newApp() *cli.App {
	return &cli.App{
		Name:  "mqzip",
		Usage: "parse, analyse and compress MQTT traffic in packet captures",
		Description: "mqzip reads pcap and pcapng captures, reassembles their TCP connections and dissects every\n" +
			"MQTT message (3.1, 3.1.1, 5.0). With no capture argument a command runs on the bundled\n" +
			"sample capture (" + sample.Name + ").",
		Commands: []*cli.Command{csvCommand(), analyzeCommand(), compressCommand(), decompressCommand(), benchCommand(), trainCommand(), evalCommand(), predictCommand(), proxyCommand()},
		ExitErrHandler: func(*cli.Context, error) {
			// main prints the error and sets the exit status.
		},
	}
}

// openInput opens the capture named by arg: "-" is standard input, "" the bundled sample.
func openInput(arg string) (io.Reader, string, func(), error) {
	switch arg {
	case "":
		fmt.Fprintf(os.Stderr, "mqzip: no capture given: using the bundled sample %s\n", sample.Name)
		return sample.Capture(), sample.Name, func() {}, nil
	case "-":
		return os.Stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, "", nil, err
	}
	return f, arg, func() { f.Close() }, nil
}

// createOutput creates the file named by arg: "-" or "" is standard output.
func createOutput(arg string) (io.Writer, func() error, error) {
	if arg == "" || arg == "-" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(arg)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}
