package dataset

import (
	"container/list"

	"github.com/mqzip/mqzip/lstm"
)

// ConvState is the state of the coding of one conversation: the model's recurrent state, its
// next input and the Context of features and hints. A coder steps it message after message:
// StartMessage, then for each body byte and the final EOM, Next for the frequencies and
// Update with the symbol that came.
type ConvState struct {
	q    *lstm.Quantized
	s    *lstm.QState
	in   int
	fx   Context
	feat []int16
	hint []int
	exp  [Experts][]uint32
}

func newConvState(q *lstm.Quantized, sh *Shared) *ConvState {
	return &ConvState{q: q, s: q.NewState(), in: lstm.EOM, fx: Context{Shared: sh}, feat: make([]int16, Features), hint: make([]int, Hints)}
}

// reset returns cs to the state of a conversation's start; the shared statistics stay.
func (cs *ConvState) reset() {
	cs.s.Reset()
	cs.in = lstm.EOM
	cs.fx = Context{Shared: cs.fx.Shared}
}

// StartMessage starts message m, of which it reads the metadata only.
func (cs *ConvState) StartMessage(m *Message) { cs.fx.Begin(m) }

// Next steps the model and writes to dst (lstm.Symbols entries) the frequencies of the next
// symbol, which sum to lstm.FreqTotal, and returns dst.
func (cs *ConvState) Next(dst []uint32) []uint32 {
	cs.fx.Step(cs.feat, cs.hint)
	cs.q.Next(cs.s, cs.in, cs.feat)
	return cs.q.FreqsMix(cs.s, cs.hint, cs.fx.Experts(&cs.exp), &cs.fx.Shared.Mix, dst)
}

// Update records the symbol that came: a body byte, or lstm.EOM, which ends the message.
func (cs *ConvState) Update(sym int) {
	cs.in = sym
	cs.fx.Shared.Mix.Learn(sym)
	if sym == lstm.EOM {
		cs.fx.End()
		return
	}
	cs.fx.Push(byte(sym))
}

// Store keeps the ConvState of many conversations at once, keyed by conversation ID, in
// bounded memory: it holds at most its capacity, and making room drops the state used least
// recently. Its conversations share one Shared, the experts' statistics. A conversation whose state was dropped restarts from a fresh state, as if it began
// there: its compression suffers, its correctness does not, since an encoder and a decoder that
// see the same sequence of IDs drop the same states.
type Store struct {
	q       *lstm.Quantized
	shared  *Shared
	cap     int
	order   *list.List // of *entry, the most recently used first
	byID    map[uint64]*list.Element
	evicted int
}

type entry struct {
	id uint64
	cs *ConvState
}

// NewStore returns an empty store for states of model q holding at most capacity states
// (at least 1). It fails only for a model that does not fit (CheckModel).
func NewStore(q *lstm.Quantized, capacity int) (*Store, error) {
	if err := CheckModel(q); err != nil {
		return nil, err
	}
	return &Store{q: q, shared: NewShared(), cap: max(capacity, 1), order: list.New(), byID: map[uint64]*list.Element{}}, nil
}

// Get returns the state of conversation id, and whether it is fresh: new, or dropped earlier
// to make room and restarted. A fresh state may reuse the memory of the dropped one.
func (st *Store) Get(id uint64) (cs *ConvState, fresh bool) {
	if e, ok := st.byID[id]; ok {
		st.order.MoveToFront(e)
		return e.Value.(*entry).cs, false
	}
	var en *entry
	if st.order.Len() >= st.cap {
		e := st.order.Back()
		en = st.order.Remove(e).(*entry)
		delete(st.byID, en.id)
		en.cs.reset()
		en.id = id
		st.evicted++
	} else {
		en = &entry{id: id, cs: newConvState(st.q, st.shared)}
	}
	st.byID[id] = st.order.PushFront(en)
	return en.cs, true
}

// Delete drops the state of conversation id, as when its connection closes.
func (st *Store) Delete(id uint64) {
	if e, ok := st.byID[id]; ok {
		st.order.Remove(e)
		delete(st.byID, id)
	}
}

// Len returns the number of states held.
func (st *Store) Len() int { return st.order.Len() }

// Evicted returns the number of states dropped to make room.
func (st *Store) Evicted() int { return st.evicted }
