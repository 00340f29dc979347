package mqtt

import "strconv"

// Version is an MQTT protocol version, numbered by the Protocol Level of its CONNECT packet.
type Version byte

// The protocol versions. Zero means unknown.
const (
	V31  Version = 3 // MQTT 3.1, protocol name "MQIsdp"
	V311 Version = 4 // MQTT 3.1.1
	V5   Version = 5 // MQTT 5.0
)

// String returns "3.1", "3.1.1", "5.0", "unknown" for zero, or "Version(n)".
func (v Version) String() string {
	switch v {
	case 0:
		return "unknown"
	case V31:
		return "3.1"
	case V311:
		return "3.1.1"
	case V5:
		return "5.0"
	}
	return "Version(" + strconv.Itoa(int(v)) + ")"
}

// known reports whether v is a version this package parses.
func (v Version) known() bool { return v == V31 || v == V311 || v == V5 }
