// Package mqtttest provides shared test vectors for MQTT control packets: named raw packets
// of every type in MQTT 3.1, 3.1.1 and 5.0, valid ones with the fields package mqtt must
// decode from them, and malformed ones with the clause of the specification they break.
// Some are real packets extracted from the bundled captures (their Source says which).
//
// Valid and Malformed return fresh copies on every call, so tests may modify them.
package mqtttest

import (
	"encoding/hex"

	"github.com/mqzip/mqzip/mqtt"
)

// Vector is one named packet.
type Vector struct {
	// Name is unique among all vectors, such as "5.0/PUBLISH qos1 props".
	Name string
	// Version is the version of the conversation the packet belongs to, as passed to
	// mqtt.Parse (a CONNECT declares its own).
	Version mqtt.Version
	// Raw is the whole packet.
	Raw []byte

	// Want is the packet mqtt.Parse must return for a valid vector, with Raw, Header,
	// VarHeader and Payload left nil: Header is Raw[:Want.Len], VarHeader the next
	// VarHeaderLen bytes and Payload the rest. Nil slices stand for empty ones.
	Want         mqtt.Packet
	VarHeaderLen int

	// Clause and Err are the expected *mqtt.Error's Clause and sentinel for a malformed
	// vector; Err is nil for a valid one.
	Clause string
	Err    error

	// Source names the capture and frame a real packet was extracted from, relative to
	// testdata/captures.
	Source string
}

// Valid returns the valid vectors.
func Valid() []Vector {
	var vs []Vector
	vs = append(vs, valid31()...)
	vs = append(vs, valid311()...)
	vs = append(vs, valid5()...)
	return vs
}

// All returns the valid and the malformed vectors.
func All() []Vector { return append(Valid(), Malformed()...) }

// valid builds a valid vector from the first byte of its fixed header, its variable header
// and its payload. It fills Want's fixed header, the PUBLISH flags and, unless set, Version.
func valid(name string, v mqtt.Version, first byte, varHeader, payload []byte, want mqtt.Packet) Vector {
	raw, hdrLen := frame(first, varHeader, payload)
	want.FixedHeader = mqtt.FixedHeader{Type: mqtt.Type(first >> 4), Flags: first & 0x0f,
		RemainingLength: len(varHeader) + len(payload), Len: hdrLen}
	if want.Type == mqtt.Publish {
		want.Dup, want.QoS, want.Retain = first&0x08 != 0, first>>1&3, first&1 != 0
	}
	if want.Version == 0 {
		want.Version = v
	}
	return Vector{Name: name, Version: v, Raw: raw, Want: want, VarHeaderLen: len(varHeader)}
}

// captured builds a valid vector from a packet copied from a capture: hexes holds its fixed
// header, variable header and payload in hexadecimal, as tshark prints tcp.payload.
func captured(name string, v mqtt.Version, source string, hexes [3]string, want mqtt.Packet) Vector {
	h, vh, pl := hx(hexes[0]), hx(hexes[1]), hx(hexes[2])
	vec := valid(name, v, h[0], vh, pl, want)
	vec.Raw = cat(h, vh, pl)
	vec.Want.Len = len(h)
	vec.Source = source
	return vec
}

// bad builds a malformed vector.
func bad(name string, v mqtt.Version, clause string, err error, raw []byte) Vector {
	return Vector{Name: name, Version: v, Raw: raw, Clause: clause, Err: err}
}

// frame prepends a fixed header to the concatenated body parts. It returns the packet and
// the length of its fixed header.
func frame(first byte, body ...[]byte) ([]byte, int) {
	b := cat(body...)
	h := append([]byte{first}, vbi(len(b))...)
	return append(h, b...), len(h)
}

// pkt frames a packet and drops the header length.
func pkt(first byte, body ...[]byte) []byte {
	b, _ := frame(first, body...)
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// vbi encodes a Variable Byte Integer in the fewest bytes.
func vbi(n int) []byte { return mqtt.AppendVarInt(nil, n) }

func u16(v int) []byte    { return []byte{byte(v >> 8), byte(v)} }
func u32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

// str encodes a length-prefixed string (or binary data).
func str(s string) []byte { return append(u16(len(s)), s...) }

// props encodes a property block: its Property Length and the properties.
func props(ps ...[]byte) []byte {
	b := cat(ps...)
	return append(vbi(len(b)), b...)
}

// prop encodes one property.
func prop(id mqtt.PropertyID, value ...[]byte) []byte {
	return append([]byte{byte(id)}, cat(value...)...)
}

func hx(s string) []byte {
	b, _ := hex.DecodeString(s) // TestSources checks the literals against the captures
	return b
}
