package mqtt_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/mqtt/mqtttest"
)

func FuzzParse(f *testing.F) {
	for _, v := range mqtttest.All() {
		for _, ver := range []mqtt.Version{0, mqtt.V31, mqtt.V311, mqtt.V5} {
			f.Add(v.Raw, byte(ver))
		}
	}
	var reused mqtt.Packet
	f.Fuzz(func(t *testing.T, b []byte, ver byte) {
		in := append([]byte(nil), b...)
		p, err := mqtt.Parse(b, mqtt.Version(ver))
		if !bytes.Equal(b, in) {
			t.Fatal("Parse modified its input")
		}
		if err != nil {
			var e *mqtt.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *mqtt.Error", err)
			}
			if !errors.Is(err, mqtt.ErrMalformed) && !errors.Is(err, mqtt.ErrProtocol) &&
				!errors.Is(err, mqtt.ErrUnsupported) && !errors.Is(err, mqtt.ErrIncomplete) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			if e.Offset < 0 || e.Offset > len(b) {
				t.Fatalf("error offset %d outside the %d-byte input", e.Offset, len(b))
			}
		}
		if err == nil {
			checkSplit(t, p, b)
		} else if p.Header != nil {
			if n := len(p.Header) + len(p.VarHeader) + len(p.Payload); n != len(p.Raw) ||
				!bytes.Equal(bytes.Join([][]byte{p.Header, p.VarHeader, p.Payload}, nil), p.Raw) {
				t.Fatalf("split %d+%d+%d does not make the %d-byte Raw", len(p.Header), len(p.VarHeader), len(p.Payload), len(p.Raw))
			}
		}
		// ParseInto on a packet that held another one gives the same result.
		err2 := mqtt.ParseInto(&reused, b, mqtt.Version(ver))
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("ParseInto error %v, Parse error %v", err2, err)
		}
		got, want := reused, *p
		got.Properties = append(mqtt.Properties(nil), reused.Properties...)
		got.WillProperties = append(mqtt.Properties(nil), reused.WillProperties...)
		normalize(&got)
		normalize(&want)
		if d := diff(got, want); len(d) > 0 {
			t.Fatalf("ParseInto differs from Parse: %v", d)
		}
	})
}

func FuzzReadFixedHeader(f *testing.F) {
	for _, v := range mqtttest.All() {
		f.Add(v.Raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := mqtt.ReadFixedHeader(b)
		switch {
		case err == nil:
			if h.Len < 2 || h.Len > 5 || h.Len > len(b) || h.Type != mqtt.Type(b[0]>>4) ||
				h.Flags != b[0]&15 || h.RemainingLength < 0 || h.RemainingLength > 268435455 {
				t.Fatalf("ReadFixedHeader(% x) = %+v", b, h)
			}
			if b[h.Len-1]&0x80 != 0 {
				t.Fatalf("Remaining Length ends on a continuation byte: % x", b[:h.Len])
			}
		case errors.Is(err, mqtt.ErrIncomplete):
			if len(b) >= 5 {
				t.Fatalf("ErrIncomplete with %d bytes", len(b))
			}
		case errors.Is(err, mqtt.ErrMalformed):
			if len(b) < 5 || b[1]&b[2]&b[3]&b[4]&0x80 == 0 {
				t.Fatalf("ErrMalformed for % x", b)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
