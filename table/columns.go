package table

import (
	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/mqtt"
)

// Column is one column of the message table.
type Column struct {
	Name     string   // Wireshark's field name, or an mqzip.-prefixed one
	Category Category // which part of the traffic it describes
	Desc     string   // what it holds
	Aliases  []string // other names that select it
	app      func(dst []byte, m *conv.Message) []byte
	plain    bool   // its values are numbers, addresses or hex: never quoted
	types    uint16 // packet types (bit t for type t) it has values for; 0: any message
}

// plainColumns hold numbers, addresses or hex only, so the writer need not look for characters
// that need quoting.
var plainColumns = map[string]bool{"mqzip.fixed_header": true, "mqzip.var_header": true,
	"mqzip.payload": true, "mqtt.msg": true, "mqtt.willmsg": true}

// Append appends the column's value for m to dst (unquoted).
func (c *Column) Append(dst []byte, m *conv.Message) []byte { return c.app(dst, m) }

func frameCol(name, desc string, f func(dst []byte, fi *conv.FrameInfo) []byte) Column {
	return Column{Name: name, Category: Transport, Desc: desc, plain: true,
		app: func(dst []byte, m *conv.Message) []byte { return f(dst, &m.Frame) }}
}

func msgCol(name string, cat Category, desc string, f func(dst []byte, m *conv.Message) []byte) Column {
	return Column{Name: name, Category: cat, Desc: desc, app: f}
}

// pktCol is a column computed from the dissected packet; it is empty when there is none.
func pktCol(name string, cat Category, desc string, f func(dst []byte, p *mqtt.Packet) []byte) Column {
	return Column{Name: name, Category: cat, Desc: desc, app: func(dst []byte, m *conv.Message) []byte {
		if m.Packet == nil {
			return dst
		}
		return f(dst, m.Packet)
	}}
}

// typeCol is a packet column shown only for the given packet types.
func typeCol(name string, cat Category, desc string, types []mqtt.Type, f func(dst []byte, p *mqtt.Packet) []byte) Column {
	var mask uint16
	for _, t := range types {
		mask |= 1 << (t & 15)
	}
	c := pktCol(name, cat, desc, func(dst []byte, p *mqtt.Packet) []byte {
		for _, t := range types {
			if p.Type == t {
				return f(dst, p)
			}
		}
		return dst
	})
	c.types = mask
	return c
}

var (
	tConnect   = []mqtt.Type{mqtt.Connect}
	tConnack   = []mqtt.Type{mqtt.Connack}
	tPublish   = []mqtt.Type{mqtt.Publish}
	tSubscribe = []mqtt.Type{mqtt.Subscribe}
	tSuback    = []mqtt.Type{mqtt.Suback}
	tTopics    = []mqtt.Type{mqtt.Publish, mqtt.Subscribe, mqtt.Unsubscribe}
)

func isV5(p *mqtt.Packet) bool { return p.Version == mqtt.V5 }

// hasQoSFlags reports whether the fixed-header flags of p are DUP, QoS and RETAIN: in a
// PUBLISH, and in MQTT 3.1 also in PUBREL, SUBSCRIBE and UNSUBSCRIBE, which 3.1 sends with QoS 1
// (MQTT 3.1 sections 3.6, 3.8, 3.10). Wireshark shows them the same way.
func hasQoSFlags(p *mqtt.Packet) bool {
	switch p.Type {
	case mqtt.Publish:
		return true
	case mqtt.Pubrel, mqtt.Subscribe, mqtt.Unsubscribe:
		return p.Version == mqtt.V31
	}
	return false
}

// connect returns a CONNECT column that is shown only when the CONNECT's flags say the field
// is present.
func connect(name string, cat Category, desc string, present func(p *mqtt.Packet) bool, f func(dst []byte, p *mqtt.Packet) []byte) Column {
	return typeCol(name, cat, desc, tConnect, func(dst []byte, p *mqtt.Packet) []byte {
		if !present(p) {
			return dst
		}
		return f(dst, p)
	})
}

func always(*mqtt.Packet) bool      { return true }
func hasWill(p *mqtt.Packet) bool   { return p.HasWill }
func hasUser(p *mqtt.Packet) bool   { return p.HasUsername }
func hasPasswd(p *mqtt.Packet) bool { return p.HasPassword }

func conflag(name, desc string, shift, mask byte) Column {
	return connect(name, VariableHeader, desc, always, func(dst []byte, p *mqtt.Packet) []byte {
		return appUint(dst, uint64(p.ConnectFlags>>shift&mask))
	})
}

// reasonCol is the v5 reason code column of one packet type.
func reasonCol(name string, t mqtt.Type) Column {
	return typeCol(name, VariableHeader, "MQTT 5 reason code of a "+t.String(), []mqtt.Type{t}, func(dst []byte, p *mqtt.Packet) []byte {
		if !isV5(p) || !p.HasReasonCode {
			return dst
		}
		return appUint(dst, uint64(p.ReasonCode))
	})
}

func joinU8(dst []byte, v []byte, hex bool) []byte {
	for i, x := range v {
		if i > 0 {
			dst = append(dst, ',')
		}
		if hex {
			dst = appHex8(dst, x)
		} else {
			dst = appUint(dst, uint64(x))
		}
	}
	return dst
}

func appProps(dst []byte, props mqtt.Properties) []byte {
	for i, pr := range props {
		if i > 0 {
			dst = append(dst, ';', ' ')
		}
		dst = append(dst, pr.ID.String()...)
		dst = append(dst, '=')
		switch pr.ID.Type() {
		case mqtt.DataUTF8:
			dst = appText(dst, pr.Str)
		case mqtt.DataBinary:
			dst = appBytes(dst, pr.Bytes)
		case mqtt.DataStringPair:
			dst = appText(dst, pr.Key)
			dst = append(dst, ':')
			dst = appText(dst, pr.Value)
		default:
			dst = appUint(dst, uint64(pr.Uint))
		}
	}
	return dst
}

func appPropIDs(dst []byte, props mqtt.Properties) []byte {
	for i, pr := range props {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appHex8(dst, byte(pr.ID))
	}
	return dst
}

func maybeText(dst []byte, b []byte) []byte {
	if isText(b) {
		return appText(dst, b)
	}
	return dst
}

// Columns returns every column of the message table, in order.
func Columns() []Column {
	cols := columns()
	for i := range cols {
		cols[i].plain = cols[i].plain || plainColumns[cols[i].Name]
	}
	return cols
}

func columns() []Column {
	return []Column{
		// Transport metadata.
		frameCol("frame.number", "number of the frame that completed the message (1-based, as Wireshark counts)", func(d []byte, f *conv.FrameInfo) []byte { return appInt(d, int64(f.Number)) }),
		frameCol("frame.time_epoch", "capture time of that frame, seconds since 1970-01-01 UTC", func(d []byte, f *conv.FrameInfo) []byte { return appSeconds(d, f.Time) }),
		frameCol("frame.time_delta", "seconds since the previous captured frame", func(d []byte, f *conv.FrameInfo) []byte { return appSeconds(d, f.Delta) }),
		frameCol("tcp.time_delta", "seconds since the previous frame of the same TCP connection", func(d []byte, f *conv.FrameInfo) []byte { return appSeconds(d, f.StreamDelta) }),
		msgCol("mqzip.msg_delta", Transport, "seconds since the previous message of the same conversation (0 for its first)", func(d []byte, m *conv.Message) []byte { return appSeconds(d, m.ConvDelta) }),
		frameCol("frame.len", "length of the frame on the wire, bytes", func(d []byte, f *conv.FrameInfo) []byte { return appInt(d, int64(f.Len)) }),
		frameCol("frame.cap_len", "bytes of the frame captured", func(d []byte, f *conv.FrameInfo) []byte { return appInt(d, int64(f.CapLen)) }),
		frameCol("ip.src", "source address (IPv4 or IPv6; Wireshark names the IPv6 one ipv6.src)", func(d []byte, f *conv.FrameInfo) []byte { return f.Src.AppendTo(d) }),
		frameCol("ip.dst", "destination address (IPv4 or IPv6)", func(d []byte, f *conv.FrameInfo) []byte { return f.Dst.AppendTo(d) }),
		frameCol("tcp.srcport", "TCP source port", func(d []byte, f *conv.FrameInfo) []byte { return appInt(d, int64(f.SrcPort)) }),
		frameCol("tcp.dstport", "TCP destination port", func(d []byte, f *conv.FrameInfo) []byte { return appInt(d, int64(f.DstPort)) }),
		msgCol("tcp.stream", Transport, "conversation id: TCP connections numbered from 0 in order of their first frame", func(d []byte, m *conv.Message) []byte { return appInt(d, int64(m.Conv.ID)) }),
		frameCol("tcp.seq", "relative sequence number of the frame", func(d []byte, f *conv.FrameInfo) []byte { return appUint(d, uint64(f.RelSeq)) }),
		frameCol("tcp.ack", "relative acknowledgement number of the frame (0 without the ACK flag)", func(d []byte, f *conv.FrameInfo) []byte { return appUint(d, uint64(f.RelAck)) }),
		frameCol("tcp.seq_raw", "sequence number as sent", func(d []byte, f *conv.FrameInfo) []byte { return appUint(d, uint64(f.Seq)) }),
		frameCol("tcp.ack_raw", "acknowledgement number as sent", func(d []byte, f *conv.FrameInfo) []byte { return appUint(d, uint64(f.Ack)) }),
		frameCol("tcp.flags", "TCP flags (0x0010 ACK, 0x0008 PSH, 0x0001 FIN, 0x0002 SYN, 0x0004 RST)", func(d []byte, f *conv.FrameInfo) []byte { return appHex16(d, f.Flags) }),
		frameCol("tcp.window_size_value", "TCP window field as sent (unscaled)", func(d []byte, f *conv.FrameInfo) []byte { return appInt(d, int64(f.Window)) }),
		frameCol("tcp.len", "TCP payload bytes of the frame", func(d []byte, f *conv.FrameInfo) []byte { return appInt(d, int64(f.TCPLen)) }),
		msgCol("mqzip.direction", Transport, "client_to_broker or broker_to_client (unknown if undecided)", func(d []byte, m *conv.Message) []byte { return append(d, m.Dir.String()...) }),
		msgCol("mqzip.direction_rule", Transport, "what decided the direction: port (server port), syn (the SYN's sender is the client), msgtype (a type only one side sends), guess (lower port is the broker)", func(d []byte, m *conv.Message) []byte { return append(d, m.Conv.DirRule.String()...) }),
		msgCol("mqzip.first_frame", Transport, "number of the frame that carried the message's first byte", func(d []byte, m *conv.Message) []byte { return appInt(d, int64(m.FirstFrame)) }),
		msgCol("mqzip.stream_offset", Transport, "offset of the message's first byte in its direction's TCP stream", func(d []byte, m *conv.Message) []byte { return appInt(d, m.Offset) }),
		msgCol("mqzip.gap_before", Transport, "bytes lost from the stream just before this message (segments never captured or cut by the snap length)", func(d []byte, m *conv.Message) []byte { return appInt(d, m.GapBefore) }),

		// Diagnostics and per-conversation facts.
		msgCol("mqzip.msg_index", Irrelevant, "0-based index of the message within its conversation", func(d []byte, m *conv.Message) []byte { return appInt(d, int64(m.Index)) }),
		msgCol("mqzip.status", Irrelevant, "ok, malformed (fails validation: see mqzip.error), truncated (its end was never captured) or skipped (bytes that do not frame as MQTT)", func(d []byte, m *conv.Message) []byte { return append(d, m.Status.String()...) }),
		msgCol("mqzip.error", Irrelevant, "why the message is not ok, citing the MQTT spec clause", func(d []byte, m *conv.Message) []byte {
			if m.Err == nil {
				return d
			}
			return appText(d, m.Err.Error())
		}),
		msgCol("mqzip.version", Irrelevant, "MQTT version of the conversation: 3 (3.1), 4 (3.1.1), 5 (5.0)", func(d []byte, m *conv.Message) []byte { return appInt(d, int64(m.Conv.Version)) }),
		msgCol("mqzip.version_source", Irrelevant, "connect (from the CONNECT), or the reason for a guess", func(d []byte, m *conv.Message) []byte { return appText(d, m.Conv.VersionBy) }),
		msgCol("mqzip.conv_clientid", Irrelevant, "client identifier from the conversation's CONNECT", func(d []byte, m *conv.Message) []byte { return appText(d, m.ClientID) }),

		// Fixed header.
		msgCol("mqzip.fixed_header", FixedHeader, "raw fixed header, hex", func(d []byte, m *conv.Message) []byte {
			if m.Packet == nil {
				return d
			}
			return appBytes(d, m.Packet.Header)
		}),
		pktCol("mqtt.hdrflags", FixedHeader, "first byte of the fixed header", func(d []byte, p *mqtt.Packet) []byte { return appHex8(d, byte(p.Type)<<4|p.Flags) }),
		{Name: "mqtt.msgtype", Category: FixedHeader, Desc: "packet type, 1 CONNECT .. 15 AUTH", Aliases: []string{"mqtt.hdrcmd"}, app: func(d []byte, m *conv.Message) []byte {
			if m.Packet == nil {
				return d
			}
			return appInt(d, int64(m.Packet.Type))
		}},
		pktCol("mqzip.msgtype_name", FixedHeader, "packet type name", func(d []byte, p *mqtt.Packet) []byte { return append(d, p.Type.String()...) }),
		pktCol("mqtt.dupflag", FixedHeader, "DUP flag of a PUBLISH (and, in MQTT 3.1, of PUBREL, SUBSCRIBE, UNSUBSCRIBE)", func(d []byte, p *mqtt.Packet) []byte {
			if !hasQoSFlags(p) {
				return d
			}
			return appBool(d, p.Flags&0x08 != 0)
		}),
		pktCol("mqtt.qos", FixedHeader, "QoS of a PUBLISH (3 is invalid; and, in MQTT 3.1, of PUBREL, SUBSCRIBE, UNSUBSCRIBE)", func(d []byte, p *mqtt.Packet) []byte {
			if !hasQoSFlags(p) {
				return d
			}
			return appInt(d, int64(p.Flags>>1&3))
		}),
		typeCol("mqtt.retain", FixedHeader, "PUBLISH RETAIN flag", tPublish, func(d []byte, p *mqtt.Packet) []byte { return appBool(d, p.Retain) }),
		pktCol("mqtt.hdr_reserved", FixedHeader, "flag bits of a packet whose flags are reserved", func(d []byte, p *mqtt.Packet) []byte {
			if hasQoSFlags(p) {
				return d
			}
			return appInt(d, int64(p.Flags))
		}),
		pktCol("mqtt.len", FixedHeader, "remaining length: bytes after the fixed header", func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(p.RemainingLength)) }),

		// Variable header.
		msgCol("mqzip.var_header", VariableHeader, "raw variable header, hex", func(d []byte, m *conv.Message) []byte {
			if m.Packet == nil {
				return d
			}
			return appBytes(d, m.Packet.VarHeader)
		}),
		connect("mqtt.proto_len", VariableHeader, "CONNECT protocol name length", always, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(len(p.ProtocolName))) }),
		connect("mqtt.protoname", VariableHeader, "CONNECT protocol name (MQTT, MQIsdp)", always, func(d []byte, p *mqtt.Packet) []byte { return appText(d, p.ProtocolName) }),
		connect("mqtt.ver", VariableHeader, "CONNECT protocol level: 3 (3.1), 4 (3.1.1), 5 (5.0)", always, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(p.ProtocolLevel)) }),
		connect("mqtt.conflags", VariableHeader, "CONNECT flags", always, func(d []byte, p *mqtt.Packet) []byte { return appHex8(d, p.ConnectFlags) }),
		conflag("mqtt.conflag.uname", "CONNECT user name flag", 7, 1),
		conflag("mqtt.conflag.passwd", "CONNECT password flag", 6, 1),
		conflag("mqtt.conflag.retain", "CONNECT will retain flag", 5, 1),
		conflag("mqtt.conflag.qos", "CONNECT will QoS", 3, 3),
		conflag("mqtt.conflag.willflag", "CONNECT will flag", 2, 1),
		conflag("mqtt.conflag.cleansess", "CONNECT clean session / clean start flag", 1, 1),
		conflag("mqtt.conflag.reserved", "CONNECT reserved flag (must be 0)", 0, 1),
		connect("mqtt.kalive", VariableHeader, "CONNECT keep alive, seconds", always, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(p.KeepAlive)) }),
		typeCol("mqtt.conack.flags", VariableHeader, "CONNACK acknowledge flags", tConnack, func(d []byte, p *mqtt.Packet) []byte { return appHex8(d, p.AckFlags) }),
		typeCol("mqtt.conack.flags.sp", VariableHeader, "CONNACK session present flag", tConnack, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(p.AckFlags&1)) }),
		typeCol("mqtt.conack.val", VariableHeader, "CONNACK return code (3.1, 3.1.1)", tConnack, func(d []byte, p *mqtt.Packet) []byte {
			if isV5(p) || !p.HasReasonCode {
				return d
			}
			return appInt(d, int64(p.ReasonCode))
		}),
		reasonCol("mqtt.connack.reason_code", mqtt.Connack),
		typeCol("mqtt.topic_len", VariableHeader, "topic length (PUBLISH; SUBSCRIBE and UNSUBSCRIBE: of each topic filter of the payload)", tTopics, func(d []byte, p *mqtt.Packet) []byte {
			switch p.Type {
			case mqtt.Subscribe:
				for i, s := range p.Subscriptions {
					if i > 0 {
						d = append(d, ',')
					}
					d = appInt(d, int64(len(s.Topic)))
				}
				return d
			case mqtt.Unsubscribe:
				for i, s := range p.Topics {
					if i > 0 {
						d = append(d, ',')
					}
					d = appInt(d, int64(len(s)))
				}
				return d
			}
			return appInt(d, int64(p.TopicLen))
		}),
		typeCol("mqtt.topic", VariableHeader, "topic name (PUBLISH; SUBSCRIBE and UNSUBSCRIBE: the topic filters of the payload, comma-separated)", tTopics, func(d []byte, p *mqtt.Packet) []byte {
			switch p.Type {
			case mqtt.Subscribe:
				for i, s := range p.Subscriptions {
					if i > 0 {
						d = append(d, ',')
					}
					d = appText(d, s.Topic)
				}
				return d
			case mqtt.Unsubscribe:
				for i, s := range p.Topics {
					if i > 0 {
						d = append(d, ',')
					}
					d = appText(d, s)
				}
				return d
			}
			return appText(d, p.Topic)
		}),
		pktCol("mqtt.msgid", VariableHeader, "packet identifier", func(d []byte, p *mqtt.Packet) []byte {
			if !p.HasPacketID {
				return d
			}
			return appInt(d, int64(p.PacketID))
		}),
		reasonCol("mqtt.puback.reason_code", mqtt.Puback),
		reasonCol("mqtt.pubrec.reason_code", mqtt.Pubrec),
		reasonCol("mqtt.pubrel.reason_code", mqtt.Pubrel),
		reasonCol("mqtt.pubcomp.reason_code", mqtt.Pubcomp),
		reasonCol("mqtt.disconnect.reason_code", mqtt.Disconnect),
		reasonCol("mqtt.auth.reason_code", mqtt.Auth),
		pktCol("mqtt.property_len", VariableHeader, "MQTT 5 property length", func(d []byte, p *mqtt.Packet) []byte {
			if !p.HasProperties {
				return d
			}
			return appInt(d, int64(p.PropertiesLen))
		}),
		pktCol("mqtt.property_id", VariableHeader, "MQTT 5 property identifiers, in order", func(d []byte, p *mqtt.Packet) []byte { return appPropIDs(d, p.Properties) }),
		pktCol("mqzip.properties", VariableHeader, "MQTT 5 properties as Name=value; ... (binary values hex, user properties key:value)", func(d []byte, p *mqtt.Packet) []byte { return appProps(d, p.Properties) }),

		// Payload.
		msgCol("mqzip.payload", Payload, "raw payload, hex (for skipped and truncated rows: all their bytes)", func(d []byte, m *conv.Message) []byte {
			if m.Packet == nil || m.Status == conv.StatusTruncated {
				return appBytes(d, m.Raw)
			}
			return appBytes(d, m.Packet.Payload)
		}),
		connect("mqtt.clientid_len", Payload, "CONNECT client identifier length", always, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(len(p.ClientID))) }),
		connect("mqtt.clientid", Payload, "CONNECT client identifier", always, func(d []byte, p *mqtt.Packet) []byte { return appText(d, p.ClientID) }),
		connect("mqzip.will_properties", Payload, "CONNECT will properties (MQTT 5), as mqzip.properties", hasWill, func(d []byte, p *mqtt.Packet) []byte { return appProps(d, p.WillProperties) }),
		connect("mqtt.willtopic_len", Payload, "CONNECT will topic length", hasWill, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(len(p.WillTopic))) }),
		connect("mqtt.willtopic", Payload, "CONNECT will topic", hasWill, func(d []byte, p *mqtt.Packet) []byte { return appText(d, p.WillTopic) }),
		connect("mqtt.willmsg_len", Payload, "CONNECT will message length", hasWill, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(len(p.WillPayload))) }),
		connect("mqtt.willmsg", Payload, "CONNECT will message, hex", hasWill, func(d []byte, p *mqtt.Packet) []byte { return appBytes(d, p.WillPayload) }),
		connect("mqtt.username_len", Payload, "CONNECT user name length", hasUser, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(len(p.Username))) }),
		connect("mqtt.username", Payload, "CONNECT user name", hasUser, func(d []byte, p *mqtt.Packet) []byte { return appText(d, p.Username) }),
		connect("mqtt.passwd_len", Payload, "CONNECT password length", hasPasswd, func(d []byte, p *mqtt.Packet) []byte { return appInt(d, int64(len(p.Password))) }),
		connect("mqtt.passwd", Payload, "CONNECT password (escaped text)", hasPasswd, func(d []byte, p *mqtt.Packet) []byte { return appText(d, p.Password) }),
		typeCol("mqtt.sub.qos", Payload, "SUBSCRIBE requested QoS of each topic filter (3.1, 3.1.1)", tSubscribe, func(d []byte, p *mqtt.Packet) []byte {
			if isV5(p) {
				return d
			}
			for i, s := range p.Subscriptions {
				if i > 0 {
					d = append(d, ',')
				}
				d = appInt(d, int64(s.Options))
			}
			return d
		}),
		typeCol("mqtt.subscription_options", Payload, "SUBSCRIBE options byte of each topic filter (5.0)", tSubscribe, func(d []byte, p *mqtt.Packet) []byte {
			if !isV5(p) {
				return d
			}
			for i, s := range p.Subscriptions {
				if i > 0 {
					d = append(d, ',')
				}
				d = appHex8(d, s.Options)
			}
			return d
		}),
		typeCol("mqtt.suback.qos", Payload, "SUBACK return codes (3.1, 3.1.1)", tSuback, func(d []byte, p *mqtt.Packet) []byte {
			if isV5(p) {
				return d
			}
			return joinU8(d, p.ReasonCodes, false)
		}),
		typeCol("mqtt.suback.reason_code", Payload, "SUBACK reason codes (5.0)", tSuback, func(d []byte, p *mqtt.Packet) []byte {
			if !isV5(p) {
				return d
			}
			return joinU8(d, p.ReasonCodes, false)
		}),
		typeCol("mqtt.unsuback.reason_code", Payload, "UNSUBACK reason codes (5.0)", []mqtt.Type{mqtt.Unsuback}, func(d []byte, p *mqtt.Packet) []byte {
			if !isV5(p) {
				return d
			}
			return joinU8(d, p.ReasonCodes, false)
		}),
		typeCol("mqtt.msg", Payload, "PUBLISH application message, hex", tPublish, func(d []byte, p *mqtt.Packet) []byte { return appBytes(d, p.Payload) }),
		typeCol("mqtt.msg_text", Payload, "PUBLISH application message as text, when it is valid UTF-8 without control characters", tPublish, func(d []byte, p *mqtt.Packet) []byte { return maybeText(d, p.Payload) }),
	}
}
