package codec

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
}

func newByteModels(slotBits uint, limit uint8) *byteModels {
	return &byteModels{mask: 1<<slotBits - 1, limit: limit}
}

// table returns the models, allocated on first use: a small input that never needs a table
// (a capture without payload, say) does not pay for it.
func (m *byteModels) table() []bit {
	if m.t == nil {
		m.t = make([]bit, 256*(int(m.mask)+1))
	}
	return m.t
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
