package mqtt

import "strconv"

// Type is the MQTT Control Packet type, the high nibble of the first byte of a packet.
type Type byte

// The packet types. Reserved0 is forbidden; Auth exists in MQTT 5.0 only (it is reserved
// in 3.1.1).
const (
	Reserved0 Type = iota
	Connect
	Connack
	Publish
	Puback
	Pubrec
	Pubrel
	Pubcomp
	Subscribe
	Suback
	Unsubscribe
	Unsuback
	Pingreq
	Pingresp
	Disconnect
	Auth
)

var typeNames = [16]string{
	"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
	"SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
}

// String returns the name of the type as the specification spells it, such as "PUBLISH".
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// section returns the number of the specification's section about t ("3.3" for PUBLISH);
// it is the same in 3.1.1 and 5.0.
func (t Type) section() string { return "3." + strconv.Itoa(int(t)) }
