package lstm

import (
	"math"
	"sync"
)

// A batch feeds several sequences at once through truncated back-propagation through time.
// It has lanes, each working through one sequence after another; every window it lays out
// the next steps of all lanes (serially, so that the result does not depend on scheduling),
// then its shards, each owning a fixed range of lanes, run forward and backward at the same
// time. Shards sum their gradients in shard order, so a batch is reproducible whatever the
// number of cores.
type batch struct {
	m      *Model
	steps  int // window length
	lanes  []lane
	shards []*shard

	seqs  []Sequence
	order []int // sequences still to start, in order
	next  int

	// the window being run, steps x lanes, row t*len(lanes)+b
	in, out []uint16
	hint    []uint16  // Hints a step
	expert  []float32 // Experts a step: the probability each expert gave the symbol to predict
	feat    [][]int16
	reset   []bool // the lane starts a new sequence at this step
	active  []bool // the step belongs to a sequence (the lane has not run dry)
}

type lane struct {
	seq, pos int // sequence and next step; seq < 0 when the lane has none
}

func newBatch(m *Model, steps, lanes, shards int) *batch {
	shards = min(shards, lanes)
	bt := &batch{m: m, steps: steps, lanes: make([]lane, lanes)}
	n := steps * lanes
	bt.in, bt.out, bt.hint = make([]uint16, n), make([]uint16, n), make([]uint16, n*m.cfg.Hints)
	bt.expert = make([]float32, n*m.cfg.Experts)
	bt.feat, bt.reset, bt.active = make([][]int16, n), make([]bool, n), make([]bool, n)
	for s := range shards {
		lo, hi := s*lanes/shards, (s+1)*lanes/shards
		bt.shards = append(bt.shards, newShard(m, bt, lo, hi))
	}
	return bt
}

// start begins a pass over the sequences in the given order.
func (bt *batch) start(seqs []Sequence, order []int) {
	bt.seqs, bt.order, bt.next = seqs, order, 0
	for b := range bt.lanes {
		bt.lanes[b] = lane{seq: -1}
	}
}

// fill lays out the next window and returns the number of active steps in it.
func (bt *batch) fill() int {
	nl, nf, nh, ne := len(bt.lanes), bt.m.cfg.Features, bt.m.cfg.Hints, bt.m.cfg.Experts
	count := 0
	for b := range bt.lanes {
		ln := &bt.lanes[b]
		for t := range bt.steps {
			r := t*nl + b
			bt.reset[r] = false
			for ln.seq < 0 || ln.pos >= len(bt.seqs[ln.seq].Syms) {
				if bt.next >= len(bt.order) {
					ln.seq = -1
					break
				}
				ln.seq, ln.pos = bt.order[bt.next], 0
				bt.next++
				bt.reset[r] = true
			}
			if ln.seq < 0 {
				bt.in[r], bt.out[r], bt.feat[r], bt.active[r] = EOM, 0, nil, false
				continue
			}
			s := &bt.seqs[ln.seq]
			bt.in[r] = EOM
			if ln.pos > 0 {
				bt.in[r] = s.Syms[ln.pos-1]
			}
			bt.out[r], bt.active[r] = s.Syms[ln.pos], true
			hints := bt.hint[r*nh : (r+1)*nh]
			if s.Hints != nil {
				copy(hints, s.Hints[ln.pos*nh:(ln.pos+1)*nh])
			} else {
				for k := range hints {
					hints[k] = NoHint
				}
			}
			bt.feat[r] = s.Feats[ln.pos*nf : (ln.pos+1)*nf]
			copy(bt.expert[r*ne:(r+1)*ne], s.Experts[ln.pos*ne:(ln.pos+1)*ne])
			ln.pos++
			count++
		}
	}
	return count
}

// run runs the window laid out by fill on every shard, with back-propagation when train is
// set (the loss being the mean over the n active steps), and returns the window's statistics;
// the gradient is then in the first shard's grad.
func (bt *batch) run(train bool, n int) Stats {
	var wg sync.WaitGroup
	for _, sh := range bt.shards[1:] {
		wg.Go(func() { sh.run(train, n) })
	}
	bt.shards[0].run(train, n)
	wg.Wait()
	var st Stats
	for _, sh := range bt.shards {
		st.Add(sh.stats)
	}
	if train {
		g := bt.shards[0].grad
		for _, sh := range bt.shards[1:] {
			for i, v := range sh.grad {
				g[i] += v
			}
		}
	}
	return st
}

// evaluate returns the statistics of the model on seqs, in windows of the batch's length.
func (bt *batch) evaluate(seqs []Sequence) Stats {
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	bt.start(seqs, order)
	var st Stats
	for {
		n := bt.fill()
		if n == 0 {
			return st
		}
		st.Add(bt.run(false, n))
	}
}

// log2e converts nats to bits.
var log2e = 1 / math.Ln2
