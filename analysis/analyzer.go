package analysis

import (
	"io"
	"math"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/table"
)

// Analyzer accumulates the statistics of the messages and frames of one or more captures. It
// is a dissect.Handler: call Begin, run dissect.Run with it, call End, and after the last
// capture call Result. An Analyzer is not safe for concurrent use.
type Analyzer struct {
	cfg     Config
	fields  []*fieldStat
	ncols   int // fields[:ncols] are table columns, the rest MQTT 5 properties
	props   map[mqtt.PropertyID]int
	scratch []byte
	propBuf []propValue

	convs map[*conv.Conversation]*convState
	kept  []*convState
	tick  int64

	caps       []Capture
	cur        int   // index of the open capture, -1 when none is open
	start      int64 // time of the open capture's first frame
	haveStart  bool
	frameBytes map[*conv.Conversation]int64
	msgBytes   int64 // MQTT bytes of the open capture
	cat        [6]int64

	frames, messages, mqttConvs, tcpConvs int
	versions                              map[string]int
	types                                 [17]int
	status                                [4]int
	clients, topicNames                   map[uint64]struct{}

	topics    map[topicKey]*topicState
	topicList []*topicState
	sensors   int

	gapCounts [2][]int
	zeroGaps  int
	lenSim    [2]*reservoir
	simSum    [2]float64

	keepAlive []KeepAlive
	periods   []Period
}

// The indexes of Analyzer.cat, in the order of Summary.Bytes.
const (
	catTransport = iota
	catFixed
	catVariable
	catPayload
	catUnparsed
	catOther
)

var catNames = [6]string{BytesTransport, BytesFixed, BytesVariable, BytesPayload, BytesUnparsed, BytesOther}

// maxSet bounds the sets of client identifiers and topic names that are counted.
const maxSet = 1 << 16

// New returns an Analyzer with the configuration cfg (see Config for the defaults).
func New(cfg Config) (*Analyzer, error) {
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	a := &Analyzer{cfg: cfg, cur: -1, props: map[mqtt.PropertyID]int{}, convs: map[*conv.Conversation]*convState{},
		versions: map[string]int{}, clients: map[uint64]struct{}{}, topicNames: map[uint64]struct{}{},
		topics: map[topicKey]*topicState{}}
	names := map[string]int{}
	for _, c := range table.Columns() {
		if c.Category == table.Irrelevant {
			continue
		}
		f := newFieldStat(c.Name, c.Category.String(), c.Desc, cfg.MaxDistinct)
		f.col = &c
		names[c.Name] = len(a.fields)
		a.fields = append(a.fields, f)
	}
	for _, f := range a.fields {
		if m, ok := mirrors[f.name]; ok {
			f.mirror = names[m]
		}
	}
	a.ncols = len(a.fields)
	for d := range a.gapCounts {
		a.gapCounts[d] = make([]int, len(gapEdges)-1)
	}
	for i := range a.lenSim {
		a.lenSim[i] = newReservoir(cfg.SamplePoints, uint64(i+1))
	}
	return a, nil
}

// Begin starts a capture named name; messages and frames until End belong to it. An open
// capture is ended first.
func (a *Analyzer) Begin(name string) {
	if a.cur >= 0 {
		a.End(dissect.Stats{}, nil)
	}
	a.caps = append(a.caps, Capture{Name: name})
	a.cur = len(a.caps) - 1
	a.haveStart = false
	a.frameBytes = map[*conv.Conversation]int64{}
	a.msgBytes = 0
}

// End ends the open capture with the statistics and the error of its dissect.Run.
func (a *Analyzer) End(st dissect.Stats, err error) {
	if a.cur < 0 {
		return
	}
	c := &a.caps[a.cur]
	if err != nil {
		c.Error = err.Error()
	}
	a.mqttConvs += st.MQTTConvs
	a.tcpConvs += st.Conversations
	var mqttFrames int64
	for cv, n := range a.frameBytes {
		if cv.Kind == conv.KindMQTT {
			mqttFrames += n
		} else {
			a.cat[catOther] += n
		}
	}
	a.cat[catTransport] += max(0, mqttFrames-a.msgBytes)
	a.retireAll()
	for _, t := range a.topicList {
		if t.capture == a.cur {
			t.last = snippet{}
		}
	}
	a.frameBytes = nil
	a.cur = -1
}

// Capture analyses the capture read from r under the name name: Begin, dissect.Run, End.
func (a *Analyzer) Capture(r io.Reader, name string, cfg dissect.Config) (dissect.Stats, error) {
	a.Begin(name)
	st, err := dissect.Run(r, cfg, a)
	a.End(st, err)
	return st, err
}

// Frame records the bytes and time of one frame.
func (a *Analyzer) Frame(f *dissect.Frame) {
	if a.cur < 0 {
		a.Begin("")
	}
	c := &a.caps[a.cur]
	c.Frames++
	c.Bytes += int64(f.CapLen)
	a.frames++
	if !a.haveStart {
		a.start, a.haveStart = f.Time, true
	}
	c.Duration = max(c.Duration, float64(f.Time-a.start)/1e9)
	if f.Conv != nil {
		a.frameBytes[f.Conv] += int64(f.CapLen)
	} else {
		a.cat[catOther] += int64(f.CapLen)
	}
}

// Message records one MQTT message.
func (a *Analyzer) Message(m *conv.Message) {
	if a.cur < 0 {
		a.Begin("")
	}
	if !a.haveStart {
		a.start, a.haveStart = m.Frame.Time, true
	}
	cs := a.state(m.Conv)
	a.count(m, cs)
	a.observeFields(m, cs)
	a.observeTiming(m, cs)
	a.observePublish(m, cs)
	d := dirIndex(m.Dir)
	if d < 2 && len(cs.lengths[d]) < a.cfg.SeriesLen {
		cs.lengths[d] = append(cs.lengths[d], float64(len(m.Raw)))
	}
	if cs.snip[d].valid() {
		s := cs.snip[d].similarity(m.Raw)
		a.lenSim[1].add(Point{X: float64(len(m.Raw)), Y: s})
		a.simSum[1] += s
	}
	cs.snip[d].set(m.Raw)
}

// count updates the summary.
func (a *Analyzer) count(m *conv.Message, cs *convState) {
	a.messages++
	a.caps[a.cur].Messages++
	cs.messages++
	cs.bytes += int64(len(m.Raw))
	a.msgBytes += int64(len(m.Raw))
	if cs.messages == 1 {
		a.versions[m.Conv.Version.String()]++
	}
	a.types[messageType(m)]++
	if s := int(m.Status); s >= 0 && s < len(a.status) {
		a.status[s]++
	}
	p := m.Packet
	if p == nil || m.Status == conv.StatusTruncated {
		a.cat[catUnparsed] += int64(len(m.Raw))
	} else {
		h, v, pl := len(p.Header), len(p.VarHeader), len(p.Payload)
		a.cat[catFixed] += int64(h)
		a.cat[catVariable] += int64(v)
		a.cat[catPayload] += int64(pl)
		a.cat[catUnparsed] += int64(max(0, len(m.Raw)-h-v-pl))
	}
	if m.ClientID != "" && cs.clientID == "" {
		cs.clientID = m.ClientID
	}
}

func addSet(s map[uint64]struct{}, h uint64) {
	if len(s) < maxSet {
		s[h] = struct{}{}
	}
}

// propValue is the value of one MQTT 5 property of a message (repeated properties joined).
type propValue struct {
	field int
	val   []byte
}

// observeFields scores every field of the message.
func (a *Analyzer) observeFields(m *conv.Message, cs *convState) {
	props := a.messageProps(m)
	d := dirIndex(m.Dir)
	for i := range cs.prev {
		if i == d || i == 1-d && d < 2 {
			if len(cs.prev[i]) < len(a.fields) {
				cs.prev[i] = append(cs.prev[i], make([]fieldPrev, len(a.fields)-len(cs.prev[i]))...)
			}
		}
	}
	x := msgCtx{typ: messageType(m), rawLen: int64(len(m.Raw)), prev: cs.prev[d], pLen: cs.pLen[d], pLenOK: cs.pLenOK[d]}
	if m.Packet != nil {
		x.payLen = int64(len(m.Packet.Payload))
	}
	if d < 2 {
		x.other, x.oTCP = cs.prev[1-d], cs.pLen[1-d][0]
	}
	for i, f := range a.fields[:a.ncols] {
		v := f.col.Append(a.scratch[:0], m)
		a.scratch = v
		if len(v) > 0 {
			f.observe(i, v, &x)
		}
	}
	for _, p := range props {
		a.fields[p.field].observe(p.field, p.val, &x)
	}
	cs.pLen[d] = [2]int64{int64(m.Frame.TCPLen), int64(len(m.Raw))}
	cs.pLenOK[d] = true
}

// maxPropFields bounds the property fields (there are 27 properties; unknown ones are
// rejected by the parser, but the bound does not rely on it).
const maxPropFields = 64

// messageProps returns the values of the MQTT 5 properties of m, creating their fields.
func (a *Analyzer) messageProps(m *conv.Message) []propValue {
	out := a.propBuf[:0]
	if m.Packet == nil {
		return out
	}
	for _, pr := range m.Packet.Properties {
		i, ok := a.props[pr.ID]
		if !ok {
			if len(a.props) >= maxPropFields {
				continue
			}
			name := "mqzip.properties[" + pr.ID.String() + "]"
			f := newFieldStat(name, table.VariableHeader.String(), "MQTT 5 property "+pr.ID.String(), a.cfg.MaxDistinct)
			f.prop = pr.ID
			i = len(a.fields)
			a.fields = append(a.fields, f)
			a.props[pr.ID] = i
		}
		k := 0
		for k < len(out) && out[k].field != i {
			k++
		}
		if k == len(out) {
			out = append(out, propValue{field: i})
		} else {
			out[k].val = append(out[k].val, ';')
		}
		out[k].val = appendProp(out[k].val, pr)
	}
	a.propBuf = out
	return out
}

func appendProp(dst []byte, pr mqtt.Property) []byte {
	switch pr.ID.Type() {
	case mqtt.DataUTF8:
		return append(dst, pr.Str...)
	case mqtt.DataBinary:
		return append(dst, pr.Bytes...)
	case mqtt.DataStringPair:
		return append(append(append(dst, pr.Key...), ':'), pr.Value...)
	}
	return appendUint(dst, uint64(pr.Uint))
}

func appendUint(dst []byte, v uint64) []byte {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}

// gapEdges are the edges of the histogram of times between messages: 1 µs to 1e6 s, five bins
// a decade.
var gapEdges = func() []float64 {
	e := make([]float64, 61)
	for i := range e {
		e[i] = math.Pow(10, -6+float64(i)/5)
	}
	return e
}()

func gapBin(s float64) int {
	i := int(math.Floor((math.Log10(s) + 6) * 5))
	return min(max(i, 0), len(gapEdges)-2)
}

// observeTiming records the time since the conversation's previous message and the pings.
func (a *Analyzer) observeTiming(m *conv.Message, cs *convState) {
	t := m.Frame.Time
	if m.Index > 0 {
		if m.ConvDelta <= 0 {
			a.zeroGaps++
		} else {
			g := float64(m.ConvDelta) / 1e9
			a.gapCounts[min(dirIndex(m.Dir), 1)][gapBin(g)]++
			cs.gaps.add(float64(t-a.start)/1e9, g)
		}
	}
	if p := m.Packet; p != nil {
		switch p.Type {
		case mqtt.Pingreq:
			cs.pings.add(t, 64)
		case mqtt.Connect:
			if cs.keepAlive < 0 && m.Status != conv.StatusTruncated {
				cs.keepAlive = int(p.KeepAlive)
			}
		}
	}
}
