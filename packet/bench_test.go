package packet

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/mqzip/mqzip/internal/testcaps"
)

// benchFrames loads the frames of the benchmark capture, a Linux cooked capture of an MQTT
// sensor network, into memory.
func benchFrames(b *testing.B) (frames []frame, size int64) {
	frames = readCapture(b, testcaps.Find(b, "mqttset/benign.pcap"))
	for _, f := range frames {
		size += int64(len(f.data))
	}
	return frames, size
}

// reportFrames reports the frames decoded per second.
func reportFrames(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkDecode decodes every frame of the capture per op.
func BenchmarkDecode(b *testing.B) {
	frames, size := benchFrames(b)
	b.SetBytes(size)
	b.ReportAllocs()
	var p Packet
	for b.Loop() {
		for _, f := range frames {
			if err := Decode(f.link, f.data, &p); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportFrames(b, len(frames))
}

// BenchmarkGopacketDecodingLayerParser decodes the same frames with gopacket's fastest API, a
// DecodingLayerParser over preallocated layers, for comparison with BenchmarkDecode.
func BenchmarkGopacketDecodingLayerParser(b *testing.B) {
	frames, size := benchFrames(b)
	var (
		sll     layers.LinuxSLL
		eth     layers.Ethernet
		dot1q   layers.Dot1Q
		ip4     layers.IPv4
		ip6     layers.IPv6
		tcp     layers.TCP
		udp     layers.UDP
		payload gopacket.Payload
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeLinuxSLL, &sll, &eth, &dot1q, &ip4, &ip6, &tcp, &udp, &payload)
	parser.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range frames {
			if err := parser.DecodeLayers(f.data, &decoded); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportFrames(b, len(frames))
}
