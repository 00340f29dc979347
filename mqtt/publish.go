package mqtt

// publish dissects a PUBLISH (section 3.3).
func (d *decoder) publish() {
	p := d.p
	topicOff := d.off
	topic, n, ok := d.lenPrefixed("topic name", "3.3.2")
	p.TopicLen = n
	if n < 0 {
		p.TopicLen = 0
	}
	if !ok {
		return
	}
	p.Topic = intern(topic, d.prevTopic)
	d.checkUTF8(topic, topicOff+2, "topic name")
	d.checkTopicName(topic, topicOff+2, "[MQTT-3.3.2-2]")
	if p.Flags&0x6 != 0 && !d.packetID("3.3.2", true) {
		return
	}
	if d.v == V5 {
		if !d.props() {
			return
		}
		if _, alias := p.Properties.Get(PropTopicAlias); len(topic) == 0 && !alias {
			d.protocol("3.3.2.3.4", topicOff, "empty topic name without Topic Alias")
		}
	} else if len(topic) == 0 {
		d.protocol("[MQTT-4.7.3-1]", topicOff, "empty topic name")
	}
	d.varEnd = d.off
}

// pubAck dissects a PUBACK, PUBREC, PUBREL or PUBCOMP (sections 3.4 to 3.7).
func (d *decoder) pubAck() {
	sec := d.p.Type.section() + ".2"
	if !d.packetID(sec, false) {
		return
	}
	if d.v == V5 && d.off < d.end && !d.reasonCode(sec) {
		return
	}
	d.trailing()
}

// disconnectOrAuth dissects a DISCONNECT or, in 5.0, an AUTH (sections 3.14 and 3.15).
func (d *decoder) disconnectOrAuth() {
	if d.v == V5 && d.off < d.end && !d.reasonCode(d.p.Type.section()+".2") {
		return
	}
	if d.v == V5 || d.p.Type != Auth {
		d.trailing()
	}
}

// reasonCode reads the reason code of a 5.0 acknowledgement, DISCONNECT or AUTH, then its
// properties if bytes remain, and reports whether the packet can still be read.
func (d *decoder) reasonCode(section string) bool {
	off := d.off
	code, _ := d.byte1("reason code", section)
	d.p.ReasonCode, d.p.HasReasonCode = code, true
	d.checkReason(d.p.Type, code, off)
	return d.off >= d.end || d.props()
}
