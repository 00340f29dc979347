package codec

// Logistic mixing in integers, after Mahoney's lpaq: predictions are mapped to the logistic
// domain (stretch), combined by a weighted sum whose weights learn online from each coded bit,
// and mapped back (squash). Everything is integer arithmetic on tables that are themselves
// computed with integers, so the encoder and the decoder agree on every machine.

// squashPoints are squash(x) at x = -2048, -1920, ..., 2048 (steps of 128, 12-bit
// probabilities), as lpaq1 tabulates 4096/(1+exp(-x/256)).
var squashPoints = [33]int32{1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101,
	1546, 2047, 2549, 2994, 3348, 3607, 3785, 3901, 3975, 4024, 4050, 4068, 4079, 4085, 4089,
	4092, 4093, 4094}

var stretchTab = func() (t [4096]int16) {
	// The inverse of squash: stretch(p) is the least x with squash(x) ≥ p.
	pi := 0
	for x := int32(-2047); x <= 2047; x++ {
		v := squash(x)
		for j := pi; j <= int(v); j++ {
			t[j] = int16(x)
		}
		pi = int(v) + 1
	}
	for j := pi; j < 4096; j++ {
		t[j] = 2047
	}
	return
}()

// squash maps a logistic-domain value (8 fractional bits) to a 12-bit probability.
func squash(x int32) int32 {
	if x > 2047 {
		return 4095
	}
	if x < -2047 {
		return 1
	}
	w := x & 127
	i := (x >> 7) + 16
	return (squashPoints[i]*(128-w) + squashPoints[i+1]*w + 64) >> 7
}

// stretch maps a 12-bit probability to the logistic domain.
func stretch(p int32) int32 { return int32(stretchTab[p&4095]) }

// mixer combines n predictions with one of nsets weight vectors.
type mixer struct {
	n     int
	w     []int32 // nsets × n weights, 16 fractional bits
	x     []int32 // the current inputs
	k     int     // inputs added so far
	set   int
	pr    int32 // the last mixed prediction, 12 bits
	alt   int   // the shadow weight set of the last mixAlt, or -1
	skip  int   // the input the shadow leaves out
	prAlt int32 // the shadow's prediction
	shift uint  // learning rate: larger is slower
}

func newMixer(n, nsets int, shift uint) *mixer {
	m := &mixer{n: n, w: make([]int32, n*nsets), x: make([]int32, n), shift: shift, alt: -1}
	for i := range m.w {
		m.w[i] = 1 << 14 // a quarter each, to start
	}
	return m
}

// add adds an input prediction, a 12-bit probability of a 1.
func (m *mixer) add(p12 int32) {
	m.x[m.k] = stretch(p12)
	m.k++
}

// mix returns the mixed 12-bit probability using weight set set.
func (m *mixer) mix(set int) int32 {
	m.set = set
	w := m.w[set*m.n : set*m.n+m.n]
	var dot int64
	for i := 0; i < m.k; i++ {
		dot += int64(m.x[i]) * int64(w[i])
	}
	m.pr = squash(int32(dot >> 16))
	return m.pr
}

// mixAlt returns the prediction of the shadow weight set set, which mixes the same inputs
// but input skip: what the mixer would predict without that input, had it always been
// without it. update trains the shadow set too.
func (m *mixer) mixAlt(set, skip int) int32 {
	m.alt, m.skip = set, skip
	w := m.w[set*m.n : set*m.n+m.n]
	var dot int64
	for i := 0; i < m.k; i++ {
		if i != skip {
			dot += int64(m.x[i]) * int64(w[i])
		}
	}
	m.prAlt = squash(int32(dot >> 16))
	return m.prAlt
}

// costTab[p] is the cost of a 1 coded with the 12-bit probability p, -log2(p/4096), in
// 1/256 bit, computed in integers.
var costTab = func() (t [4096]int32) {
	for p := 1; p < 4096; p++ {
		t[p] = log2Fixed(4096) - log2Fixed(uint32(p))
	}
	t[0] = t[1]
	return
}()

// log2Fixed returns log2(x) in 1/256 for x ≥ 1, by repeated squaring in integers.
func log2Fixed(x uint32) int32 {
	n := 31
	for x>>uint(n) == 0 {
		n--
	}
	y := uint64(x) << uint(30-n) // x / 2^n in [1, 2), 30 fractional bits
	r := int32(n) << 8
	for i := 7; i >= 0; i-- {
		y = y * y >> 30
		if y >= 2<<30 {
			y >>= 1
			r += 1 << uint(i)
		}
	}
	return r
}

// bitCost returns the cost in 1/256 bit of coding bit b with the 12-bit probability p of a 1.
func bitCost(p int32, b int) int32 {
	if b == 0 {
		p = 4096 - p
	}
	return costTab[min(max(p, 1), 4095)]
}

// update trains the weights (and the shadow's, after mixAlt) with the bit coded and clears the
// inputs.
func (m *mixer) update(bit int) {
	m.train(m.set, m.pr, bit, -1)
	if m.alt >= 0 {
		m.train(m.alt, m.prAlt, bit, m.skip)
		m.alt = -1
	}
	m.k = 0
}

// train moves the weights of set, which predicted pr, toward the bit coded, but the weight of
// input skip (-1: none).
func (m *mixer) train(set int, pr int32, bit, skip int) {
	err := (int32(bit)<<12 - pr) * 7
	w := m.w[set*m.n : set*m.n+m.n]
	for i := 0; i < m.k; i++ {
		if i != skip {
			w[i] += (m.x[i]*err + 1<<(m.shift-1)) >> m.shift
		}
	}
}

// bitP codes one bit with the probability p12 (of a 1, in 1/4096) and returns it.
func (k *coder) bitP(p12 int32, v int) int {
	if k.err != nil {
		return 0
	}
	p1 := uint32(min(max(p12, 1), 4095)) << 4
	v, err := k.c.CodeBitP(p1, v)
	if err != nil {
		k.err = err
		return 0
	}
	if k.stats != nil {
		k.cost(pOf(p1, v))
	}
	return v
}

// ctxByte is one context model's view of the byte being coded: its slot of bit models.
type ctxByte struct {
	t    []bit
	base uint32
}

// payloadModel predicts TCP payload bytes (framed as MQTT) by mixing several context models.
type payloadModel struct {
	tabs  [nPayCtx]*byteModels
	cur   [nPayCtx]ctxByte
	mx    *mixer
	limit uint8
}

const nPayCtx = 4

// payInputs is the number of inputs of the payload mixer: the context models, the predicted
// byte, and the LSTM.
const payInputs = nPayCtx + 2

func newPayloadModel(slotBits uint, pool *Pool) *payloadModel {
	pm := &payloadModel{mx: newMixer(payInputs, 96, 14), limit: 60}
	for i := range pm.tabs {
		pm.tabs[i] = newByteModels(slotBits, 60, pool)
	}
	return pm
}

// code codes one payload byte given the framing state of its direction. nn, when not nil, has
// the LSTM's prediction of the byte ready (neural.predict).
func (pm *payloadModel) code(k *coder, t *mqttTrack, dir uint32, v byte, nn *neural) byte {
	ctxA, pred := t.context()
	pos := min(t.pos, 63)
	ctxs := [nPayCtx]uint32{
		ctxA ^ dir<<31,
		hash(0xB0, uint32(t.prev), uint32(t.prev2), dir),
		hash(0xC0, uint32(pred), uint32(t.typ), pos, dir),
		hash(0xD0, uint32(t.prev), uint32(pred), uint32(t.st), min(t.matched, 3)),
	}
	for i, c := range ctxs {
		pm.cur[i] = ctxByte{t: pm.tabs[i].table(), base: (hash(c) & pm.tabs[i].mask) << 8}
	}
	conf := int32(min(t.matched, 8))
	node := uint32(1)
	for i := 7; i >= 0; i-- {
		for j := range pm.cur {
			pm.mx.add(int32(pm.cur[j].t[pm.cur[j].base+node].p1() >> 4))
		}
		// The predicted byte, as long as the bits so far agree with it.
		agree := 0
		pin := int32(2048)
		if node == 1<<uint(7-i)|uint32(pred)>>uint(i+1) {
			agree = 1
			if pred>>uint(i)&1 == 1 {
				pin = 2048 + 200*conf + 100
			} else {
				pin = 2048 - 200*conf - 100
			}
		}
		pm.mx.add(pin)
		set := ((7-i)*2+agree)*3 + int(min(t.st, 2))
		if nn != nil {
			pm.mx.add(nn.p12(node, 7-i))
			set += 48
		} else {
			pm.mx.add(2048)
		}
		p := pm.mx.mix(set)
		var alt int32
		if nn != nil {
			// The weights without the LSTM learn on these bits too, so that they are ready
			// when the LSTM sits out, and say what the LSTM saves.
			alt = pm.mx.mixAlt(set-48, payInputs-1)
		}
		b := k.bitP(p, int(v>>uint(i))&1)
		if k.err != nil {
			pm.mx.k = 0
			return 0
		}
		if nn != nil {
			nn.gain += bitCost(alt, b) - bitCost(p, b)
		}
		pm.mx.update(b)
		for j := range pm.cur {
			k.update(&pm.cur[j].t[pm.cur[j].base+node], b, pm.limit)
		}
		node = node<<1 | uint32(b)
	}
	return byte(node)
}
