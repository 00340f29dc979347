package dataset

import "github.com/mqzip/mqzip/lstm"

// ContextModel is an adaptive order-k context model of the symbol stream (body bytes and EOM,
// as the LSTM sees it), the baseline the LSTM is measured against. It counts the symbols seen
// after each context of the last k symbols and blends the orders from k down to a uniform
// distribution, each with the one below as its prior:
//
//	p_j(s) = (n_j(s) + β·p_{j-1}(s)) / (N_j + β),  p_{-1}(s) = 1/257
//
// where n_j(s) counts s after the current context of order j and N_j all the symbols after it.
// It learns as it goes and is never reset between conversations.
type ContextModel struct {
	order  int
	beta   float64
	tables []map[uint64]*counts // per order 0..k
	hist   []uint16             // the last k symbols, oldest first
}

type counts struct {
	total int
	n     map[uint16]int
}

// NewContextModel returns an empty model of the given order (0 to 7) with β = 0.5.
func NewContextModel(order int) *ContextModel {
	order = min(max(order, 0), 7)
	m := &ContextModel{order: order, beta: 0.5, hist: make([]uint16, order)}
	for range order + 1 {
		m.tables = append(m.tables, map[uint64]*counts{})
	}
	for i := range m.hist {
		m.hist[i] = lstm.EOM
	}
	return m
}

// key returns the context of order j.
func (m *ContextModel) key(j int) uint64 {
	var k uint64
	for _, s := range m.hist[m.order-j:] {
		k = k<<9 | uint64(s)
	}
	return k
}

// Probs writes the distribution of the next symbol to dst (lstm.Symbols entries).
func (m *ContextModel) Probs(dst []float64) {
	for s := range dst[:lstm.Symbols] {
		dst[s] = 1.0 / lstm.Symbols
	}
	for j := 0; j <= m.order; j++ {
		c := m.tables[j][m.key(j)]
		if c == nil {
			continue
		}
		inv := 1 / (float64(c.total) + m.beta)
		for s := range dst[:lstm.Symbols] {
			dst[s] *= m.beta * inv
		}
		for s, n := range c.n {
			dst[s] += float64(n) * inv
		}
	}
}

// Update records that sym came next.
func (m *ContextModel) Update(sym int) {
	for j := 0; j <= m.order; j++ {
		k := m.key(j)
		c := m.tables[j][k]
		if c == nil {
			c = &counts{n: map[uint16]int{}}
			m.tables[j][k] = c
		}
		c.total++
		c.n[uint16(sym)]++
	}
	if m.order > 0 {
		copy(m.hist, m.hist[1:])
		m.hist[m.order-1] = uint16(sym)
	}
}
