package capture_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"path/filepath"

	"github.com/mqzip/mqzip/capture"
	"github.com/mqzip/mqzip/internal/testcaps"
)

func ExampleReader_Next() {
	r, err := capture.Open(filepath.Join(testcaps.BundledDir(), "suricata-verify", "mqtt-ping_input.pcap"))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fmt.Println(r.Format())
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err) // a *capture.FormatError names the offset and the frame
		}
		fmt.Printf("frame %d at offset %d: %d of %d bytes, link type %d\n", f.Number, f.Offset, f.CapLen, f.OrigLen, f.LinkType)
	}
	// Output:
	// pcap
	// frame 1 at offset 24: 68 of 68 bytes, link type 1
	// frame 2 at offset 108: 68 of 68 bytes, link type 1
}

func ExampleReader_NextBlock() {
	r, err := capture.Open(filepath.Join(testcaps.BundledDir(), "misc", "verimqtt-mqtt.pcapng"))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	kinds := map[capture.BlockKind]int{}
	size := 0
	for {
		b, err := r.NextBlock()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		kinds[b.Kind]++
		size += len(b.Raw) // the Raw bytes of all blocks make up the file
	}
	fmt.Println(size, "bytes;", kinds[capture.BlockSectionHeader], "section,", kinds[capture.BlockInterface], "interface,",
		kinds[capture.BlockEnhancedPacket], "packets,", kinds[capture.BlockInterfaceStats], "statistics")
	// Output: 10380 bytes; 1 section, 1 interface, 48 packets, 1 statistics
}
