package mqtt_test

import (
	"testing"

	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/mqtt/mqtttest"
)

func benchmarkParse(b *testing.B, raw []byte, v mqtt.Version) {
	var p mqtt.Packet
	if err := mqtt.ParseInto(&p, raw, v); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := mqtt.ParseInto(&p, raw, v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkParsePublish parses a typical sensor reading, a 3.1.1 QoS 1 PUBLISH, into a
// reused Packet.
func BenchmarkParsePublish(b *testing.B) {
	raw := append([]byte{0x32, 0}, "\x00\x1bsite-7/line-2/sensor-19/temp\x00\x2a"...)
	raw = append(raw, `{"t":1712345678,"v":22.5,"unit":"C","ok":true}`...)
	raw[1] = byte(len(raw) - 2)
	benchmarkParse(b, raw, mqtt.V311)
}

// BenchmarkParsePublishV5 parses the MQTT 5.0 PUBLISH with seven properties of the
// mosquitto capture.
func BenchmarkParsePublishV5(b *testing.B) {
	for _, v := range mqtttest.Valid() {
		if v.Name == "5.0/PUBLISH qos1 props" {
			benchmarkParse(b, v.Raw, v.Version)
			return
		}
	}
	b.Fatal("vector not found")
}

// BenchmarkParseVectors parses every valid vector in turn.
func BenchmarkParseVectors(b *testing.B) {
	vs := mqtttest.Valid()
	var p mqtt.Packet
	n := 0
	for _, v := range vs {
		n += len(v.Raw)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, v := range vs {
			mqtt.ParseInto(&p, v.Raw, v.Version)
		}
	}
	b.ReportMetric(float64(b.N*len(vs))/b.Elapsed().Seconds(), "msgs/s")
}
