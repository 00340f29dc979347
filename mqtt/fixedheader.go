package mqtt

// FixedHeader is the fixed header that starts every MQTT Control Packet: the packet type,
// four flag bits and the Remaining Length (MQTT 3.1.1 section 2.2, MQTT 5.0 section 2.1.1).
type FixedHeader struct {
	Type            Type // high nibble of byte 1
	Flags           byte // low nibble of byte 1
	RemainingLength int  // length of the variable header and payload
	Len             int  // length of the fixed header itself: 2 to 5 bytes
}

// PacketLen returns the length of the whole packet, fixed header included.
func (h FixedHeader) PacketLen() int { return h.Len + h.RemainingLength }

// maxVarIntLen is the longest Variable Byte Integer: four bytes, up to 268,435,455.
const maxVarIntLen = 4

// ReadFixedHeader parses the first byte and the Remaining Length of b. It returns
// ErrIncomplete when b is too short to hold the fixed header, and an *Error wrapping
// ErrMalformed that cites section 2.2.3 (Remaining Length) when the Remaining Length has more
// than four bytes; it never reads past the fourth byte of the Remaining Length. It does not
// check the type or the flags: Parse does.
func ReadFixedHeader(b []byte) (FixedHeader, error) {
	if len(b) < 2 {
		return FixedHeader{}, ErrIncomplete
	}
	h := FixedHeader{Type: Type(b[0] >> 4), Flags: b[0] & 0x0f}
	n, size, ok := varInt(b[1:])
	switch {
	case size > maxVarIntLen:
		return FixedHeader{}, &Error{Clause: "2.2.3", Offset: 1 + maxVarIntLen - 1,
			Msg: "remaining length longer than 4 bytes", Err: ErrMalformed}
	case !ok:
		return FixedHeader{}, ErrIncomplete
	}
	h.RemainingLength, h.Len = int(n), 1+size
	return h, nil
}

// varInt decodes a Variable Byte Integer (MQTT 5.0 section 1.5.5, 3.1.1 section 2.2.3) from
// the start of b. It returns the value, the number of bytes it spans, and ok. When the
// integer would need more than four bytes it returns size 5 and ok false without reading the
// fifth byte; when b ends first it returns ok false and a size of at most 4.
func varInt(b []byte) (v uint32, size int, ok bool) {
	for i := 0; i < maxVarIntLen; i++ {
		if i >= len(b) {
			return 0, i, false
		}
		c := b[i]
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1, true
		}
	}
	return 0, maxVarIntLen + 1, false
}

// varIntLen returns the number of bytes of the shortest encoding of v.
func varIntLen(v uint32) int {
	switch {
	case v < 1<<7:
		return 1
	case v < 1<<14:
		return 2
	case v < 1<<21:
		return 3
	}
	return 4
}

// AppendVarInt appends n as a Variable Byte Integer in the fewest bytes (MQTT 5.0 section
// 1.5.5, 3.1.1 section 2.2.3): the encoding of a Remaining Length or a property length.
func AppendVarInt(dst []byte, n int) []byte {
	for {
		d := byte(n & 0x7f)
		n >>= 7
		if n > 0 {
			d |= 0x80
		}
		dst = append(dst, d)
		if n == 0 {
			return dst
		}
	}
}
