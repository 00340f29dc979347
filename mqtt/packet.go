package mqtt

// parse dissects the variable header and payload of d.p, then checks the fixed header.
func (d *decoder) parse() {
	switch d.p.Type {
	case Connect:
		d.connect()
	case Connack:
		d.connack()
	case Publish:
		d.publish()
	case Puback, Pubrec, Pubrel, Pubcomp:
		d.pubAck()
	case Subscribe:
		d.subscribe()
	case Suback:
		d.suback()
	case Unsubscribe:
		d.unsubscribe()
	case Unsuback:
		d.unsuback()
	case Pingreq, Pingresp:
		d.trailing()
	case Disconnect, Auth:
		d.disconnectOrAuth()
	}
	d.checkFixedHeader()
}

// checkFixedHeader checks the packet type and flags (section 2.2.1 and [MQTT-2.2.2-1] in
// 3.1.1; 2.1.2 and [MQTT-2.1.3-1] in 5.0) and, in 5.0, the encoding of the Remaining Length
// ([MQTT-1.5.5-1]).
func (d *decoder) checkFixedHeader() {
	p := d.p
	switch t := p.Type; t {
	case Reserved0:
		d.malformed(d.cl("2.2.1", "2.1.2"), 0, "reserved packet type 0")
	case Auth:
		if d.v != V5 {
			d.malformed("2.2.1", 0, "AUTH (packet type 15) is reserved in MQTT %v", d.v)
		} else if p.Flags != 0 {
			d.badFlags(0)
		}
	case Publish:
		p.Dup, p.QoS, p.Retain = p.Flags&0x8 != 0, p.Flags>>1&3, p.Flags&1 != 0
		if p.QoS == 3 {
			d.malformed("[MQTT-3.3.1-4]", 0, "PUBLISH with QoS 3")
		} else if p.Dup && p.QoS == 0 {
			d.protocol("[MQTT-3.3.1-2]", 0, "DUP flag set on a QoS 0 PUBLISH")
		}
	case Pubrel, Subscribe, Unsubscribe:
		f := p.Flags
		if d.v == V31 {
			// MQTT 3.1 gives PUBREL, SUBSCRIBE and UNSUBSCRIBE a QoS of 1 and sets DUP on
			// retransmissions.
			p.Dup, p.QoS = f&0x8 != 0, f>>1&3
			f &^= 0x8
		}
		if f != 0x2 {
			d.badFlags(0x2)
		}
	default:
		if p.Flags != 0 {
			d.badFlags(0)
		}
	}
	if d.v == V5 && p.Len-1 > varIntLen(uint32(p.RemainingLength)) {
		d.malformed("[MQTT-1.5.5-1]", 1, "remaining length %d not minimally encoded", p.RemainingLength)
	}
}

func (d *decoder) badFlags(want byte) {
	d.malformed(d.cl("[MQTT-2.2.2-1]", "[MQTT-2.1.3-1]"), 0, "%v flags 0x%x, want 0x%x",
		d.p.Type, d.p.Flags, want)
}

// props reads the property block of the variable header of a 5.0 packet into p.Properties
// and reports whether the rest of the packet can be read.
func (d *decoder) props() bool {
	n, present, ok := d.properties(propCtx(d.p.Type), &d.p.Properties)
	d.p.PropertiesLen, d.p.HasProperties = n, present
	return ok
}
