package codec

// mqttTrack follows the MQTT framing of one direction's in-order TCP payload, so that the
// payload model knows the packet type and the position within the packet of every byte, and
// can predict each byte from the same position of the last packet of the same type.
type mqttTrack struct {
	st      uint8  // 0: first byte next, 1: remaining length, 2: body
	vh      uint32 // position where the payload starts (end of the variable header), when known
	typ     byte   // first byte of the current packet
	left    uint32 // body bytes left
	mult    uint32
	nlen    uint8  // remaining-length bytes so far
	pos     uint32 // position within the current packet
	prev    byte
	prev2   byte
	matched uint32 // bytes in a row equal to their prediction
	cur     []byte
	last    [16][]byte
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

// push advances the framing by byte b; it reports whether b ended a packet, in which case the
// caller calls end once it commits to the packet.
func (m *mqttTrack) push(b byte) bool {
	if _, pred := m.context(); pred == b {
		m.matched++
	} else {
		m.matched = 0
	}
	m.prev2, m.prev = m.prev, b
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
			m.vh = m.pos + varHeaderLen(m.typ)
		}
	case 2:
		m.left--
		if m.typ>>4 == 3 && m.pos == m.vh0()+2 && len(m.cur) >= int(m.pos) {
			// PUBLISH: topic length known, then the packet identifier if QoS > 0.
			tl := uint32(m.cur[m.pos-2])<<8 | uint32(m.cur[m.pos-1])
			m.vh = m.pos + tl
			if m.typ&0x06 != 0 {
				m.vh += 2
			}
		}
	}
	return m.st == 2 && m.left == 0
}

func (m *mqttTrack) end() {
	t := m.typ >> 4
	m.last[t] = append(m.last[t][:0], m.cur...)
	m.cur, m.st, m.pos = m.cur[:0], 0, 0
}

// category says whether the next byte is in a fixed header, a variable header or a payload.
func (m *mqttTrack) category() Category {
	switch {
	case m.st != 2:
		return CatMQTTFixed
	case m.pos < m.vh:
		return CatMQTTVar
	}
	return CatMQTTPay
}

// vh0 returns the position of the first byte after the fixed header.
func (m *mqttTrack) vh0() uint32 { return 1 + uint32(m.nlen) }

// varHeaderLen is the length of the variable header of a packet of first byte typ, as far as
// it is fixed (PUBLISH: the topic length field, the rest found when it is read; MQTT 5
// properties are counted as payload).
func varHeaderLen(typ byte) uint32 {
	switch typ >> 4 {
	case 1:
		return 10
	case 2:
		return 2
	case 3:
		return 2
	case 4, 5, 6, 7, 8, 9, 10, 11:
		return 2
	}
	return 0
}
