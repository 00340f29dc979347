package codec

import "container/list"

// flowKey identifies one direction of an IPv4 TCP or UDP flow.
type flowKey struct {
	src, dst     [4]byte
	proto        byte
	sport, dport uint16
}

func (k flowKey) reverse() flowKey {
	return flowKey{src: k.dst, dst: k.src, proto: k.proto, sport: k.dport, dport: k.sport}
}

// flow is what the model remembers of one direction of a flow.
type flow struct {
	key     flowKey
	link    []byte   // last link-layer header
	ip      [60]byte // last IPv4 header
	tcp     [60]byte // last TCP (or UDP) header
	ipLen   int
	tcpLen  int
	capLen  uint32 // captured length of the last frame
	gapBits uint8  // bit length of the time difference before its last frame
	nextSeq uint32 // sequence number after the last segment
	seqOK   bool
	tsval   uint32 // last TCP timestamp value
	tsOK    bool
	tsTime  int64 // time of the frame that carried tsval, ns
	mq      mqttTrack
	nn      neuralFlow
	elem    *list.Element // in flowTable.lru
}

// maxFlows bounds the flows remembered; the least recently used one is forgotten.
const maxFlows = 4096

// mruLen is how many recent flows the flow symbol can name.
const mruLen = 256

// flowTable holds the flows and a most-recently-used list of them.
type flowTable struct {
	m   map[flowKey]*flow
	mru []*flow
	lru *list.List // of *flow, most recently used first
}

func newFlowTable() flowTable { return flowTable{m: map[flowKey]*flow{}, lru: list.New()} }

// get returns the flow of key k, creating it (and forgetting the oldest) if needed.
func (t *flowTable) get(k flowKey) *flow {
	f := t.m[k]
	if f == nil {
		if len(t.m) >= maxFlows {
			t.evict()
		}
		f = &flow{key: k}
		t.m[k] = f
		f.elem = t.lru.PushFront(f)
	}
	t.lru.MoveToFront(f.elem)
	return f
}

func (t *flowTable) evict() {
	old := t.lru.Remove(t.lru.Back()).(*flow)
	delete(t.m, old.key)
	for i, f := range t.mru {
		if f == old {
			t.mru = append(t.mru[:i], t.mru[i+1:]...)
			break
		}
	}
}

// index returns the position of key k in the MRU list, or -1.
func (t *flowTable) index(k flowKey) int {
	for i, f := range t.mru {
		if f.key == k {
			return i
		}
	}
	return -1
}

// touch moves f to the front of the MRU list.
func (t *flowTable) touch(f *flow) {
	for i, g := range t.mru {
		if g == f {
			copy(t.mru[1:i+1], t.mru[:i])
			t.mru[0] = f
			return
		}
	}
	if len(t.mru) < mruLen {
		t.mru = append(t.mru, nil)
	}
	copy(t.mru[1:], t.mru[:len(t.mru)-1])
	t.mru[0] = f
}
