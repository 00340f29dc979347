package mqtttest

import "github.com/mqzip/mqzip/mqtt"

// Malformed returns the vectors that break the specification, each with the clause mqtt.Parse
// must cite and the sentinel its error must wrap.
func Malformed() []Vector {
	var vs []Vector
	vs = append(vs, badFraming()...)
	vs = append(vs, badConnect()...)
	vs = append(vs, badFields()...)
	vs = append(vs, badProperties()...)
	vs = append(vs, badCodes()...)
	vs = append(vs, badFilters()...)
	return vs
}

const (
	v31, v311, v5 = mqtt.V31, mqtt.V311, mqtt.V5
)

var (
	errM = mqtt.ErrMalformed
	errP = mqtt.ErrProtocol
)

// c311 builds a 3.1.1 CONNECT with the given flags and payload.
func c311(flags byte, payload ...[]byte) []byte {
	return pkt(0x10, str("MQTT"), []byte{4, flags}, u16(60), cat(payload...))
}

// c5 builds a 5.0 CONNECT with the given flags, property block and payload.
func c5(flags byte, properties []byte, payload ...[]byte) []byte {
	return pkt(0x10, str("MQTT"), []byte{5, flags}, u16(60), properties, cat(payload...))
}

func badFraming() []Vector {
	return []Vector{
		bad("3.1.1/remaining length 5 bytes", v311, "2.2.3", errM, []byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x01}),
		bad("5.0/remaining length 5 bytes", v5, "1.5.5", errM, []byte{0x30, 0x80, 0x80, 0x80, 0x80, 0x01}),
		bad("5.0/remaining length not minimal", v5, "[MQTT-1.5.5-1]", errM, []byte{0xc0, 0x80, 0x00}),
		bad("3.1.1/reserved type 0", v311, "2.2.1", errM, []byte{0x00, 0x00}),
		withSource(bad("5.0/reserved type 0", v5, "2.1.2", errM,
			hx("00180006746f70696358626161626161626c61636b7368656570")),
			"suricata-verify/mqtt-events-unassigned-msgtype_input.pcap frame 8"),
		bad("3.1.1/AUTH", v311, "2.2.1", errM, []byte{0xf0, 0x00}),
		bad("3.1/AUTH", v31, "2.2.1", errM, []byte{0xf0, 0x01, 0x00}),
		bad("3.1.1/PUBREL flags 0", v311, "[MQTT-2.2.2-1]", errM, hx("60020001")),
		bad("3.1.1/PUBREL dup", v311, "[MQTT-2.2.2-1]", errM, hx("6a020001")),
		bad("3.1/PUBREL retain", v31, "[MQTT-2.2.2-1]", errM, hx("63020001")),
		bad("3.1.1/SUBSCRIBE flags 0", v311, "[MQTT-2.2.2-1]", errM, pkt(0x80, u16(1), str("a"), []byte{0})),
		bad("3.1.1/UNSUBSCRIBE flags 3", v311, "[MQTT-2.2.2-1]", errM, pkt(0xa3, u16(1), str("a"))),
		bad("3.1.1/CONNECT flags", v311, "[MQTT-2.2.2-1]", errM,
			pkt(0x11, str("MQTT"), []byte{4, 2}, u16(60), str("c"))),
		bad("3.1.1/PINGREQ flags", v311, "[MQTT-2.2.2-1]", errM, []byte{0xc1, 0x00}),
		bad("5.0/PUBACK flags", v5, "[MQTT-2.1.3-1]", errM, hx("41020001")),
		bad("5.0/DISCONNECT flags", v5, "[MQTT-2.1.3-1]", errM, []byte{0xe2, 0x00}),
		bad("5.0/AUTH flags", v5, "[MQTT-2.1.3-1]", errM, []byte{0xf1, 0x00}),
		withSource(bad("3.1.1/PUBLISH qos3", v311, "[MQTT-3.3.1-4]", errM,
			hx("361a0006746f706963580001626161626161626c61636b7368656570")),
			"suricata-verify/mqtt-events-invalid-qos_input.pcap frame 8"),
		bad("5.0/PUBLISH qos3", v5, "[MQTT-3.3.1-4]", errM, pkt(0x36, str("t"), u16(1), props())),
		bad("3.1.1/PUBLISH dup qos0", v311, "[MQTT-3.3.1-2]", errP, pkt(0x38, str("t"), []byte("x"))),
		bad("5.0/PUBLISH dup qos0", v5, "[MQTT-3.3.1-2]", errP, pkt(0x38, str("t"), props(), []byte("x"))),
		bad("3.1.1/PINGREQ trailing", v311, "3.12.1", errM, []byte{0xc0, 0x01, 0x00}),
		bad("3.1.1/PINGRESP trailing", v311, "3.13.1", errM, []byte{0xd0, 0x01, 0x00}),
		bad("3.1.1/PUBACK trailing", v311, "3.4.1", errM, hx("4003000100")),
		bad("3.1.1/PUBCOMP trailing", v311, "3.7.1", errM, hx("700400010000")),
		bad("3.1.1/CONNACK trailing", v311, "3.2.1", errM, hx("2003000000")),
		bad("3.1.1/DISCONNECT trailing", v311, "3.14.1", errM, []byte{0xe0, 0x01, 0x00}),
		bad("3.1.1/UNSUBACK trailing", v311, "3.11.1", errM, hx("b003000100")),
		bad("5.0/PUBACK trailing", v5, "3.4.1", errM, pkt(0x40, u16(1), []byte{0}, props(), []byte{0})),
		bad("5.0/CONNACK trailing", v5, "3.2.1", errM, pkt(0x20, []byte{0, 0}, props(), []byte{0})),
		bad("5.0/DISCONNECT trailing", v5, "3.14.1", errM, pkt(0xe0, []byte{0}, props(), []byte{0})),
		bad("3.1.1/bytes after the packet", v311, "2.2.3", errM, []byte{0xc0, 0x00, 0xc0, 0x00}),
		bad("5.0/bytes after the packet", v5, "2.1.4", errM, []byte{0xe0, 0x00, 0x00}),
		bad("3.1.1/truncated PUBLISH", v311, "", mqtt.ErrIncomplete, []byte{0x30, 0x05, 0x00, 0x01}),
		bad("3.1.1/truncated fixed header", v311, "", mqtt.ErrIncomplete, []byte{0x30, 0x80}),
		bad("unknown version", mqtt.Version(7), "", mqtt.ErrUnsupported, []byte{0xc0, 0x00}),
	}
}

func badConnect() []Vector {
	will := cat(str("c"), str("w"), str("m"))
	return []Vector{
		bad("3.1.1/CONNECT protocol name", v311, "[MQTT-3.1.2-1]", errP,
			pkt(0x10, str("MQTX"), []byte{4, 2}, u16(60), str("c"))),
		bad("3.1.1/CONNECT MQIsdp level 4", v311, "[MQTT-3.1.2-1]", errP,
			pkt(0x10, str("MQIsdp"), []byte{4, 2}, u16(60), str("c"))),
		bad("3.1/CONNECT MQTT level 3", v31, "[MQTT-3.1.2-1]", errP,
			pkt(0x10, str("MQTT"), []byte{3, 2}, u16(60), str("c"))),
		bad("3.1.1/CONNECT level 6", v311, "[MQTT-3.1.2-2]", mqtt.ErrUnsupported,
			pkt(0x10, str("MQTT"), []byte{6, 2}, u16(60), str("c"))),
		bad("3.1.1/CONNECT reserved flag", v311, "[MQTT-3.1.2-3]", errM, c311(0x03, str("c"))),
		bad("5.0/CONNECT reserved flag", v5, "[MQTT-3.1.2-3]", errM, c5(0x03, props(), str("c"))),
		bad("3.1.1/CONNECT will qos without will", v311, "[MQTT-3.1.2-13]", errM, c311(0x0a, str("c"))),
		bad("5.0/CONNECT will qos without will", v5, "[MQTT-3.1.2-11]", errM, c5(0x12, props(), str("c"))),
		bad("3.1.1/CONNECT will retain without will", v311, "[MQTT-3.1.2-15]", errM, c311(0x22, str("c"))),
		bad("5.0/CONNECT will retain without will", v5, "[MQTT-3.1.2-13]", errM, c5(0x20, props(), str("c"))),
		bad("3.1.1/CONNECT will qos 3", v311, "[MQTT-3.1.2-14]", errM, c311(0x1e, will)),
		bad("5.0/CONNECT will qos 3", v5, "[MQTT-3.1.2-12]", errM, c5(0x1c, props(), str("c"), props(), str("w"), str("m"))),
		bad("3.1.1/CONNECT password without user name", v311, "[MQTT-3.1.2-22]", errM,
			c311(0x42, str("c"), str("pw"))),
		bad("3.1/CONNECT password without user name", v31, "[MQTT-3.1.2-22]", errM,
			pkt(0x10, str("MQIsdp"), []byte{3, 0x42}, u16(60), str("c"), str("pw"))),
		bad("3.1.1/CONNECT will missing", v311, "[MQTT-3.1.2-9]", errM, c311(0x06, str("c"))),
		bad("5.0/CONNECT will missing", v5, "[MQTT-3.1.2-9]", errM, c5(0x06, props(), str("c"))),
		bad("3.1.1/CONNECT user name missing", v311, "[MQTT-3.1.2-19]", errM, c311(0x82, str("c"))),
		bad("5.0/CONNECT user name missing", v5, "[MQTT-3.1.2-17]", errM, c5(0x82, props(), str("c"))),
		bad("3.1.1/CONNECT password missing", v311, "[MQTT-3.1.2-21]", errM, c311(0xc2, str("c"), str("u"))),
		bad("5.0/CONNECT password missing", v5, "[MQTT-3.1.2-19]", errM, c5(0x42, props(), str("c"))),
		bad("3.1.1/CONNECT user name not flagged", v311, "[MQTT-3.1.2-18]", errM, c311(0x02, str("c"), str("u"))),
		bad("5.0/CONNECT user name not flagged", v5, "[MQTT-3.1.2-16]", errM, c5(0x02, props(), str("c"), str("u"))),
		bad("3.1.1/CONNECT password not flagged", v311, "[MQTT-3.1.2-20]", errM,
			c311(0x82, str("c"), str("u"), str("p"))),
		bad("5.0/CONNECT password not flagged", v5, "[MQTT-3.1.2-18]", errM,
			c5(0x82, props(), str("c"), str("u"), str("p"))),
		bad("3.1.1/CONNECT bytes after password", v311, "3.1.1", errM,
			c311(0xc2, str("c"), str("u"), str("p"), []byte{0})),
		bad("3.1.1/CONNECT empty client id without clean session", v311, "[MQTT-3.1.3-7]", errP, c311(0x00, str(""))),
		bad("3.1.1/CONNECT client id past end", v311, "3.1.3", errM, c311(0x02, u16(10), []byte("abc"))),
		bad("3.1.1/CONNECT password past end", v311, "3.1.3", errM, c311(0xc2, str("c"), str("u"), u16(5), []byte("p"))),
		bad("3.1.1/CONNECT truncated variable header", v311, "3.1.2", errM, pkt(0x10, str("MQTT"), []byte{4})),
		bad("3.1.1/CONNECT empty will topic", v311, "[MQTT-4.7.3-1]", errP, c311(0x06, str("c"), str(""), str("m"))),
		bad("3.1.1/CONNECT will topic wildcard", v311, "[MQTT-4.7.1-1]", errP, c311(0x06, str("c"), str("a/#"), str("m"))),
		bad("5.0/CONNECT will topic wildcard", v5, "[MQTT-4.7.0-1]", errP,
			c5(0x06, props(), str("c"), props(), str("a/+"), str("m"))),
		bad("3.1.1/CONNECT client id invalid utf8", v311, "[MQTT-1.5.3-1]", errM, c311(0x02, str("c\xfe"))),
		bad("5.0/CONNECT user name U+0000", v5, "[MQTT-1.5.4-2]", errM, c5(0x82, props(), str("c"), str("u\x00"))),
	}
}

func badFields() []Vector {
	return []Vector{
		bad("3.1.1/PUBLISH packet id 0", v311, "[MQTT-2.3.1-1]", errP, pkt(0x32, str("t"), u16(0), []byte("x"))),
		bad("5.0/PUBLISH packet id 0", v5, "[MQTT-2.2.1-3]", errP, pkt(0x34, str("t"), u16(0), props())),
		bad("3.1.1/SUBSCRIBE packet id 0", v311, "[MQTT-2.3.1-1]", errP, pkt(0x82, u16(0), str("a"), []byte{0})),
		bad("5.0/SUBSCRIBE packet id 0", v5, "[MQTT-2.2.1-3]", errP, pkt(0x82, u16(0), props(), str("a"), []byte{0})),
		bad("3.1.1/UNSUBSCRIBE packet id 0", v311, "[MQTT-2.3.1-1]", errP, pkt(0xa2, u16(0), str("a"))),
		bad("3.1.1/PUBLISH wildcard +", v311, "[MQTT-3.3.2-2]", errP, pkt(0x30, str("a/+/c"), []byte("x"))),
		bad("5.0/PUBLISH wildcard #", v5, "[MQTT-3.3.2-2]", errP, pkt(0x30, str("a/#"), props(), []byte("x"))),
		bad("3.1.1/PUBLISH empty topic", v311, "[MQTT-4.7.3-1]", errP, pkt(0x30, str(""), []byte("x"))),
		bad("5.0/PUBLISH empty topic without alias", v5, "3.3.2.3.4", errP, pkt(0x30, str(""), props(), []byte("x"))),
		bad("3.1.1/PUBLISH topic invalid utf8", v311, "[MQTT-1.5.3-1]", errM, pkt(0x30, str("a\xff"), []byte("x"))),
		bad("5.0/PUBLISH topic invalid utf8", v5, "[MQTT-1.5.4-1]", errM, pkt(0x30, str("a\xff"), props())),
		bad("3.1.1/PUBLISH topic U+0000", v311, "[MQTT-1.5.3-2]", errM, pkt(0x30, str("a\x00b"), []byte("x"))),
		bad("5.0/PUBLISH topic U+0000", v5, "[MQTT-1.5.4-2]", errM, pkt(0x30, str("a\x00b"), props())),
		bad("3.1.1/PUBLISH topic surrogate", v311, "[MQTT-1.5.3-1]", errM, pkt(0x30, str("\xed\xa0\x80"), []byte("x"))),
		bad("3.1.1/PUBLISH topic overlong", v311, "[MQTT-1.5.3-1]", errM, pkt(0x30, str("\xc0\xaf"), []byte("x"))),
		bad("3.1.1/PUBLISH topic past end", v311, "3.3.2", errM, pkt(0x30, u16(100), []byte("abc"))),
		bad("3.1.1/PUBLISH packet id past end", v311, "3.3.2", errM, pkt(0x32, str("t"), []byte{0})),
		bad("3.1.1/PUBACK short", v311, "3.4.2", errM, []byte{0x40, 0x01, 0x00}),
		bad("3.1.1/CONNACK short", v311, "3.2.2", errM, []byte{0x20, 0x01, 0x00}),
		bad("3.1.1/SUBACK short", v311, "3.9.2", errM, []byte{0x90, 0x01, 0x00}),
		bad("3.1.1/SUBSCRIBE empty", v311, "[MQTT-3.8.3-3]", errP, pkt(0x82, u16(1))),
		bad("5.0/SUBSCRIBE empty", v5, "[MQTT-3.8.3-2]", errP, pkt(0x82, u16(1), props())),
		bad("3.1.1/UNSUBSCRIBE empty", v311, "[MQTT-3.10.3-2]", errP, pkt(0xa2, u16(1))),
		bad("5.0/UNSUBSCRIBE empty", v5, "[MQTT-3.10.3-2]", errP, pkt(0xa2, u16(1), props())),
		bad("3.1.1/SUBSCRIBE options missing", v311, "3.8.3", errM, pkt(0x82, u16(1), str("a"))),
		bad("3.1.1/SUBSCRIBE filter past end", v311, "3.8.3", errM, pkt(0x82, u16(1), u16(9), []byte("a"))),
		bad("3.1.1/SUBSCRIBE filter invalid utf8", v311, "[MQTT-1.5.3-1]", errM, pkt(0x82, u16(1), str("\x80"), []byte{0})),
		bad("3.1.1/UNSUBSCRIBE filter past end", v311, "3.10.3", errM, pkt(0xa2, u16(1), []byte{0})),
	}
}

func badProperties() []Vector {
	pub := func(properties []byte) []byte { return pkt(0x30, str("t"), properties, []byte("x")) }
	return []Vector{
		withSource(bad("5.0/CONNECT property length past end", v5, "2.2.2.1", errM,
			hx("102f00044d51545405c2003cff21001400136d79766f69636569736d7970617373706f7274000475736572000470617373")),
			"suricata-verify/mqtt5-excessiveproplen_input.pcap frame 4"),
		bad("5.0/PUBLISH property length past end", v5, "2.2.2.1", errM, pkt(0x30, str("t"), []byte{5}, []byte("ab"))),
		bad("5.0/PUBLISH property length too long", v5, "1.5.5", errM,
			pkt(0x30, str("t"), []byte{0x80, 0x80, 0x80, 0x80, 0x01})),
		bad("5.0/PUBLISH property length not minimal", v5, "[MQTT-1.5.5-1]", errM, pkt(0x30, str("t"), []byte{0x80, 0x00}, []byte("x"))),
		bad("5.0/PUBLISH property length missing", v5, "[MQTT-2.2.2-1]", errM, pkt(0x30, str("t"))),
		bad("5.0/CONNACK property length missing", v5, "[MQTT-2.2.2-1]", errM, hx("20020000")),
		bad("5.0/PUBLISH unknown property", v5, "2.2.2.2", errM, pub(props([]byte{0x04, 1, 2}))),
		bad("5.0/PUBLISH property value past block", v5, "2.2.2.2", errM, pkt(0x30, str("t"), []byte{2, 0x02, 0x00}, []byte("abcd"))),
		bad("5.0/PUBLISH string property past block", v5, "2.2.2.2", errM, pub(props([]byte{0x03, 0x00, 0x05, 'a'}))),
		bad("5.0/PUBLISH subscription identifier too long", v5, "1.5.5", errM,
			pub(props(prop(mqtt.PropSubscriptionIdentifier, []byte{0x81, 0x81, 0x81, 0x81, 0x01})))),
		bad("5.0/PUBLISH subscription identifier not minimal", v5, "[MQTT-1.5.5-1]", errM,
			pub(props(prop(mqtt.PropSubscriptionIdentifier, []byte{0x81, 0x00})))),
		bad("5.0/PUBLISH property not allowed", v5, "2.2.2.2", errP,
			pub(props(prop(mqtt.PropSessionExpiryInterval, u32(1))))),
		bad("5.0/CONNECT property not allowed", v5, "2.2.2.2", errP,
			c5(0x02, props(prop(mqtt.PropTopicAlias, u16(1))), str("c"))),
		bad("5.0/CONNECT will property not allowed", v5, "2.2.2.2", errP,
			c5(0x06, props(), str("c"), props(prop(mqtt.PropSessionExpiryInterval, u32(1))), str("w"), str("m"))),
		bad("5.0/SUBACK property not allowed", v5, "2.2.2.2", errP,
			pkt(0x90, u16(1), props(prop(mqtt.PropServerReference, str("x"))), []byte{0})),
		bad("5.0/PUBLISH duplicate topic alias", v5, "3.3.2.3.4", errP,
			pub(props(prop(mqtt.PropTopicAlias, u16(1)), prop(mqtt.PropTopicAlias, u16(2))))),
		bad("5.0/PUBACK duplicate reason string", v5, "3.4.2.2.2", errP,
			pkt(0x40, u16(1), []byte{0}, props(prop(mqtt.PropReasonString, str("a")), prop(mqtt.PropReasonString, str("b"))))),
		bad("5.0/CONNECT duplicate session expiry", v5, "3.1.2.11.2", errP,
			c5(0x02, props(prop(mqtt.PropSessionExpiryInterval, u32(1)), prop(mqtt.PropSessionExpiryInterval, u32(1))), str("c"))),
		bad("5.0/SUBSCRIBE duplicate subscription identifier", v5, "3.8.2.1.2", errP,
			pkt(0x82, u16(1), props(prop(mqtt.PropSubscriptionIdentifier, vbi(1)), prop(mqtt.PropSubscriptionIdentifier, vbi(2))),
				str("a"), []byte{0})),
		bad("5.0/PUBLISH subscription identifier 0", v5, "3.3.2.3.8", errP,
			pub(props(prop(mqtt.PropSubscriptionIdentifier, vbi(0))))),
		bad("5.0/SUBSCRIBE subscription identifier 0", v5, "3.8.2.1.2", errP,
			pkt(0x82, u16(1), props(prop(mqtt.PropSubscriptionIdentifier, vbi(0))), str("a"), []byte{0})),
		bad("5.0/PUBLISH topic alias 0", v5, "[MQTT-3.3.2-8]", errP, pub(props(prop(mqtt.PropTopicAlias, u16(0))))),
		bad("5.0/PUBLISH response topic wildcard", v5, "[MQTT-3.3.2-14]", errP,
			pub(props(prop(mqtt.PropResponseTopic, str("r/#"))))),
		bad("5.0/PUBLISH user property invalid utf8", v5, "[MQTT-1.5.4-1]", errM,
			pub(props(prop(mqtt.PropUserProperty, str("k"), str("\xff"))))),
		bad("5.0/CONNECT receive maximum 0", v5, "3.1.2.11.3", errP,
			c5(0x02, props(prop(mqtt.PropReceiveMaximum, u16(0))), str("c"))),
		bad("5.0/CONNECT request problem information 2", v5, "3.1.2.11.7", errP,
			c5(0x02, props(prop(mqtt.PropRequestProblemInformation, []byte{2})), str("c"))),
		bad("5.0/CONNACK maximum packet size 0", v5, "3.2.2.3.6", errP,
			pkt(0x20, []byte{0, 0}, props(prop(mqtt.PropMaximumPacketSize, u32(0))))),
		bad("5.0/CONNACK maximum qos 2", v5, "3.2.2.3.4", errP,
			pkt(0x20, []byte{0, 0}, props(prop(mqtt.PropMaximumQoS, []byte{2})))),
		bad("5.0/CONNACK shared subscription available 2", v5, "3.2.2.3.13", errP,
			pkt(0x20, []byte{0, 0}, props(prop(mqtt.PropSharedSubscriptionAvailable, []byte{2})))),
	}
}

func badCodes() []Vector {
	return []Vector{
		bad("3.1.1/CONNACK return code 6", v311, "3.2.2.3", errP, hx("20020006")),
		bad("3.1.1/CONNACK reserved flags", v311, "3.2.2.1", errM, hx("20020200")),
		bad("5.0/CONNACK reserved flags", v5, "[MQTT-3.2.2-1]", errM, hx("2003800000")),
		bad("3.1.1/CONNACK session present refused", v311, "[MQTT-3.2.2-4]", errP, hx("20020105")),
		bad("5.0/CONNACK session present refused", v5, "[MQTT-3.2.2-6]", errP, hx("2003018000")),
		bad("3.1.1/SUBACK return code 3", v311, "[MQTT-3.9.3-2]", errP, hx("9003000103")),
		bad("3.1.1/SUBACK empty", v311, "3.9.3", errP, hx("90020001")),
		bad("5.0/UNSUBACK empty", v5, "3.11.3", errP, hx("b003000100")),
		bad("5.0/CONNACK reason 0x01", v5, "[MQTT-3.2.2-8]", errP, hx("2003000100")),
		bad("5.0/PUBACK reason 0x05", v5, "[MQTT-3.4.2-1]", errP, hx("4003000105")),
		bad("5.0/PUBREC reason 0x92", v5, "[MQTT-3.5.2-1]", errP, hx("5003000192")),
		bad("5.0/PUBREL reason 0x10", v5, "[MQTT-3.6.2-1]", errP, hx("6203000110")),
		bad("5.0/PUBCOMP reason 0x80", v5, "[MQTT-3.7.2-1]", errP, hx("700400018000")),
		bad("5.0/SUBACK reason 0x03", v5, "[MQTT-3.9.3-2]", errP, hx("900400010003")),
		bad("5.0/UNSUBACK reason 0x01", v5, "[MQTT-3.11.3-2]", errP, hx("b00400010001")),
		bad("5.0/DISCONNECT reason 0x05", v5, "[MQTT-3.14.2-1]", errP, hx("e00105")),
		bad("5.0/AUTH reason 0x01", v5, "[MQTT-3.15.2-1]", errP, hx("f00101")),
	}
}

func badFilters() []Vector {
	subscribe := func(v mqtt.Version, filter string, options byte) []byte {
		if v == v5 {
			return pkt(0x82, u16(1), props(), str(filter), []byte{options})
		}
		return pkt(0x82, u16(1), str(filter), []byte{options})
	}
	return []Vector{
		bad("3.1.1/SUBSCRIBE qos 3", v311, "[MQTT-3-8.3-4]", errM, subscribe(v311, "a", 3)),
		bad("3.1.1/SUBSCRIBE reserved bits", v311, "[MQTT-3-8.3-4]", errM, subscribe(v311, "a", 0x04)),
		bad("5.0/SUBSCRIBE reserved bits", v5, "[MQTT-3.8.3-5]", errM, subscribe(v5, "a", 0x40)),
		bad("5.0/SUBSCRIBE qos 3", v5, "3.8.3.1", errP, subscribe(v5, "a", 0x03)),
		bad("5.0/SUBSCRIBE retain handling 3", v5, "3.8.3.1", errP, subscribe(v5, "a", 0x30)),
		bad("5.0/SUBSCRIBE no local shared", v5, "[MQTT-3.8.3-4]", errP, subscribe(v5, "$share/g/t", 0x04)),
		bad("3.1.1/SUBSCRIBE # not last", v311, "[MQTT-4.7.1-2]", errP, subscribe(v311, "a/#/b", 0)),
		bad("5.0/SUBSCRIBE # not alone", v5, "[MQTT-4.7.1-1]", errP, subscribe(v5, "a/b#", 0)),
		bad("3.1.1/SUBSCRIBE + not alone", v311, "[MQTT-4.7.1-3]", errP, subscribe(v311, "a+/b", 0)),
		bad("5.0/SUBSCRIBE + not alone", v5, "[MQTT-4.7.1-2]", errP, subscribe(v5, "a/+b", 0)),
		bad("3.1.1/SUBSCRIBE empty filter", v311, "[MQTT-4.7.3-1]", errP, subscribe(v311, "", 0)),
		bad("5.0/UNSUBSCRIBE empty filter", v5, "[MQTT-4.7.3-1]", errP, pkt(0xa2, u16(1), props(), str(""))),
		bad("3.1.1/UNSUBSCRIBE # not last", v311, "[MQTT-4.7.1-2]", errP, pkt(0xa2, u16(1), str("#/a"))),
		bad("5.0/SUBSCRIBE empty share name", v5, "[MQTT-4.8.2-1]", errP, subscribe(v5, "$share//t", 0)),
		bad("5.0/SUBSCRIBE share name without filter", v5, "[MQTT-4.8.2-2]", errP, subscribe(v5, "$share/g", 0)),
		bad("5.0/SUBSCRIBE shared subscription empty filter", v5, "[MQTT-4.8.2-2]", errP, subscribe(v5, "$share/g/", 0)),
		bad("5.0/SUBSCRIBE wildcard in share name", v5, "[MQTT-4.8.2-2]", errP, subscribe(v5, "$share/g+/t", 0)),
	}
}

func withSource(v Vector, source string) Vector {
	v.Source = source
	return v
}
