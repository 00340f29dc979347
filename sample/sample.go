// Package sample embeds a small real MQTT capture so that every command has a default input:
// riskyduha-mqtt.pcap, 338 MQTT messages in two TCP streams, from the GitHub repository
// Riskyduha/Distributed-System (MIT licence).
package sample

import (
	"bytes"
	_ "embed"
	"io"
)

//go:embed riskyduha-mqtt.pcap
var capture []byte

// Name is the file name of the embedded capture.
const Name = "riskyduha-mqtt.pcap"

// Capture returns a reader of the embedded capture.
func Capture() io.Reader { return bytes.NewReader(capture) }

// Bytes returns a copy of the embedded capture.
func Bytes() []byte { return bytes.Clone(capture) }
