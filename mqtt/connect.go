package mqtt

// connect dissects a CONNECT (section 3.1) and sets d.v from its protocol level.
func (d *decoder) connect() {
	p := d.p
	nameOff := d.off
	name, nameOK := d.str("protocol name", "3.1.2")
	p.ProtocolName = string(name)
	level, ok := d.byte1("protocol level", "3.1.2")
	if !ok {
		d.v = V311
		return
	}
	p.ProtocolLevel = level
	want := "MQTT"
	switch d.v = Version(level); d.v {
	case V31:
		want = "MQIsdp"
	case V311, V5:
	default:
		d.v = V311
		d.fail(ErrUnsupported, "[MQTT-3.1.2-2]", d.off-1, "unsupported protocol level %d", level)
		if p.ProtocolName == "MQIsdp" {
			want = "MQIsdp"
		}
	}
	if nameOK && p.ProtocolName != want {
		d.protocol("[MQTT-3.1.2-1]", nameOff, "protocol name %q, want %q for protocol level %d",
			p.ProtocolName, want, level)
	}
	flagsOff := d.off
	flags, ok := d.byte1("connect flags", "3.1.2")
	if !ok {
		return
	}
	p.ConnectFlags = flags
	d.checkConnectFlags(flags, flagsOff)
	if p.KeepAlive, ok = d.uint16("keep alive", "3.1.2"); !ok {
		return
	}
	if d.v == V5 && !d.props() {
		return
	}
	d.varEnd = d.off
	d.connectPayload(flags)
}

// checkConnectFlags checks the Connect Flags byte found at offset off (section 3.1.2.3).
func (d *decoder) checkConnectFlags(f byte, off int) {
	will, willQoS, willRetain := f&0x04 != 0, f>>3&3, f&0x20 != 0
	if f&0x01 != 0 {
		d.malformed("[MQTT-3.1.2-3]", off, "reserved connect flag set")
	}
	switch {
	case !will && willQoS != 0:
		d.malformed(d.cl("[MQTT-3.1.2-13]", "[MQTT-3.1.2-11]"), off, "Will QoS %d without Will Flag", willQoS)
	case !will && willRetain:
		d.malformed(d.cl("[MQTT-3.1.2-15]", "[MQTT-3.1.2-13]"), off, "Will Retain without Will Flag")
	case will && willQoS == 3:
		d.malformed(d.cl("[MQTT-3.1.2-14]", "[MQTT-3.1.2-12]"), off, "Will QoS 3")
	}
	if d.v != V5 && f&0x40 != 0 && f&0x80 == 0 {
		d.malformed("[MQTT-3.1.2-22]", off, "Password Flag without User Name Flag")
	}
}

// connectPayload dissects the payload of a CONNECT (section 3.1.3).
func (d *decoder) connectPayload(flags byte) {
	p := d.p
	idOff := d.off
	id, ok := d.str("client identifier", "3.1.3")
	if !ok {
		return
	}
	p.ClientID = string(id)
	if d.v == V311 && len(id) == 0 && flags&0x02 == 0 {
		d.protocol("[MQTT-3.1.3-7]", idOff, "empty client identifier without Clean Session")
	}
	if flags&0x04 != 0 && !d.connectWill() {
		return
	}
	if flags&0x80 != 0 {
		if d.off >= d.end {
			d.malformed(d.cl("[MQTT-3.1.2-19]", "[MQTT-3.1.2-17]"), d.off, "User Name Flag set but no user name")
			return
		}
		name, ok := d.str("user name", "3.1.3")
		if !ok {
			return
		}
		p.Username, p.HasUsername = string(name), true
	}
	if flags&0x40 != 0 {
		if d.off >= d.end {
			d.malformed(d.cl("[MQTT-3.1.2-21]", "[MQTT-3.1.2-19]"), d.off, "Password Flag set but no password")
			return
		}
		pw, _, ok := d.lenPrefixed("password", "3.1.3")
		if !ok {
			return
		}
		p.Password, p.HasPassword = pw, true
	}
	if d.off < d.end {
		switch {
		case flags&0xc0 == 0:
			d.malformed(d.cl("[MQTT-3.1.2-18]", "[MQTT-3.1.2-16]"), d.off,
				"%d bytes after the payload where User Name Flag is 0", d.left())
		case flags&0x40 == 0:
			d.malformed(d.cl("[MQTT-3.1.2-20]", "[MQTT-3.1.2-18]"), d.off,
				"%d bytes after the payload where Password Flag is 0", d.left())
		default:
			d.trailing()
		}
	}
}

// connectWill dissects the will fields of a CONNECT payload and reports whether the rest
// of the payload can be read.
func (d *decoder) connectWill() bool {
	p := d.p
	if d.off >= d.end {
		d.malformed("[MQTT-3.1.2-9]", d.off, "Will Flag set but no will topic")
		return false
	}
	if d.v == V5 {
		n, _, ok := d.properties(willCtx, &p.WillProperties)
		if p.WillPropertiesLen = n; !ok {
			return false
		}
	}
	topicOff := d.off
	topic, ok := d.str("will topic", "3.1.3")
	if !ok {
		return false
	}
	p.WillTopic = string(topic)
	if len(topic) == 0 {
		d.protocol("[MQTT-4.7.3-1]", topicOff, "empty will topic")
	}
	d.checkTopicName(topic, topicOff+2, d.cl("[MQTT-4.7.1-1]", "[MQTT-4.7.0-1]"))
	msg, _, ok := d.lenPrefixed("will message", "3.1.3")
	p.WillPayload, p.HasWill = msg, ok
	return ok
}

// connack dissects a CONNACK (section 3.2).
func (d *decoder) connack() {
	p := d.p
	off := d.off
	flags, ok := d.byte1("acknowledge flags", "3.2.2")
	if !ok {
		return
	}
	p.AckFlags = flags
	if flags&0xfe != 0 {
		d.malformed(d.cl("3.2.2.1", "[MQTT-3.2.2-1]"), off, "reserved acknowledge flags 0x%02x", flags&0xfe)
	}
	code, ok := d.byte1("return code", "3.2.2")
	if !ok {
		return
	}
	p.ReasonCode, p.HasReasonCode = code, true
	d.checkReason(Connack, code, off+1)
	if code != 0 && flags&1 != 0 {
		d.protocol(d.cl("[MQTT-3.2.2-4]", "[MQTT-3.2.2-6]"), off, "Session Present with return code 0x%02x", code)
	}
	if d.v == V5 && !d.props() {
		return
	}
	d.trailing()
}
