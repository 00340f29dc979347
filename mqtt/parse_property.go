package mqtt

import (
	"encoding/binary"
	"strings"
)

// properties reads an MQTT 5.0 property block (section 2.2.2) sitting in context c into
// *dst. It returns the Property Length, whether the length field was there, and whether
// the rest of the packet can still be read (false when the length runs past the end).
func (d *decoder) properties(c propCtx, dst *Properties) (n int, present, ok bool) {
	start := d.off
	if d.off >= d.end {
		d.malformed("[MQTT-2.2.2-1]", d.off, "%v property length missing", c)
		return 0, false, false
	}
	u, size, vok := varInt(d.b[d.off:d.end])
	if !vok {
		if size > maxVarIntLen {
			d.malformed("1.5.5", start+maxVarIntLen-1, "%v property length longer than 4 bytes", c)
		} else {
			d.malformed("2.2.2.1", start, "%v property length runs past the end of the packet", c)
		}
		d.off = d.end
		return 0, false, false
	}
	if size > varIntLen(u) {
		d.malformed("[MQTT-1.5.5-1]", start, "%v property length %d not minimally encoded", c, u)
	}
	d.off += size
	n, ok = int(u), true
	end := d.off + n
	if n > d.left() {
		d.malformed("2.2.2.1", start, "%v property length %d runs past the end of the packet (%d bytes left)",
			c, n, d.left())
		end, ok = d.end, false
	}
	outerEnd, outerRegion := d.end, d.region
	d.end, d.region = end, "properties"
	var seen uint64
	for d.off < d.end {
		off := d.off
		id := PropertyID(d.b[d.off])
		d.off++
		typ := id.Type()
		if typ == DataInvalid {
			d.malformed("2.2.2.2", off, "unknown property identifier 0x%02x", byte(id))
			*dst = append(*dst, Property{ID: id, Bytes: d.b[d.off:d.end]})
			d.off = d.end
			break
		}
		var old Property // the property ParseInto's Packet held at this place, to share its strings
		if n := len(*dst); n < cap(*dst) {
			old = (*dst)[:n+1][n]
		}
		p := Property{ID: id}
		if !d.propValue(&p, typ, &old) {
			d.off = d.end
			break
		}
		*dst = append(*dst, p)
		d.checkProperty(c, &p, off, &seen)
	}
	d.end, d.region = outerEnd, outerRegion
	return n, true, ok
}

// propValue reads the value of p, of type typ. It reuses the strings of old when they are
// equal.
func (d *decoder) propValue(p *Property, typ DataType, old *Property) bool {
	what := p.ID.String()
	switch typ {
	case DataByte:
		c, ok := d.byte1(what, "2.2.2.2")
		p.Uint = uint32(c)
		return ok
	case DataTwoByteInt:
		v, ok := d.uint16(what, "2.2.2.2")
		p.Uint = uint32(v)
		return ok
	case DataFourByteInt:
		if d.left() < 4 {
			d.malformed("2.2.2.2", d.off, "%s runs past the end of the properties", what)
			return false
		}
		p.Uint = binary.BigEndian.Uint32(d.b[d.off:])
		d.off += 4
		return true
	case DataVarInt:
		start := d.off
		v, size, ok := varInt(d.b[d.off:d.end])
		if !ok {
			if size > maxVarIntLen {
				d.malformed("1.5.5", start+maxVarIntLen-1, "%s longer than 4 bytes", what)
			} else {
				d.malformed("2.2.2.2", start, "%s runs past the end of the properties", what)
			}
			return false
		}
		if size > varIntLen(v) {
			d.malformed("[MQTT-1.5.5-1]", start, "%s %d not minimally encoded", what, v)
		}
		p.Uint = v
		d.off += size
		return true
	case DataUTF8:
		raw, ok := d.str(what, "2.2.2.2")
		p.Str = intern(raw, old.Str)
		return ok
	case DataBinary:
		raw, _, ok := d.lenPrefixed(what, "2.2.2.2")
		p.Bytes = raw
		return ok
	case DataStringPair:
		k, ok := d.str("User Property name", "2.2.2.2")
		if !ok {
			return false
		}
		v, ok := d.str("User Property value", "2.2.2.2")
		p.Key, p.Value = intern(k, old.Key), intern(v, old.Value)
		return ok
	}
	return false
}

// checkProperty checks that p, found at offset off, may appear in context c, at most once
// unless allowed, and that its value is in range.
func (d *decoder) checkProperty(c propCtx, p *Property, off int, seen *uint64) {
	i := propIndex(c, p.ID)
	if i < 0 {
		d.protocol("2.2.2.2", off, "%v not allowed in %v", p.ID, c)
		return
	}
	sec := func() string { return propSection(c, i) }
	bit := uint64(1) << p.ID // every known identifier is below 64
	repeatable := p.ID == PropUserProperty || (p.ID == PropSubscriptionIdentifier && c == propCtx(Publish))
	if *seen&bit != 0 && !repeatable {
		d.protocol(sec(), off, "%v more than once in %v", p.ID, c)
	}
	*seen |= bit
	switch p.ID {
	case PropRequestProblemInformation, PropRequestResponseInformation, PropMaximumQoS, PropRetainAvailable, PropWildcardSubscriptionAvailable,
		PropSubscriptionIdentifierAvailable, PropSharedSubscriptionAvailable:
		if p.Uint > 1 {
			d.protocol(sec(), off+1, "%v %d, want 0 or 1", p.ID, p.Uint)
		}
	case PropReceiveMaximum, PropMaximumPacketSize:
		if p.Uint == 0 {
			d.protocol(sec(), off+1, "%v 0", p.ID)
		}
	case PropTopicAlias:
		if p.Uint == 0 {
			d.protocol("[MQTT-3.3.2-8]", off+1, "Topic Alias 0")
		}
	case PropSubscriptionIdentifier:
		if p.Uint == 0 {
			d.protocol(sec(), off+1, "Subscription Identifier 0")
		}
	case PropResponseTopic:
		if j := strings.IndexAny(p.Str, "+#"); j >= 0 {
			clause := "[MQTT-3.3.2-14]"
			if c != propCtx(Publish) {
				clause = sec()
			}
			d.protocol(clause, off+3+j, "wildcard %q in Response Topic", p.Str[j])
		}
	}
}
