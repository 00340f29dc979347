package mqtt_test

import (
	"strings"
	"testing"

	"github.com/mqzip/mqzip/mqtt"
	"github.com/mqzip/mqzip/mqtt/mqtttest"
)

func TestGuessVersion(t *testing.T) {
	jsonPub := func(topic, payload string) []byte {
		b := append([]byte{0x30, byte(2 + len(topic) + len(payload)), 0, byte(len(topic))}, topic...)
		return append(b, payload...)
	}
	v5Pub := func(topic, payload string) []byte {
		b := append([]byte{0x30, byte(3 + len(topic) + len(payload)), 0, byte(len(topic))}, topic...)
		return append(append(b, 0), payload...)
	}
	for _, tt := range []struct {
		name    string
		packets [][]byte
		want    mqtt.Version
		why     string
	}{
		{"nothing", nil, 0, "no packets"},
		{"CONNECT 3.1", [][]byte{{0xc0, 0}, mqtttest.Valid()[0].Raw}, mqtt.V31, "protocol level 3"},
		{"AUTH", [][]byte{{0xf0, 0x00}}, mqtt.V5, "AUTH"},
		{"PUBACK with reason code", [][]byte{{0xc0, 0}, {0x40, 3, 0, 1, 0x10}}, mqtt.V5, "PUBACK valid only as 5.0"},
		{"CONNACK without properties", [][]byte{{0x20, 2, 0, 0}}, mqtt.V311, "CONNACK valid only as 3.1.1"},
		{"JSON payloads", [][]byte{jsonPub("a/b", `{"t":1}`), jsonPub("a/c", `{"t":2}`)}, mqtt.V311, "PUBLISH valid only as 3.1.1"},
		{"empty property blocks", [][]byte{v5Pub("a", "1"), v5Pub("b", "2"), v5Pub("c", "3")}, mqtt.V5, "empty 5.0 property block"},
		{"two empty property blocks", [][]byte{v5Pub("a", "1"), v5Pub("b", "2")}, mqtt.V311, "no 5.0 evidence"},
		{"pings", [][]byte{{0xc0, 0}, {0xd0, 0}}, mqtt.V311, "no 5.0 evidence in 2 packets"},
		{"incomplete packets", [][]byte{{0x30, 9, 0}}, mqtt.V311, "no 5.0 evidence in 0 packets"},
	} {
		got, why := mqtt.GuessVersion(tt.packets)
		if got != tt.want || !strings.Contains(why, tt.why) {
			t.Errorf("%s: GuessVersion = %v, %q; want %v, %q", tt.name, got, why, tt.want, tt.why)
		}
	}
}

// TestGuessVersionVectors guesses the version of each version's valid vectors, CONNECT and
// AUTH left out.
func TestGuessVersionVectors(t *testing.T) {
	byVersion := map[mqtt.Version][][]byte{}
	for _, v := range mqtttest.Valid() {
		if v.Want.Type != mqtt.Connect && v.Want.Type != mqtt.Auth {
			byVersion[v.Version] = append(byVersion[v.Version], v.Raw)
		}
	}
	for ver, want := range map[mqtt.Version]mqtt.Version{mqtt.V31: mqtt.V311, mqtt.V311: mqtt.V311, mqtt.V5: mqtt.V5} {
		if got, why := mqtt.GuessVersion(byVersion[ver]); got != want {
			t.Errorf("GuessVersion(%v vectors) = %v (%s), want %v", ver, got, why, want)
		}
	}
}
