package mqtt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// decoder walks one packet. It never reads at or past end, records the first violation it
// meets (the one at the lowest offset) and keeps going where the bytes allow.
type decoder struct {
	b      []byte  // the packet, at most PacketLen bytes
	off    int     // next byte to read
	end    int     // end of the region being read: the packet, or a property block
	region string  // name of that region, for messages
	v      Version // the version the packet is parsed as
	p      *Packet
	err    *Error
	varEnd int // start of the payload; -1 until known

	prevTopic string // the Topic of the packet ParseInto reuses, to share its memory
}

// fail records a violation unless one at a lower or equal offset is already recorded.
func (d *decoder) fail(kind error, clause string, off int, format string, args ...any) {
	if d.err != nil && d.err.Offset <= off {
		return
	}
	d.err = &Error{Clause: clause, Offset: off, Msg: fmt.Sprintf(format, args...), Err: kind}
}

func (d *decoder) malformed(clause string, off int, format string, args ...any) {
	d.fail(ErrMalformed, clause, off, format, args...)
}

func (d *decoder) protocol(clause string, off int, format string, args ...any) {
	d.fail(ErrProtocol, clause, off, format, args...)
}

// cl picks the clause of the version being parsed: c311 for 3.1 and 3.1.1, c5 for 5.0.
func (d *decoder) cl(c311, c5 string) string {
	if d.v == V5 {
		return c5
	}
	return c311
}

func (d *decoder) left() int { return d.end - d.off }

// byte1 reads one byte; section names the part of the specification that holds the field.
func (d *decoder) byte1(what, section string) (byte, bool) {
	if d.off >= d.end {
		d.malformed(section, d.off, "%s missing at the end of the %s", what, d.region)
		return 0, false
	}
	c := d.b[d.off]
	d.off++
	return c, true
}

// uint16 reads a Two Byte Integer.
func (d *decoder) uint16(what, section string) (uint16, bool) {
	if d.left() < 2 {
		d.malformed(section, d.off, "%s runs past the end of the %s", what, d.region)
		d.off = d.end
		return 0, false
	}
	v := binary.BigEndian.Uint16(d.b[d.off:])
	d.off += 2
	return v, true
}

// lenPrefixed reads a field prefixed by a two-byte length (a UTF-8 string or binary data).
// It returns the bytes, the length read from the prefix (-1 if the prefix itself is
// missing), and whether the field is whole.
func (d *decoder) lenPrefixed(what, section string) ([]byte, int, bool) {
	if d.left() < 2 {
		d.malformed(section, d.off, "%s length runs past the end of the %s", what, d.region)
		d.off = d.end
		return nil, -1, false
	}
	n := int(binary.BigEndian.Uint16(d.b[d.off:]))
	if d.left()-2 < n {
		d.malformed(section, d.off, "%s length %d runs past the end of the %s (%d bytes left)",
			what, n, d.region, d.left()-2)
		d.off = d.end
		return nil, n, false
	}
	raw := d.b[d.off+2 : d.off+2+n]
	d.off += 2 + n
	return raw, n, true
}

// str reads a UTF-8 Encoded String and checks it.
func (d *decoder) str(what, section string) ([]byte, bool) {
	start := d.off
	raw, _, ok := d.lenPrefixed(what, section)
	if ok {
		d.checkUTF8(raw, start+2, what)
	}
	return raw, ok
}

// intern returns raw as a string, sharing the memory of old when they are equal.
func intern(raw []byte, old string) string {
	if string(raw) == old {
		return old
	}
	return string(raw)
}

// checkUTF8 checks that s, found at offset off, is well-formed UTF-8 without U+0000
// ([MQTT-1.5.3-1], [MQTT-1.5.3-2]; [MQTT-1.5.4-1], [MQTT-1.5.4-2] in 5.0).
func (d *decoder) checkUTF8(s []byte, off int, what string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0 {
			d.malformed(d.cl("[MQTT-1.5.3-2]", "[MQTT-1.5.4-2]"), off+i, "%s contains U+0000", what)
			return
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			d.malformed(d.cl("[MQTT-1.5.3-1]", "[MQTT-1.5.4-1]"), off+i, "%s is not valid UTF-8", what)
			return
		}
		i += size
	}
}

// packetID reads a Packet Identifier; required reports whether zero is forbidden
// ([MQTT-2.3.1-1], [MQTT-2.2.1-3] in 5.0).
func (d *decoder) packetID(section string, required bool) bool {
	off := d.off
	id, ok := d.uint16("packet identifier", section)
	if !ok {
		return false
	}
	d.p.PacketID, d.p.HasPacketID = id, true
	if required && id == 0 {
		d.protocol(d.cl("[MQTT-2.3.1-1]", "[MQTT-2.2.1-3]"), off, "%v with packet identifier 0", d.p.Type)
	}
	return true
}

// trailing reports bytes left after the last field of a packet that must end there.
func (d *decoder) trailing() {
	if d.off < d.end {
		d.malformed(d.p.Type.section()+".1", d.off, "%d bytes after the end of the %v",
			d.end-d.off, d.p.Type)
		d.off = d.end
	}
}

// checkTopicName checks a Topic Name at offset off for wildcard characters.
func (d *decoder) checkTopicName(name []byte, off int, clause string) {
	if i := bytes.IndexAny(name, "+#"); i >= 0 {
		d.protocol(clause, off+i, "wildcard %q in topic name", name[i])
	}
}

// checkTopicFilter checks the syntax of a Topic Filter at offset off (section 4.7, and 4.8.2
// for MQTT 5.0 shared subscriptions) and reports whether it is a shared subscription.
func (d *decoder) checkTopicFilter(f []byte, off int) (shared bool) {
	if len(f) == 0 {
		d.protocol("[MQTT-4.7.3-1]", off, "empty topic filter")
		return false
	}
	if d.v == V5 && bytes.HasPrefix(f, []byte("$share/")) {
		shared = true
		rest := f[len("$share/"):]
		i := bytes.IndexByte(rest, '/')
		switch {
		case i == 0:
			d.protocol("[MQTT-4.8.2-1]", off+7, "shared subscription with an empty share name")
			return
		case i < 0:
			d.protocol("[MQTT-4.8.2-2]", off+7, "share name not followed by '/'")
			return
		}
		if j := bytes.IndexAny(rest[:i], "+#"); j >= 0 {
			d.protocol("[MQTT-4.8.2-2]", off+7+j, "wildcard %q in share name", rest[j])
			return
		}
		if i+1 == len(rest) {
			d.protocol("[MQTT-4.8.2-2]", off+7+i, "shared subscription without a topic filter")
			return
		}
		off += 7 + i + 1
		f = rest[i+1:]
	}
	start := 0
	for i := 0; i <= len(f); i++ {
		if i < len(f) && f[i] != '/' {
			continue
		}
		level := f[start:i]
		if j := bytes.IndexByte(level, '#'); j >= 0 && (len(level) != 1 || i != len(f)) {
			d.protocol(d.cl("[MQTT-4.7.1-2]", "[MQTT-4.7.1-1]"), off+start+j,
				"'#' not alone in the last level of topic filter")
			return shared
		}
		if j := bytes.IndexByte(level, '+'); j >= 0 && len(level) != 1 {
			d.protocol(d.cl("[MQTT-4.7.1-3]", "[MQTT-4.7.1-2]"), off+start+j,
				"'+' not alone in its level of topic filter")
			return shared
		}
		start = i + 1
	}
	return shared
}
