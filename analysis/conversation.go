package analysis

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/mqzip/mqzip/conv"
)

// maxConvTopics bounds the topics followed per conversation (for its main topic and publish
// periods).
const maxConvTopics = 64

// pubKey names the publishes of one topic in one direction.
type pubKey struct {
	dir   int
	topic string
}

// convState is what the analyzer keeps of one conversation. While the conversation is active it
// holds the rules' memory; once retired only what the figures need stays.
type convState struct {
	c        *conv.Conversation
	capture  int
	last     int64 // tick of its last message
	messages int
	bytes    int64

	// Active only.
	prev   [3][]fieldPrev
	pLen   [3][2]int64 // previous message per direction: TCP length, message length
	pLenOK [3]bool
	snip   [3]snippet
	pubs   map[pubKey]*intervals
	pings  intervals

	// Kept for the figures.
	info      Conversation
	clientID  string
	keepAlive int // from CONNECT, -1 without one
	lengths   [2][]float64
	gaps      *series
	payload   []byte
	topics    map[string]int
}

func dirIndex(d conv.Direction) int {
	switch d {
	case conv.ClientToBroker:
		return 0
	case conv.BrokerToClient:
		return 1
	}
	return 2
}

var dirNames = [3]string{"client_to_broker", "broker_to_client", "unknown"}

// state returns the state of c, creating it (and retiring the least recently active
// conversations when there are too many).
func (a *Analyzer) state(c *conv.Conversation) *convState {
	a.tick++
	if cs := a.convs[c]; cs != nil {
		cs.last = a.tick
		return cs
	}
	if len(a.convs) >= a.cfg.MaxConversations {
		a.retireOldest()
	}
	cs := &convState{c: c, capture: a.cur, last: a.tick, keepAlive: -1, gaps: newSeries(a.cfg.SeriesLen),
		topics: map[string]int{}, pubs: map[pubKey]*intervals{}}
	a.convs[c] = cs
	return cs
}

// retireOldest retires the least recently active quarter of the conversations.
func (a *Analyzer) retireOldest() {
	all := make([]*convState, 0, len(a.convs))
	for _, cs := range a.convs {
		all = append(all, cs)
	}
	slices.SortFunc(all, func(x, y *convState) int { return cmp.Compare(x.last, y.last) })
	for _, cs := range all[:max(1, len(all)/4)] {
		a.retire(cs)
	}
}

// retireAll retires every active conversation.
func (a *Analyzer) retireAll() {
	all := make([]*convState, 0, len(a.convs))
	for _, cs := range a.convs {
		all = append(all, cs)
	}
	slices.SortFunc(all, func(x, y *convState) int { return cmp.Compare(x.c.ID, y.c.ID) })
	for _, cs := range all {
		a.retire(cs)
	}
}

// retire records what a conversation showed, drops the rules' memory and keeps the
// conversation for the figures if it is among the largest.
func (a *Analyzer) retire(cs *convState) {
	delete(a.convs, cs.c)
	cs.info = a.describe(cs)
	who := "id:" + cs.clientID
	if cs.clientID == "" {
		who = "addr:" + cs.c.Client.Addr().String()
	}
	addSet(a.clients, hashBytes([]byte(who)))
	label := cs.info.Label
	if cs.keepAlive >= 0 || cs.pings.count > 0 {
		med, reg := cs.pings.period()
		a.keepAlive = append(a.keepAlive, KeepAlive{Capture: cs.info.Capture, ID: cs.c.ID, Conversation: label, Declared: cs.keepAlive,
			Pings: cs.pings.count + b2i(cs.pings.have), Observed: med, Regularity: reg})
	}
	for k, iv := range cs.pubs {
		if iv.count < 1 {
			continue
		}
		med, reg := iv.period()
		a.periods = append(a.periods, Period{Capture: cs.info.Capture, ID: cs.c.ID, Conversation: label, Direction: dirNames[k.dir], Topic: k.topic,
			Messages: iv.count + 1, Median: med, Regularity: reg, Periodic: iv.count >= 3 && reg >= 0.5 && med > 0})
	}
	a.trimTiming()
	cs.prev, cs.snip, cs.pubs, cs.pings = [3][]fieldPrev{}, [3]snippet{}, nil, intervals{}
	a.kept = append(a.kept, cs)
	if len(a.kept) > 2*a.cfg.KeepConversations {
		sortConvs(a.kept)
		clear(a.kept[a.cfg.KeepConversations:])
		a.kept = a.kept[:a.cfg.KeepConversations]
	}
}

// sortConvs orders conversations by messages, most first, then by capture and id.
func sortConvs(s []*convState) {
	slices.SortStableFunc(s, func(x, y *convState) int {
		if c := cmp.Compare(y.messages, x.messages); c != 0 {
			return c
		}
		if c := cmp.Compare(x.capture, y.capture); c != 0 {
			return c
		}
		return cmp.Compare(x.c.ID, y.c.ID)
	})
}

// maxTiming bounds the keep-alive and period lists.
const maxTiming = 500

// trimTiming keeps the keep-alive and period lists bounded, dropping the least informative.
func (a *Analyzer) trimTiming() {
	if len(a.keepAlive) > 2*maxTiming {
		sortKeepAlive(a.keepAlive)
		a.keepAlive = a.keepAlive[:maxTiming]
	}
	if len(a.periods) > 2*maxTiming {
		sortPeriods(a.periods)
		a.periods = a.periods[:maxTiming]
	}
}

func sortKeepAlive(s []KeepAlive) {
	slices.SortStableFunc(s, func(x, y KeepAlive) int { return cmp.Compare(y.Pings, x.Pings) })
}

func sortPeriods(s []Period) {
	slices.SortStableFunc(s, func(x, y Period) int {
		if x.Periodic != y.Periodic {
			if x.Periodic {
				return -1
			}
			return 1
		}
		return cmp.Compare(y.Messages, x.Messages)
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// describe fills in the public description of a conversation.
func (a *Analyzer) describe(cs *convState) Conversation {
	c := cs.c
	d := Conversation{ID: c.ID, Client: c.Client.String(), Broker: c.Broker.String(), ClientID: cs.clientID,
		Version: c.Version.String(), Messages: cs.messages, Bytes: cs.bytes}
	if cs.capture >= 0 && cs.capture < len(a.caps) {
		d.Capture = a.caps[cs.capture].Name
	}
	best := 0
	for t, n := range cs.topics {
		if n > best || n == best && t < d.MainTopic {
			d.MainTopic, best = t, n
		}
	}
	who := cs.clientID
	if who == "" {
		who = c.Client.Addr().String()
	}
	d.Label = shorten(who, 18)
	if d.MainTopic != "" {
		d.Label += " · " + shorten(d.MainTopic, 18)
	}
	return d
}

// qualify prefixes a conversation's label with its capture and id, which tell conversations
// of several captures apart.
func qualify(capture string, id int, label string) string {
	return fmt.Sprintf("%s#%d %s", shorten(baseName(capture), 12), id, label)
}

// shorten cuts s to at most n runes, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}
