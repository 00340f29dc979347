package mqtt

// subscribe dissects a SUBSCRIBE (section 3.8).
func (d *decoder) subscribe() {
	p := d.p
	if !d.packetID("3.8.2", true) || d.v == V5 && !d.props() {
		return
	}
	d.varEnd = d.off
	for d.off < d.end {
		off := d.off
		f, ok := d.str("topic filter", "3.8.3")
		if !ok {
			return
		}
		shared := d.checkTopicFilter(f, off+2)
		o, ok := d.byte1("subscription options", "3.8.3")
		if !ok {
			return
		}
		old := ""
		if n := len(p.Subscriptions); n < cap(p.Subscriptions) {
			old = p.Subscriptions[:n+1][n].Topic
		}
		p.Subscriptions = append(p.Subscriptions, Subscription{Topic: intern(f, old), Options: o})
		d.checkOptions(o, d.off-1, shared)
	}
	if len(p.Subscriptions) == 0 {
		d.protocol(d.cl("[MQTT-3.8.3-3]", "[MQTT-3.8.3-2]"), d.off, "SUBSCRIBE without topic filters")
	}
}

// checkOptions checks the Requested QoS (3.x) or Subscription Options (5.0) byte at off.
func (d *decoder) checkOptions(o byte, off int, shared bool) {
	if d.v != V5 {
		if o > 2 {
			// The 3.1.1 specification spells this statement "MQTT-3-8.3-4".
			d.malformed("[MQTT-3-8.3-4]", off, "requested QoS byte 0x%02x", o)
		}
		return
	}
	switch {
	case o&0xc0 != 0:
		d.malformed("[MQTT-3.8.3-5]", off, "reserved subscription option bits 0x%02x", o&0xc0)
	case o&3 == 3:
		d.protocol("3.8.3.1", off, "subscription Maximum QoS 3")
	case o>>4&3 == 3:
		d.protocol("3.8.3.1", off, "subscription Retain Handling 3")
	case shared && o&0x04 != 0:
		d.protocol("[MQTT-3.8.3-4]", off, "No Local on a shared subscription")
	}
}

// suback dissects a SUBACK (section 3.9).
func (d *decoder) suback() {
	if !d.packetID("3.9.2", false) || d.v == V5 && !d.props() {
		return
	}
	d.codes()
}

// codes reads the list of return or reason codes that makes the payload of a SUBACK or a
// 5.0 UNSUBACK.
func (d *decoder) codes() {
	d.varEnd = d.off
	d.p.ReasonCodes = d.b[d.off:d.end]
	for i, c := range d.p.ReasonCodes {
		d.checkReason(d.p.Type, c, d.off+i)
	}
	if d.off == d.end {
		d.protocol(d.p.Type.section()+".3", d.off, "%v without reason codes", d.p.Type)
	}
	d.off = d.end
}

// unsubscribe dissects an UNSUBSCRIBE (section 3.10).
func (d *decoder) unsubscribe() {
	p := d.p
	if !d.packetID("3.10.2", true) || d.v == V5 && !d.props() {
		return
	}
	d.varEnd = d.off
	for d.off < d.end {
		off := d.off
		f, ok := d.str("topic filter", "3.10.3")
		if !ok {
			return
		}
		d.checkTopicFilter(f, off+2)
		old := ""
		if n := len(p.Topics); n < cap(p.Topics) {
			old = p.Topics[:n+1][n]
		}
		p.Topics = append(p.Topics, intern(f, old))
	}
	if len(p.Topics) == 0 {
		d.protocol("[MQTT-3.10.3-2]", d.off, "UNSUBSCRIBE without topic filters")
	}
}

// unsuback dissects an UNSUBACK (section 3.11).
func (d *decoder) unsuback() {
	if !d.packetID("3.11.2", false) {
		return
	}
	if d.v != V5 {
		d.trailing()
		return
	}
	if d.props() {
		d.codes()
	}
}
