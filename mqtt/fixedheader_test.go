package mqtt_test

import (
	"errors"
	"testing"

	"github.com/mqzip/mqzip/mqtt"
)

func TestReadFixedHeader(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want mqtt.FixedHeader
		err  error
	}{
		{nil, mqtt.FixedHeader{}, mqtt.ErrIncomplete},
		{[]byte{0x30}, mqtt.FixedHeader{}, mqtt.ErrIncomplete},
		{[]byte{0xc0, 0x00}, mqtt.FixedHeader{Type: mqtt.Pingreq, Len: 2}, nil},
		{[]byte{0x3d, 0x7f}, mqtt.FixedHeader{Type: mqtt.Publish, Flags: 0xd, RemainingLength: 127, Len: 2}, nil},
		{[]byte{0x30, 0x80, 0x01}, mqtt.FixedHeader{Type: mqtt.Publish, RemainingLength: 128, Len: 3}, nil},
		{[]byte{0x30, 0xff, 0x7f}, mqtt.FixedHeader{Type: mqtt.Publish, RemainingLength: 16383, Len: 3}, nil},
		{[]byte{0x30, 0x80, 0x80, 0x01}, mqtt.FixedHeader{Type: mqtt.Publish, RemainingLength: 16384, Len: 4}, nil},
		{[]byte{0x30, 0xff, 0xff, 0xff, 0x7f}, mqtt.FixedHeader{Type: mqtt.Publish, RemainingLength: 268435455, Len: 5}, nil},
		{[]byte{0x30, 0x80, 0x00}, mqtt.FixedHeader{Type: mqtt.Publish, RemainingLength: 0, Len: 3}, nil}, // not minimal: Parse reports it in 5.0
		{[]byte{0x30, 0xff, 0xff, 0xff}, mqtt.FixedHeader{}, mqtt.ErrIncomplete},
		{[]byte{0x30, 0xff, 0xff, 0xff, 0xff}, mqtt.FixedHeader{}, mqtt.ErrMalformed},
		{[]byte{0x30, 0x80, 0x80, 0x80, 0x80, 0x01}, mqtt.FixedHeader{}, mqtt.ErrMalformed},
	} {
		h, err := mqtt.ReadFixedHeader(tt.in)
		if h != tt.want || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("ReadFixedHeader(% x) = %+v, %v; want %+v, %v", tt.in, h, err, tt.want, tt.err)
		}
		if tt.err == nil && h.PacketLen() != h.Len+h.RemainingLength {
			t.Errorf("PacketLen() = %d", h.PacketLen())
		}
	}
	_, err := mqtt.ReadFixedHeader([]byte{0x30, 0xff, 0xff, 0xff, 0xff})
	var e *mqtt.Error
	if !errors.As(err, &e) || e.Clause != "2.2.3" || e.Offset != 4 {
		t.Errorf("ReadFixedHeader of a 5-byte Remaining Length: %v, want clause 2.2.3 at offset 4", err)
	}
}

func TestStrings(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{mqtt.V31.String(), "3.1"},
		{mqtt.V311.String(), "3.1.1"},
		{mqtt.V5.String(), "5.0"},
		{mqtt.Version(0).String(), "unknown"},
		{mqtt.Version(6).String(), "Version(6)"},
		{mqtt.Publish.String(), "PUBLISH"},
		{mqtt.Reserved0.String(), "RESERVED"},
		{mqtt.Auth.String(), "AUTH"},
		{mqtt.Type(16).String(), "Type(16)"},
		{mqtt.PropTopicAlias.String(), "Topic Alias"},
		{mqtt.PropSubscriptionIdentifierAvailable.String(), "Subscription Identifier Available"},
		{mqtt.PropertyID(0x04).String(), "PropertyID(0x4)"},
		{mqtt.PropUserProperty.Type().String(), "UTF-8 string pair"},
		{mqtt.PropSubscriptionIdentifier.Type().String(), "variable byte integer"},
		{mqtt.PropertyID(0x30).Type().String(), "invalid"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestPropertyTable checks the data types of Table 2-4 of MQTT 5.0, property by property.
func TestPropertyTable(t *testing.T) {
	want := map[mqtt.PropertyID]mqtt.DataType{
		0x01: mqtt.DataByte, 0x02: mqtt.DataFourByteInt, 0x03: mqtt.DataUTF8, 0x08: mqtt.DataUTF8,
		0x09: mqtt.DataBinary, 0x0B: mqtt.DataVarInt, 0x11: mqtt.DataFourByteInt, 0x12: mqtt.DataUTF8,
		0x13: mqtt.DataTwoByteInt, 0x15: mqtt.DataUTF8, 0x16: mqtt.DataBinary, 0x17: mqtt.DataByte,
		0x18: mqtt.DataFourByteInt, 0x19: mqtt.DataByte, 0x1A: mqtt.DataUTF8, 0x1C: mqtt.DataUTF8,
		0x1F: mqtt.DataUTF8, 0x21: mqtt.DataTwoByteInt, 0x22: mqtt.DataTwoByteInt, 0x23: mqtt.DataTwoByteInt,
		0x24: mqtt.DataByte, 0x25: mqtt.DataByte, 0x26: mqtt.DataStringPair, 0x27: mqtt.DataFourByteInt,
		0x28: mqtt.DataByte, 0x29: mqtt.DataByte, 0x2A: mqtt.DataByte,
	}
	for id := 0; id < 256; id++ {
		if got := mqtt.PropertyID(id).Type(); got != want[mqtt.PropertyID(id)] {
			t.Errorf("PropertyID(0x%02x).Type() = %v, want %v", id, got, want[mqtt.PropertyID(id)])
		}
	}
}
