package mqtt_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"

	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/mqtt/mqtttest"
)

// normalize replaces empty slices with nil so that expected and decoded packets compare
// equal regardless of how an empty field was made.
func normalize(p *mqtt.Packet) {
	p.Raw, p.Header, p.VarHeader, p.Payload = nil, nil, nil, nil
	if len(p.WillPayload) == 0 {
		p.WillPayload = nil
	}
	if len(p.Password) == 0 {
		p.Password = nil
	}
	if len(p.ReasonCodes) == 0 {
		p.ReasonCodes = nil
	}
	if len(p.Subscriptions) == 0 {
		p.Subscriptions = nil
	}
	if len(p.Topics) == 0 {
		p.Topics = nil
	}
	p.Properties = normalizeProps(p.Properties)
	p.WillProperties = normalizeProps(p.WillProperties)
}

func normalizeProps(ps mqtt.Properties) mqtt.Properties {
	if len(ps) == 0 {
		return nil
	}
	out := make(mqtt.Properties, len(ps))
	for i, p := range ps {
		if len(p.Bytes) == 0 {
			p.Bytes = nil
		}
		out[i] = p
	}
	return out
}

// diff lists the fields in which two packets differ.
func diff(got, want mqtt.Packet) []string {
	var ds []string
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			ds = append(ds, fmt.Sprintf("%s = %+v, want %+v", g.Type().Field(i).Name,
				g.Field(i).Interface(), w.Field(i).Interface()))
		}
	}
	return ds
}

// checkSplit checks that Header, VarHeader and Payload partition Raw, which is raw.
func checkSplit(t *testing.T, p *mqtt.Packet, raw []byte) {
	t.Helper()
	if !bytes.Equal(p.Raw, raw) {
		t.Fatalf("Raw = % x, want % x", p.Raw, raw)
	}
	if got := len(p.Header) + len(p.VarHeader) + len(p.Payload); got != len(raw) ||
		!bytes.Equal(bytes.Join([][]byte{p.Header, p.VarHeader, p.Payload}, nil), raw) {
		t.Fatalf("Header+VarHeader+Payload (%d+%d+%d bytes) do not make Raw (%d bytes)",
			len(p.Header), len(p.VarHeader), len(p.Payload), len(raw))
	}
}

func TestParseValid(t *testing.T) {
	for _, v := range mqtttest.Valid() {
		t.Run(v.Name, func(t *testing.T) {
			p, err := mqtt.Parse(v.Raw, v.Version)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkSplit(t, p, v.Raw)
			if len(p.Header) != v.Want.Len || len(p.VarHeader) != v.VarHeaderLen {
				t.Errorf("split %d+%d+%d, want %d+%d+%d", len(p.Header), len(p.VarHeader), len(p.Payload),
					v.Want.Len, v.VarHeaderLen, len(v.Raw)-v.Want.Len-v.VarHeaderLen)
			}
			got, want := *p, v.Want
			normalize(&got)
			normalize(&want)
			for _, d := range diff(got, want) {
				t.Error(d)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, v := range mqtttest.Malformed() {
		t.Run(v.Name, func(t *testing.T) {
			p, err := mqtt.Parse(v.Raw, v.Version)
			var e *mqtt.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error %v (%T), want an *mqtt.Error", err, err)
			}
			if e.Clause != v.Clause || !errors.Is(err, v.Err) {
				t.Errorf("Parse error %q, want clause %q and %v", err, v.Clause, v.Err)
			}
			if e.Offset < 0 || e.Offset > len(v.Raw) {
				t.Errorf("offset %d outside the packet (%d bytes)", e.Offset, len(v.Raw))
			}
			if p.Header != nil {
				n := len(p.Header) + len(p.VarHeader) + len(p.Payload)
				if n != len(p.Raw) || len(p.Raw) > len(v.Raw) {
					t.Errorf("split %d+%d+%d of a %d-byte Raw", len(p.Header), len(p.VarHeader), len(p.Payload), len(p.Raw))
				}
			}
		})
	}
}

// TestTruncated checks that every proper prefix of every valid vector is reported as
// incomplete: by ReadFixedHeader when the fixed header is cut, by Parse in all cases.
func TestTruncated(t *testing.T) {
	for _, v := range mqtttest.Valid() {
		for n := 0; n < len(v.Raw); n++ {
			b := v.Raw[:n:n]
			_, herr := mqtt.ReadFixedHeader(b)
			if n < v.Want.Len && herr != mqtt.ErrIncomplete {
				t.Errorf("%s: ReadFixedHeader(%d of %d bytes) = %v, want ErrIncomplete", v.Name, n, len(v.Raw), herr)
			}
			if n >= v.Want.Len && herr != nil {
				t.Errorf("%s: ReadFixedHeader(%d of %d bytes) = %v", v.Name, n, len(v.Raw), herr)
			}
			p, err := mqtt.Parse(b, v.Version)
			if !errors.Is(err, mqtt.ErrIncomplete) {
				t.Errorf("%s: Parse(%d of %d bytes) = %v, want ErrIncomplete", v.Name, n, len(v.Raw), err)
			}
			if p == nil || !bytes.Equal(p.Raw, b) {
				t.Errorf("%s: Parse(%d of %d bytes) lost Raw", v.Name, n, len(v.Raw))
			}
		}
	}
}

func TestVectorNames(t *testing.T) {
	seen := map[string]bool{}
	types := map[mqtt.Version]map[mqtt.Type]bool{}
	for _, v := range mqtttest.All() {
		if seen[v.Name] {
			t.Errorf("duplicate vector name %q", v.Name)
		}
		seen[v.Name] = true
		if len(v.Raw) == 0 {
			t.Errorf("%s: empty Raw", v.Name)
		}
		if v.Err == nil {
			if types[v.Version] == nil {
				types[v.Version] = map[mqtt.Type]bool{}
			}
			types[v.Version][v.Want.Type] = true
		}
	}
	for _, ver := range []mqtt.Version{mqtt.V31, mqtt.V311, mqtt.V5} {
		for typ := mqtt.Connect; typ <= mqtt.Auth; typ++ {
			if typ == mqtt.Auth && ver != mqtt.V5 {
				continue
			}
			if !types[ver][typ] {
				t.Errorf("no valid %v vector for MQTT %v", typ, ver)
			}
		}
	}
}

func TestParseIntoReuse(t *testing.T) {
	var p mqtt.Packet
	vs := mqtttest.Valid()
	for round := 0; round < 2; round++ {
		for _, v := range vs {
			if err := mqtt.ParseInto(&p, v.Raw, v.Version); err != nil {
				t.Fatalf("%s: ParseInto: %v", v.Name, err)
			}
			got, want := p, v.Want
			got.Properties = append(mqtt.Properties(nil), p.Properties...)
			got.WillProperties = append(mqtt.Properties(nil), p.WillProperties...)
			normalize(&got)
			normalize(&want)
			for _, d := range diff(got, want) {
				t.Errorf("%s: ParseInto after other packets: %s", v.Name, d)
			}
		}
	}
}

func TestParseVersionFromConnect(t *testing.T) {
	for _, v := range mqtttest.Valid() {
		if v.Want.Type != mqtt.Connect {
			continue
		}
		for _, asked := range []mqtt.Version{0, mqtt.V31, mqtt.V311, mqtt.V5} {
			p, err := mqtt.Parse(v.Raw, asked)
			if err != nil || p.Version != v.Want.Version {
				t.Errorf("%s: Parse as %v: version %v, error %v; want %v", v.Name, asked, p.Version, err, v.Want.Version)
			}
		}
	}
	p, err := mqtt.Parse([]byte{0xc0, 0x00}, 0)
	if err != nil || p.Version != mqtt.V311 {
		t.Errorf("PINGREQ of unknown version parsed as %v, %v; want 3.1.1", p.Version, err)
	}
}

func TestErrorString(t *testing.T) {
	for _, tt := range []struct {
		err  *mqtt.Error
		want string
	}{
		{&mqtt.Error{Clause: "[MQTT-3.3.1-4]", Offset: 0, Msg: "PUBLISH with QoS 3", Err: mqtt.ErrMalformed},
			"mqtt: [MQTT-3.3.1-4] offset 0: PUBLISH with QoS 3"},
		{&mqtt.Error{Clause: "2.2.3", Offset: 4, Msg: "remaining length longer than 4 bytes", Err: mqtt.ErrMalformed},
			"mqtt: section 2.2.3 offset 4: remaining length longer than 4 bytes"},
		{&mqtt.Error{Offset: 3, Msg: "PUBLISH truncated: 3 of 7 bytes", Err: mqtt.ErrIncomplete},
			"mqtt: offset 3: PUBLISH truncated: 3 of 7 bytes"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(mqtt.ErrIncomplete, io.ErrUnexpectedEOF) {
		t.Error("ErrIncomplete does not wrap io.ErrUnexpectedEOF")
	}
}
