package mqtt

// reasonSet is a set of byte values.
type reasonSet [4]uint64

func (s *reasonSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }

func setOf(codes ...byte) (s reasonSet) {
	for _, c := range codes {
		s[c>>6] |= 1 << (c & 63)
	}
	return s
}

// reasonCodes holds, per packet type, the MQTT 5.0 Reason Codes it may carry (Table 2-6 and
// the table of each packet's Reason Code section). DISCONNECT accepts 0x8C (Bad
// authentication method) as Table 2-6 lists it, although Table 3-10 omits it.
var reasonCodes = [16]reasonSet{
	Connack: setOf(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A,
		0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F),
	Puback:  setOf(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99),
	Pubrec:  setOf(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99),
	Pubrel:  setOf(0x00, 0x92),
	Pubcomp: setOf(0x00, 0x92),
	Suback: setOf(0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1,
		0xA2),
	Unsuback: setOf(0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91),
	Disconnect: setOf(0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D,
		0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D,
		0x9E, 0x9F, 0xA0, 0xA1, 0xA2),
	Auth: setOf(0x00, 0x18, 0x19),
}

// reasonClauses cites, per packet type, the MQTT 5.0 statement that requires one of its
// Reason Codes.
var reasonClauses = [16]string{
	Connack:    "[MQTT-3.2.2-8]",
	Puback:     "[MQTT-3.4.2-1]",
	Pubrec:     "[MQTT-3.5.2-1]",
	Pubrel:     "[MQTT-3.6.2-1]",
	Pubcomp:    "[MQTT-3.7.2-1]",
	Suback:     "[MQTT-3.9.3-2]",
	Unsuback:   "[MQTT-3.11.3-2]",
	Disconnect: "[MQTT-3.14.2-1]",
	Auth:       "[MQTT-3.15.2-1]",
}

// suback311 holds the SUBACK return codes of MQTT 3.1.1 ([MQTT-3.9.3-2]).
var suback311 = setOf(0x00, 0x01, 0x02, 0x80)

// checkReason validates the reason code at offset off of a packet of type t.
func (d *decoder) checkReason(t Type, code byte, off int) {
	if d.v != V5 {
		switch t {
		case Connack:
			if code > 5 {
				d.protocol("3.2.2.3", off, "reserved CONNACK return code %d", code)
			}
		case Suback:
			if !suback311.has(code) {
				d.protocol("[MQTT-3.9.3-2]", off, "reserved SUBACK return code 0x%02x", code)
			}
		}
		return
	}
	if !reasonCodes[t].has(code) {
		d.protocol(reasonClauses[t], off, "invalid %v reason code 0x%02x", t, code)
	}
}
