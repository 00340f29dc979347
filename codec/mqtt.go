package codec

// mqttTrack follows the MQTT framing of one direction's in-order TCP payload, so that the
// payload model knows the packet type and the position within the packet of every byte, and
// can predict each byte from the same position of the last packet of the same type.
type mqttTrack struct {
	st   uint8  // 0: first byte next, 1: remaining length, 2: body
	typ  byte   // first byte of the current packet
	left uint32 // body bytes left
	mult uint32
	nlen uint8  // remaining-length bytes so far
	pos  uint32 // position within the current packet
	prev byte
	cur  []byte
	last [16][]byte
}

const keepMsg = 512 // bytes of each packet kept as the prediction for the next of its type

// context returns the context and predicted byte of the next payload byte.
func (m *mqttTrack) context() (uint32, byte) {
	var pred byte
	if l := m.last[m.typ>>4]; m.st != 0 && int(m.pos) < len(l) {
		pred = l[m.pos]
	}
	if m.st == 0 {
		pred = m.typ // packets of a conversation tend to repeat their type
	}
	pos := m.pos
	if pos > 24 {
		pos = 24 + min(pos>>6, 7)
	}
	return hash(fMQTT, uint32(m.st), uint32(m.typ), pos, uint32(m.prev)) ^ uint32(pred)<<24, pred
}

// push advances the framing by byte b.
func (m *mqttTrack) push(b byte) {
	m.prev = b
	if len(m.cur) < keepMsg {
		m.cur = append(m.cur, b)
	}
	m.pos++
	switch m.st {
	case 0:
		m.typ, m.st, m.left, m.mult, m.nlen = b, 1, 0, 1, 0
	case 1:
		m.left += uint32(b&0x7f) * m.mult
		m.mult <<= 7
		m.nlen++
		if b&0x80 == 0 || m.nlen == 4 {
			m.st = 2
		}
	case 2:
		m.left--
	}
	if m.st == 2 && m.left == 0 {
		m.end()
	}
}

func (m *mqttTrack) end() {
	t := m.typ >> 4
	m.last[t] = append(m.last[t][:0], m.cur...)
	m.cur, m.st, m.pos = m.cur[:0], 0, 0
}
