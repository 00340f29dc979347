// Package model holds mqzip's default model, a quantized byte-level LSTM (package lstm) trained
// on the MQTT captures of ../shared/captures less the held-out ones, embedded in the binary.
//
// It was made by one command, run from the directory of the shared captures (about five
// minutes on a loaded 2-core AMD EPYC). Training is reproducible from its seed, given the same
// captures and the same dissection, and the file records the command (with its output path)
// in its note, which its ID covers: this command remakes this very file, ID and all:
//
//	mqzip train $(find . -name '*.pcap*' | sed 's|^\./||' | grep -v -e mqttset/benign \
//	    -e riskyduha -e arkime/mqtt_synthetic.pcap -e zeek/ -e verimqtt | sort) \
//	    --hidden 64 --epochs 6 --patience 3 --cap 60000 -o /tmp/default.mqzm -q
//
// It is a 1×64 LSTM with a 16-value byte embedding, 48 features, 7 hint slots and 3 experts
// (dataset.FeatureSet "mqzip-mqtt/8"), about 54,600 weights, and the file is 64790 bytes. The
// held-out captures (mqttset/benign, misc/riskyduha-mqtt, arkime/mqtt_synthetic, zeek/mqtt and
// misc/verimqtt-mqtt) measure it on traffic it never saw:
//
//	mqzip eval mqttset/benign.pcap misc/riskyduha-mqtt.pcap arkime/mqtt_synthetic.pcap \
//	    zeek/mqtt.pcap misc/verimqtt-mqtt.pcapng
package model

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/mqzip/mqzip/lstm"
)

//go:embed default.mqzm
var defaultFile []byte

var loadDefault = sync.OnceValues(func() (*lstm.Quantized, error) {
	q, err := lstm.Load(bytes.NewReader(defaultFile))
	if err != nil {
		return nil, fmt.Errorf("model: default: %w", err)
	}
	return q, nil
})

// Default returns the embedded default model. It is parsed on the first call and shared by
// all callers: a Quantized model is not changed by use.
func Default() (*lstm.Quantized, error) { return loadDefault() }

// Size is the size in bytes of the embedded model file.
func Size() int { return len(defaultFile) }
