// Command mqzip parses, analyses and compresses MQTT packet captures. Run "mqzip help" for its
// commands.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

func main() {
	// The live heap is small and bounded; collecting less often is worth a few MB.
	debug.SetGCPercent(200)
	app := newApp()
	if err := app.Run(interspersed(app, os.Args)); err != nil {
		fmt.Fprintln(os.Stderr, "mqzip:", err)
		os.Exit(1)
	}
}
