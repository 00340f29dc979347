package analysis

import (
	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/mqtt"
)

// topicKey names a topic within a capture.
type topicKey struct {
	capture int
	topic   string
}

// topicState is what the analyzer keeps of one topic.
type topicState struct {
	capture  int
	name     string
	count    int
	valued   int // publishes that carried a numeric value
	last     snippet
	values   map[string]*valueSeries // nil when its values are not followed
	keys     []string
	overflow bool
}

type valueSeries struct {
	s        *series
	count    int
	min, max float64
}

// topic returns the state of a topic, or nil when too many topics are followed.
func (a *Analyzer) topic(name string) *topicState {
	k := topicKey{a.cur, name}
	if t := a.topics[k]; t != nil {
		return t
	}
	if len(a.topics) >= a.cfg.MaxTopics {
		return nil
	}
	t := &topicState{capture: a.cur, name: name}
	if a.sensors < a.cfg.SensorTopics {
		t.values = map[string]*valueSeries{}
		a.sensors++
	}
	a.topics[k] = t
	a.topicList = append(a.topicList, t)
	return t
}

// observePublish records a PUBLISH: its topic, its payload sample, its period, its numeric
// values and its similarity to the topic's previous message.
func (a *Analyzer) observePublish(m *conv.Message, cs *convState) {
	p := m.Packet
	if p == nil || p.Type != mqtt.Publish || m.Status == conv.StatusTruncated {
		return
	}
	addSet(a.topicNames, hashBytes([]byte(p.Topic)))
	if _, ok := cs.topics[p.Topic]; ok || len(cs.topics) < maxConvTopics {
		cs.topics[p.Topic]++
	}
	d := dirIndex(m.Dir)
	k := pubKey{d, p.Topic}
	iv := cs.pubs[k]
	if iv == nil && len(cs.pubs) < maxConvTopics {
		iv = &intervals{}
		cs.pubs[k] = iv
	}
	if iv != nil {
		iv.add(m.Frame.Time, 256)
	}
	if room := a.cfg.PayloadSample - len(cs.payload); room > 0 {
		cs.payload = append(cs.payload, p.Payload[:min(room, len(p.Payload))]...)
	}
	t := a.topic(p.Topic)
	if t == nil {
		return
	}
	t.count++
	if t.last.valid() {
		s := t.last.similarity(m.Raw)
		a.lenSim[0].add(Point{X: float64(len(m.Raw)), Y: s})
		a.simSum[0] += s
	}
	t.last.set(m.Raw)
	if t.values == nil {
		return
	}
	vals := Values(p.Payload)
	if len(vals) == 0 {
		return
	}
	t.valued++
	at := float64(m.Frame.Time-a.start) / 1e9
	for _, v := range vals {
		vs := t.values[v.Key]
		if vs == nil {
			if len(t.keys) >= a.cfg.MaxKeys {
				t.overflow = true
				continue
			}
			vs = &valueSeries{s: newSeries(a.cfg.SensorPoints), min: v.Value, max: v.Value}
			t.values[v.Key] = vs
			t.keys = append(t.keys, v.Key)
		}
		vs.count++
		vs.min, vs.max = min(vs.min, v.Value), max(vs.max, v.Value)
		vs.s.add(at, v.Value)
	}
}
