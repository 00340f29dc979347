package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
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

// dissectConfig turns the --port and --no-detect flags of command cmd into a pipeline
// configuration: forced ports are dissected as MQTT besides 1883.
func dissectConfig(c *cli.Context, cmd string) (dissect.Config, error) {
	cfg := dissect.Config{Conv: conv.Config{NoDetect: c.Bool("no-detect")}}
	for _, p := range c.UintSlice("port") {
		if p == 0 || p > 65535 {
			return cfg, fmt.Errorf("%s: --port %d is not a TCP port", cmd, p)
		}
		cfg.Conv.MQTTPorts = append(cfg.Conv.MQTTPorts, uint16(p))
	}
	if len(cfg.Conv.MQTTPorts) > 0 {
		cfg.Conv.MQTTPorts = append(cfg.Conv.MQTTPorts, 1883)
	}
	return cfg, nil
}
