package dissect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/bench/gen"
	"github.com/mqzip/mqzip/capture"
	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/mqtt"
)

type collect struct {
	msgs   []*conv.Message
	frames int
	labels map[string]int
}

func (c *collect) Message(m *conv.Message) { c.msgs = append(c.msgs, m) }
func (c *collect) Frame(f *Frame) {
	c.frames++
	if c.labels == nil {
		c.labels = map[string]int{}
	}
	c.labels[f.Label]++
}

func runFile(t *testing.T, path string) (*collect, Stats, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &collect{}
	st, err := Run(f, Config{}, c)
	return c, st, err
}

// TestEveryCapture runs every capture and checks what must hold of any output: messages in
// frame order, each ok message a valid packet of its conversation's version, and every byte
// of the TCP streams accounted for.
func TestEveryCapture(t *testing.T) {
	for _, file := range testcaps.All(t) {
		name := testcaps.Name(file)
		c, st, err := runFile(t, file)
		last := 0
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if st.Messages == 0 || st.Messages != len(c.msgs) || st.Frames != c.frames {
			t.Errorf("%s: %d messages (%d delivered), %d frames (%d recorded)", name, st.Messages, len(c.msgs), st.Frames, c.frames)
		}
		for i, m := range c.msgs {
			// Messages come in the order of the frames that completed them; a truncated one
			// comes when its truncation is known (at the end of the capture, say).
			if m.Status != conv.StatusTruncated {
				if m.Frame.Number < last {
					t.Errorf("%s: message %d from frame %d after frame %d", name, i, m.Frame.Number, last)
				}
				last = m.Frame.Number
			}
			if len(m.Raw) == 0 || m.Dir == conv.DirUnknown || m.Conv.Version == 0 {
				t.Errorf("%s: message %d: %d bytes, direction %s, version %d", name, i, len(m.Raw), m.Dir, m.Conv.Version)
			}
			if m.Status == conv.StatusOK {
				if _, err := mqtt.Parse(m.Raw, m.Conv.Version); err != nil {
					t.Errorf("%s: ok message %d does not parse: %v", name, i, err)
				}
			}
			if m.Status != conv.StatusOK && m.Err == nil {
				t.Errorf("%s: message %d is %s without an error", name, i, m.Status)
			}
		}
	}
}

func find(t *testing.T, c *collect, pred func(m *conv.Message) bool) *conv.Message {
	t.Helper()
	for _, m := range c.msgs {
		if pred(m) {
			return m
		}
	}
	return nil
}

func TestMidstreamSplit(t *testing.T) {
	c, _, err := runFile(t, testcaps.Find(t, "suricata-verify/mqtt-midstream-split_mqtt-midstream-split.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	// The CONNACK comes as 1 + 51 bytes; the PUBLISH (35767 bytes of remaining length) over
	// three segments; no CONNECT, so the version (5.0) is guessed from the CONNACK's properties.
	ack := find(t, c, func(m *conv.Message) bool { return m.Packet != nil && m.Packet.Type == mqtt.Connack })
	if ack == nil || ack.Status != conv.StatusOK || ack.Frame.Number != 4 || ack.FirstFrame != 2 || ack.Dir != conv.BrokerToClient {
		t.Fatalf("CONNACK: %+v", ack)
	}
	if v := ack.Conv.Version; v != mqtt.V5 || !strings.HasPrefix(ack.Conv.VersionBy, "guess") {
		t.Errorf("version %v by %q, want a guess of 5", v, ack.Conv.VersionBy)
	}
	if len(ack.Packet.Properties) != 2 {
		t.Errorf("CONNACK properties %v", ack.Packet.Properties)
	}
	pub := find(t, c, func(m *conv.Message) bool { return m.Packet != nil && m.Packet.Type == mqtt.Publish })
	if pub == nil || pub.Status != conv.StatusOK || pub.Packet.RemainingLength != 35767 || pub.Frame.Number != 10 || pub.FirstFrame != 6 {
		t.Fatalf("PUBLISH: %+v", pub)
	}
	if !bytes.HasPrefix(pub.Packet.Payload, []byte{0xff, 0xd8, 0xff}) {
		t.Errorf("PUBLISH payload is not the JPEG: % x", pub.Packet.Payload[:8])
	}
}

func TestNonStandardPort(t *testing.T) {
	c, _, err := runFile(t, testcaps.Find(t, "misc/presill-mqtt-start-port1337.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.msgs) != 22 {
		t.Fatalf("%d messages, want 22 (as tshark -d tcp.port==1337,mqtt)", len(c.msgs))
	}
	cv := c.msgs[0].Conv
	if cv.Kind != conv.KindMQTT || cv.KindRule != "connect" || cv.Broker.Port() != 1337 || cv.DirRule != conv.RuleSYN {
		t.Errorf("conversation: kind %d by %q, broker %v, direction by %s", cv.Kind, cv.KindRule, cv.Broker, cv.DirRule)
	}
}

func TestLargePublishOverManySegments(t *testing.T) {
	c, _, err := runFile(t, testcaps.Find(t, "suricata-verify/mqtt-limit-2_input.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	big := find(t, c, func(m *conv.Message) bool { return len(m.Raw) > 100000 })
	if big == nil || big.Status != conv.StatusOK || big.Packet.Type != mqtt.Publish || big.Frame.Number-big.FirstFrame < 2 {
		t.Fatalf("no 100 KB PUBLISH reassembled over several segments: %+v", big)
	}
}

func TestOffloadFrames(t *testing.T) {
	c, st, err := runFile(t, testcaps.Find(t, "mqttset/flood.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	// 56,306 PUBLISH in 80 frames, as tshark counts them.
	if st.Frames != 80 || len(c.msgs) != 56306 {
		t.Errorf("%d frames, %d messages; want 80 and 56306", st.Frames, len(c.msgs))
	}
}

// readAll returns the bytes of a bundled capture.
func readAll(t *testing.T, suffix string) []byte {
	b, err := os.ReadFile(testcaps.Find(t, suffix))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBadInput(t *testing.T) {
	good := readAll(t, "misc/riskyduha-mqtt.pcap")
	goodMsgs := func() int {
		c := &collect{}
		Run(bytes.NewReader(good), Config{}, c)
		return len(c.msgs)
	}()
	unknownLink := bytes.Clone(good)
	binary.LittleEndian.PutUint32(unknownLink[20:], 147) // LINKTYPE_USER0
	huge := bytes.Clone(good)
	binary.LittleEndian.PutUint32(huge[24+8:], 0xffffffff) // first record's captured length
	second := 24 + 16 + int(binary.LittleEndian.Uint32(good[24+8:]))
	huge2 := bytes.Clone(good)
	binary.LittleEndian.PutUint32(huge2[second+8:], 0xfffffff0) // second record's captured length
	for _, tc := range []struct {
		name     string
		in       []byte
		is       error
		msgs     func(n int) bool // messages kept
		contains []string
	}{
		{"empty", nil, io.ErrUnexpectedEOF, func(n int) bool { return n == 0 }, []string{"empty"}},
		{"garbage", []byte("this is not a capture file at all, not even close"), capture.ErrFormat, func(n int) bool { return n == 0 }, []string{"offset 0"}},
		{"truncated file header", good[:10], io.ErrUnexpectedEOF, func(n int) bool { return n == 0 }, []string{"offset 0"}},
		{"truncated last record", good[:len(good)-7], io.ErrUnexpectedEOF, func(n int) bool { return n >= goodMsgs-2 }, []string{"frame 692"}},
		{"unknown link type", unknownLink, ErrUnsupportedLink, func(n int) bool { return n == 0 }, []string{"147", "frame 1", "offset 24"}},
		{"4 GB length field", huge, capture.ErrTooLarge, func(n int) bool { return n == 0 }, []string{"offset 24", "frame 1"}},
		{"absurd length in frame 2", huge2, capture.ErrTooLarge, func(n int) bool { return n == 0 }, []string{"frame 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collect{}
			_, err := Run(bytes.NewReader(tc.in), Config{}, c)
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
			if !tc.msgs(len(c.msgs)) {
				t.Errorf("%d messages kept", len(c.msgs))
			}
		})
	}
}

// TestMemoryBounded dissects generated captures of 50,000 and 500,000 frames, streamed, and
// checks that the heap in use does not grow with the length of the capture.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	peak := func(frames int) uint64 {
		pr, pw := io.Pipe()
		go func() {
			_, err := gen.Write(pw, gen.Config{Frames: frames, Clients: 200, Seed: 7})
			pw.CloseWithError(err)
		}()
		var max uint64
		var ms runtime.MemStats
		n := 0
		h := &sampler{f: func() {
			n++
			if n%20000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				max = maxU(max, ms.HeapAlloc)
			}
		}}
		if _, err := Run(pr, Config{}, h); err != nil {
			t.Fatal(err)
		}
		return max
	}
	small, large := peak(50000), peak(500000)
	t.Logf("live heap: %d KB after 50k frames, %d KB after 500k", small>>10, large>>10)
	if large > 2*small+(4<<20) {
		t.Errorf("live heap grew from %d KB to %d KB with 10 times the frames", small>>10, large>>10)
	}
}

type sampler struct{ f func() }

func (s *sampler) Message(*conv.Message) {}
func (s *sampler) Frame(*Frame)          { s.f() }

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
