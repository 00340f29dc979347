package analysis

import (
	"cmp"
	"math"
	"slices"

	"github.com/mqzip/mqzip/dissect"

	"github.com/mqzip/mqzip/mqtt"
)

// minACF is the fewest lengths an autocorrelation is computed from.
const minACF = 8

// Result ends the open capture, if any, and returns what the analysis found. It can be called
// more than once; captures analysed after a call are added to the next one.
func (a *Analyzer) Result() *Result {
	if a.cur >= 0 {
		a.End(dissect.Stats{}, nil)
	}
	r := &Result{Captures: slices.Clone(a.caps)}
	r.Summary = a.summary()
	r.Thresholds = Thresholds{MinHitRate: MinHitRate, MaxCostRatio: MaxCostRatio, MaxDistinct: a.cfg.MaxDistinct, Rules: RuleNames[:]}
	for _, f := range a.fields {
		if f.vals.n > 0 {
			r.Fields = append(r.Fields, f.result(a.messages))
		}
	}
	sortConvs(a.kept)
	convs := a.kept[:min(len(a.kept), a.cfg.KeepConversations)]
	for _, cs := range convs {
		c := cs.info
		if len(a.caps) > 1 {
			c.Label = qualify(c.Capture, c.ID, c.Label)
		}
		r.Conversations = append(r.Conversations, c)
	}
	r.Similarity = a.similarity(convs)
	for i, cs := range convs {
		for d := range cs.lengths {
			if ac, ok := autocorrOf(cs.lengths[d], a.cfg.MaxLag); ok {
				ac.Conversation, ac.Direction = i, dirNames[d]
				r.Autocorr = append(r.Autocorr, ac)
			}
		}
	}
	r.LengthSim = a.lengthSim()
	r.Sensors = a.sensorResults()
	r.Timing = a.timing(convs)
	return r
}

func (a *Analyzer) summary() Summary {
	s := Summary{Frames: a.frames, Messages: a.messages, Conversations: a.mqttConvs, TCPConnections: a.tcpConvs,
		Clients: len(a.clients), Topics: len(a.topicNames), Versions: map[string]int{}, Types: map[string]int{}, Status: map[string]int{}}
	for v, n := range a.versions {
		s.Versions[v] = n
	}
	for t, n := range a.types {
		if n == 0 {
			continue
		}
		name := "unframed"
		if t < 16 {
			name = mqtt.Type(t).String()
		}
		s.Types[name] = n
	}
	for st, n := range a.status {
		if n > 0 {
			s.Status[statusNames[st]] = n
		}
	}
	for _, n := range a.cat {
		s.TotalBytes += n
	}
	for i, n := range a.cat {
		if n == 0 && (i == catUnparsed || i == catOther) {
			continue
		}
		sh := ByteShare{Category: catNames[i], Bytes: n}
		if s.TotalBytes > 0 {
			sh.Share = float64(n) / float64(s.TotalBytes)
		}
		s.Bytes = append(s.Bytes, sh)
	}
	return s
}

var statusNames = [4]string{"ok", "malformed", "truncated", "skipped"}

// similarity computes the NCD matrix of the largest conversations that carry payloads, ordered
// by main topic and label so that alike conversations sit together.
func (a *Analyzer) similarity(convs []*convState) Similarity {
	s := Similarity{Method: "normalized compression distance, DEFLATE, over the first PUBLISH payload bytes of each conversation"}
	var idx []int
	for i, cs := range convs {
		if len(cs.payload) > 0 && len(idx) < a.cfg.MatrixSize {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		if c := cmp.Compare(convs[x].info.MainTopic, convs[y].info.MainTopic); c != 0 {
			return c
		}
		return cmp.Compare(convs[x].info.Label, convs[y].info.Label)
	})
	samples := make([][]byte, len(idx))
	for k, i := range idx {
		samples[k] = convs[i].payload
		label := convs[i].info.Label
		if len(a.caps) > 1 {
			label = qualify(convs[i].info.Capture, convs[i].info.ID, label)
		}
		s.Labels = append(s.Labels, label)
		s.SampleBytes = append(s.SampleBytes, len(convs[i].payload))
	}
	s.Conversations = idx
	s.Distance = ncdMatrix(samples)
	return s
}

func autocorrOf(x []float64, maxLag int) (Autocorr, bool) {
	if len(x) < minACF {
		return Autocorr{}, false
	}
	ac := Autocorr{N: len(x)}
	for _, v := range x {
		ac.MeanLen += v
	}
	ac.MeanLen /= float64(len(x))
	ac.ACF, ac.Band = acf(x, maxLag)
	if ac.ACF == nil {
		ac.Constant = true
		return ac, true
	}
	ac.Noise = 1.96 / math.Sqrt(float64(len(x)))
	ac.Period, ac.PeriodACF = dominantPeriod(ac.ACF, len(x))
	return ac, true
}

func (a *Analyzer) lengthSim() LengthSimilarity {
	l := LengthSimilarity{SameTopic: slices.Clone(a.lenSim[0].pts), SameConv: slices.Clone(a.lenSim[1].pts),
		SameTopicTotal: a.lenSim[0].seen, SameConvTotal: a.lenSim[1].seen}
	if l.SameTopicTotal > 0 {
		l.SameTopicMean = a.simSum[0] / float64(l.SameTopicTotal)
	}
	if l.SameConvTotal > 0 {
		l.SameConvMean = a.simSum[1] / float64(l.SameConvTotal)
	}
	return l
}

// maxSensors bounds the topics listed in Result.Sensors.
const maxSensors = 64

func (a *Analyzer) sensorResults() []Sensor {
	var ts []*topicState
	for _, t := range a.topicList {
		if t.valued > 0 {
			ts = append(ts, t)
		}
	}
	slices.SortStableFunc(ts, func(x, y *topicState) int { return cmp.Compare(y.valued, x.valued) })
	var out []Sensor
	for _, t := range ts[:min(len(ts), maxSensors)] {
		s := Sensor{Capture: a.caps[t.capture].Name, Topic: t.name, Messages: t.valued}
		for _, k := range t.keys {
			v := t.values[k]
			s.Series = append(s.Series, SensorSeries{Key: k, Count: v.count, Min: v.min, Max: v.max,
				T: slices.Clone(v.s.x), V: slices.Clone(v.s.y)})
		}
		out = append(out, s)
	}
	return out
}

func (a *Analyzer) timing(convs []*convState) Timing {
	t := Timing{Edges: slices.Clone(gapEdges), Zero: a.zeroGaps}
	for d := range t.Counts {
		t.Counts[d] = slices.Clone(a.gapCounts[d])
	}
	for i, cs := range convs {
		if len(cs.gaps.x) > 0 {
			t.Gaps = append(t.Gaps, GapSeries{Conversation: i, T: slices.Clone(cs.gaps.x), Gap: slices.Clone(cs.gaps.y)})
		}
	}
	t.KeepAlive = slices.Clone(a.keepAlive)
	sortKeepAlive(t.KeepAlive)
	t.KeepAlive = t.KeepAlive[:min(len(t.KeepAlive), maxTiming)]
	if len(a.caps) > 1 {
		for i, k := range t.KeepAlive {
			t.KeepAlive[i].Conversation = qualify(k.Capture, k.ID, k.Conversation)
		}
	}
	t.Publish = slices.Clone(a.periods)
	sortPeriods(t.Publish)
	t.Publish = t.Publish[:min(len(t.Publish), maxTiming)]
	if len(a.caps) > 1 {
		for i, p := range t.Publish {
			t.Publish[i].Conversation = qualify(p.Capture, p.ID, p.Conversation)
		}
	}
	return t
}
