package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/dissect"
)

const t0 = int64(1_700_000_000e9)

// knownValues are the temperatures sensor-1 publishes, in turn, in JSON payloads padded with
// spaces to knownLengths bytes, so that its message lengths repeat with period 3.
var (
	knownValues  = []float64{20.5, 21.25, 22.125}
	knownLengths = []int{12, 30, 60}
)

// knownCapture builds two conversations:
//   - sensor-1 (keep alive 60 s) publishes {"t":V} on home/temp at QoS 1 every 5 s, 60 times,
//     with packet identifiers 1..60, each acknowledged 2 ms later;
//   - sensor-2 (keep alive 30 s) pings every 30 s, 10 times, and publishes 7, 8 and 9 on
//     home/door at QoS 0 at 15, 45 and 75 s.
func knownCapture(t testing.TB) (*capBuilder, []byte) {
	b := newCapBuilder(t)
	a := b.conn(t0, [4]byte{10, 0, 0, 2}, 40001)
	a.connect(t0+100e6, "sensor-1", 60)
	for i := range 60 {
		payload := `{"t":` + jsonNum(knownValues[i%3]) + `}`
		payload += strings.Repeat(" ", knownLengths[i%3]-len(payload))
		a.publish(t0+1e9+int64(i)*5e9, "home/temp", payload, 1, uint16(i+1))
	}
	c := b.conn(t0+150e6, [4]byte{10, 0, 0, 3}, 40002)
	c.connect(t0+200e6, "sensor-2", 30)
	for k := 1; k <= 10; k++ { // in time order: the sequence numbers follow the calls
		if k <= 3 {
			c.publish(t0+int64(k)*30e9-15e9, "home/door", string(rune('6'+k)), 0, 0)
		}
		c.ping(t0 + int64(k)*30e9)
	}
	return b, b.bytes()
}

func jsonNum(v float64) string { b, _ := json.Marshal(v); return string(b) }

func analyze(t testing.TB, cfg Config, data []byte) *Result {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Capture(bytes.NewReader(data), "known.pcap", dissect.Config{}); err != nil {
		t.Fatal(err)
	}
	return a.Result()
}

func field(t *testing.T, r *Result, name string) Field {
	t.Helper()
	for _, f := range r.Fields {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no field %s", name)
	return Field{}
}

func convIndex(t *testing.T, r *Result, clientID string) int {
	t.Helper()
	for i, c := range r.Conversations {
		if c.ClientID == clientID {
			return i
		}
	}
	t.Fatalf("no conversation of %s", clientID)
	return -1
}

func TestKnownSummary(t *testing.T) {
	b, data := knownCapture(t)
	r := analyze(t, Config{}, data)
	s := r.Summary
	if s.Messages != 147 || b.messages != 147 {
		t.Errorf("messages %d (built %d), want 147", s.Messages, b.messages)
	}
	if s.Conversations != 2 || s.Clients != 2 || s.Topics != 2 || s.Versions["3.1.1"] != 2 {
		t.Errorf("summary %+v", s)
	}
	want := map[string]int{"CONNECT": 2, "CONNACK": 2, "PUBLISH": 63, "PUBACK": 60, "PINGREQ": 10, "PINGRESP": 10}
	for k, n := range want {
		if s.Types[k] != n {
			t.Errorf("%s: %d messages, want %d", k, s.Types[k], n)
		}
	}
	bytesOf := map[string]int64{}
	var sum float64
	for _, c := range s.Bytes {
		bytesOf[c.Category] = c.Bytes
		sum += c.Share
	}
	if bytesOf[BytesFixed] != int64(b.headerBytes) || bytesOf[BytesVariable] != int64(b.varBytes) || bytesOf[BytesPayload] != int64(b.payloadBytes) {
		t.Errorf("bytes %v, built header %d, variable %d, payload %d", bytesOf, b.headerBytes, b.varBytes, b.payloadBytes)
	}
	var frames int64
	for _, f := range b.frames {
		frames += int64(len(f.data))
	}
	if s.TotalBytes != frames || math.Abs(sum-1) > 1e-9 {
		t.Errorf("total %d bytes (shares sum to %v), capture has %d", s.TotalBytes, sum, frames)
	}
	if bytesOf[BytesTransport] != frames-int64(b.headerBytes+b.varBytes+b.payloadBytes) {
		t.Errorf("transport %d bytes", bytesOf[BytesTransport])
	}
}

func TestKnownPeriods(t *testing.T) {
	_, data := knownCapture(t)
	r := analyze(t, Config{}, data)
	var pub *Period
	for i, p := range r.Timing.Publish {
		if p.Topic == "home/temp" && p.Direction == "client_to_broker" {
			pub = &r.Timing.Publish[i]
		}
	}
	if pub == nil || math.Abs(pub.Median-5) > 1e-9 || !pub.Periodic || pub.Messages != 60 || pub.Regularity != 1 {
		t.Errorf("home/temp publish period %+v, want 5 s over 60 messages", pub)
	}
	for _, p := range r.Timing.Publish {
		if p.Topic == "home/door" && (p.Periodic || math.Abs(p.Median-30) > 1e-9) {
			t.Errorf("home/door %+v: want a 30 s median from 2 intervals, not periodic", p)
		}
	}
	found := false
	for _, k := range r.Timing.KeepAlive {
		if strings.HasPrefix(k.Conversation, "sensor-2") {
			found = true
			if k.Declared != 30 || k.Pings != 10 || math.Abs(k.Observed-30) > 1e-9 || k.Regularity != 1 {
				t.Errorf("sensor-2 keep-alive %+v, want declared 30 s, 10 pings, observed 30 s", k)
			}
		}
		if strings.HasPrefix(k.Conversation, "sensor-1") && (k.Declared != 60 || k.Pings != 0 || k.Observed != 0) {
			t.Errorf("sensor-1 keep-alive %+v, want declared 60 s and no pings", k)
		}
	}
	if !found {
		t.Errorf("no keep-alive for sensor-2 in %+v", r.Timing.KeepAlive)
	}
	// Histogram: 59 gaps of 5 s less 2 ms (PUBACK to next PUBLISH) fall in the bin of 5 s.
	bin := gapBin(4.998)
	if got := r.Timing.Counts[0][bin]; got < 59 {
		t.Errorf("%d client-to-broker gaps near 5 s, want at least 59", got)
	}
}

func TestKnownAutocorrelation(t *testing.T) {
	_, data := knownCapture(t)
	r := analyze(t, Config{MaxLag: 12}, data)
	i := convIndex(t, r, "sensor-1")
	var up, down *Autocorr
	for k, ac := range r.Autocorr {
		if ac.Conversation == i && ac.Direction == "client_to_broker" {
			up = &r.Autocorr[k]
		}
		if ac.Conversation == i && ac.Direction == "broker_to_client" {
			down = &r.Autocorr[k]
		}
	}
	if up == nil || up.Period != 3 || up.PeriodACF < 0.85 || up.N != 61 || len(up.ACF) != 12 || math.Abs(up.MeanLen-(22+20*(27+45+75))/61.0) > 1e-9 {
		t.Fatalf("client-to-broker autocorrelation %+v, want period 3", up)
	}
	for _, lag := range []int{3, 6, 9, 12} {
		if up.ACF[lag-1] < 0.7 || up.ACF[lag-1] <= up.Band[lag-1] {
			t.Errorf("lag %d: r=%.3f (band %.3f), want a significant peak", lag, up.ACF[lag-1], up.Band[lag-1])
		}
	}
	for _, lag := range []int{1, 2, 4, 5} {
		if up.ACF[lag-1] > 0 {
			t.Errorf("lag %d: r=%.3f, want negative", lag, up.ACF[lag-1])
		}
	}
	if down == nil || !down.Constant || down.Period != 0 {
		t.Errorf("broker-to-client lengths are all 4 bytes: %+v", down)
	}
}

func TestKnownValues(t *testing.T) {
	_, data := knownCapture(t)
	r := analyze(t, Config{}, data)
	got := map[string]Sensor{}
	for _, s := range r.Sensors {
		got[s.Topic] = s
	}
	temp := got["home/temp"]
	if temp.Messages != 60 || len(temp.Series) != 1 || temp.Series[0].Key != "t" || len(temp.Series[0].V) != 60 {
		t.Fatalf("home/temp %+v", temp)
	}
	ser := temp.Series[0]
	for i, v := range ser.V {
		if v != knownValues[i%3] || math.Abs(ser.T[i]-(1+5*float64(i))) > 1e-9 {
			t.Fatalf("value %d: %v at %v s, want %v at %v s", i, v, ser.T[i], knownValues[i%3], 1+5*i)
		}
	}
	if ser.Min != 20.5 || ser.Max != 22.125 || ser.Count != 60 {
		t.Errorf("home/temp min %v max %v count %d", ser.Min, ser.Max, ser.Count)
	}
	door := got["home/door"]
	if len(door.Series) != 1 || door.Series[0].Key != "" || !slicesEqual(door.Series[0].V, []float64{7, 8, 9}) ||
		!slicesEqual(door.Series[0].T, []float64{15, 45, 75}) {
		t.Errorf("home/door %+v, want plain values 7, 8, 9 at 15, 45, 75 s", door)
	}
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}

func TestKnownVerdicts(t *testing.T) {
	_, data := knownCapture(t)
	r := analyze(t, Config{}, data)
	for _, c := range []struct{ name, verdict, rule string }{
		// ip.src and tcp.srcport are "same as last" too, but "other direction" also predicts
		// the first message of the broker's direction, which matters in a short capture.
		{"mqtt.protoname", VerdictFixed, ""},
		{"mqtt.ver", VerdictFixed, ""},
		{"tcp.flags", VerdictFixed, ""},
		{"tcp.window_size_value", VerdictFixed, ""},
		{"mqtt.msgid", VerdictPredictable, "previous+1"},
		{"tcp.seq", VerdictPredictable, "previous+length"},
		{"tcp.seq_raw", VerdictPredictable, "previous+length"},
		{"mqzip.stream_offset", VerdictPredictable, "previous+length"},
		{"tcp.ack", VerdictPredictable, "other direction"},
		{"frame.len", VerdictPredictable, "payload length"},
		{"tcp.len", VerdictPredictable, "payload length"},
		{"mqtt.len", VerdictPredictable, "payload length"},
		{"ip.src", VerdictPredictable, "other direction"},
		{"tcp.srcport", VerdictPredictable, "other direction"},
		{"mqtt.topic_len", VerdictFixed, ""}, // home/temp and home/door
		{"mqtt.topic", VerdictRaw, ""},       // 60 of 63 are home/temp: 0.28 bits, no rule halves that
		{"frame.time_epoch", VerdictRaw, ""},
		{"mqtt.clientid", VerdictRaw, ""},
	} {
		f := field(t, r, c.name)
		if f.Verdict != c.verdict || f.Rule != c.rule {
			t.Errorf("%s: %s (%s), want %s (%s); hits %v, H %.3f", c.name, f.Verdict, f.Rule, c.verdict, c.rule, f.Hits, f.Entropy)
		}
		if f.Verdict == VerdictFixed && (f.Bits != 0 || f.Entropy != 0) {
			t.Errorf("%s is fixed but costs %v bits", c.name, f.Bits)
		}
		if f.Verdict == VerdictPredictable && f.Bits > MaxCostRatio*f.Entropy {
			t.Errorf("%s costs %v of %v bits", c.name, f.Bits, f.Entropy)
		}
	}
	// mqtt.msgid: in each direction every identifier but the first is the previous plus one.
	if f := field(t, r, "mqtt.msgid"); f.Present != 120 || math.Abs(f.Hits[ruleIncrement]-118.0/120) > 1e-12 {
		t.Errorf("mqtt.msgid present %d, previous+1 %v", f.Present, f.Hits[ruleIncrement])
	}
	// mqtt.msgtype: the entropy of the known type counts, and no entropy left given the type.
	f := field(t, r, "mqtt.msgtype")
	want := 0.0
	for _, n := range []float64{2, 2, 63, 60, 10, 10} {
		want -= n / 147 * math.Log2(n/147)
	}
	if math.Abs(f.Entropy-want) > 1e-9 || f.CondType != 0 || f.Present != 147 || f.Distinct != 6 {
		t.Errorf("mqtt.msgtype H=%v (want %v), H|type=%v, present %d, distinct %d", f.Entropy, want, f.CondType, f.Present, f.Distinct)
	}
}
