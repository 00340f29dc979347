// Command mqzip parses, analyses and compresses MQTT packet captures. Run "mqzip help" for its
// commands.
package main

import (
	"fmt"
	"os"
)

func main() {
	app := newApp()
	if err := app.Run(interspersed(app, os.Args)); err != nil {
		fmt.Fprintln(os.Stderr, "mqzip:", err)
		os.Exit(1)
	}
}
