package codec

import "sync"

// hash mixes context values into a table index (a multiplicative hash; integers only).
func hash(vals ...uint32) uint32 {
	h := uint32(0x9e3779b9)
	for _, v := range vals {
		h = (h ^ v) * 0x85ebca6b
		h ^= h >> 15
	}
	return h
}

// byteModels is a table of bit-tree byte models selected by a hashed context. Collisions
// share a model; no model is ever allocated during coding.
type byteModels struct {
	t     []bit
	mask  uint32
	limit uint8
	pool  *Pool // where the table comes from and goes back to (nil: none)
}

func newByteModels(slotBits uint, limit uint8, pool *Pool) *byteModels {
	return &byteModels{mask: 1<<slotBits - 1, limit: limit, pool: pool}
}

// table returns the models, allocated on first use (from the pool, if any): a small input
// that never needs a table (a capture without payload, say) does not pay for it.
func (m *byteModels) table() []bit {
	if m.t == nil {
		m.t = m.pool.get(256 * (int(m.mask) + 1))
	}
	return m.t
}

// release hands the models' table back to the pool; m must not be used after.
func (m *byteModels) release() {
	if m.t != nil {
		m.pool.put(m.t)
		m.t = nil
	}
}

// Pool recycles the model tables of finished segments for the Encoders and Decoders made after
// them (88 MiB for a segment that uses every model): a recycled table is cleared, so it is
// exactly a fresh one, and the garbage collector does not have to make room for a new one
// every segment. The encoder and the decoder keep one for a capture, so it holds the tables
// of as many segments as they code at once. It is safe for concurrent use; the zero Pool is
// ready.
type Pool struct {
	mu   sync.Mutex
	free map[int][][]bit
}

// get returns a cleared table of n models; p may be nil.
func (p *Pool) get(n int) []bit {
	if p != nil {
		p.mu.Lock()
		if l := p.free[n]; len(l) > 0 {
			t := l[len(l)-1]
			p.free[n] = l[:len(l)-1]
			p.mu.Unlock()
			clear(t)
			return t
		}
		p.mu.Unlock()
	}
	return make([]bit, n)
}

// put keeps t for a later get; p may be nil.
func (p *Pool) put(t []bit) {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.free == nil {
		p.free = map[int][][]bit{}
	}
	p.free[len(t)] = append(p.free[len(t)], t)
	p.mu.Unlock()
}

// code codes byte v in context ctx.
func (m *byteModels) code(k *coder, ctx uint32, v byte) byte {
	s := (hash(ctx) & m.mask) << 8
	return byte(k.tree(m.table()[s:s+256], 8, uint32(v), m.limit))
}

// symModel codes small symbols (up to 2^bits values) with a bit tree per context.
type symModel struct {
	t    []bit
	bits uint
	ctxs uint32
}

func newSymModel(bits uint, ctxs uint32) *symModel {
	return &symModel{t: make([]bit, (1<<bits)*int(ctxs)), bits: bits, ctxs: ctxs}
}

func (m *symModel) code(k *coder, ctx uint32, v uint32) uint32 {
	s := (ctx % m.ctxs) << m.bits
	return k.tree(m.t[s:s+1<<m.bits], m.bits, v, 60)
}
