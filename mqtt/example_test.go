package mqtt_test

import (
	"errors"
	"fmt"

	"github.com/mqzip/mqzip/mqtt"
)

// Frame a byte stream into packets with ReadFixedHeader, then dissect each with Parse.
func Example() {
	stream := []byte{
		0x20, 0x02, 0x00, 0x00, // CONNACK
		0x32, 0x0a, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x07, 'h', 'i', '!', // PUBLISH QoS 1
		0x30, 0x06, 0x00, 0x03, 'a', '/', // PUBLISH, cut short
	}
	for len(stream) > 0 {
		h, err := mqtt.ReadFixedHeader(stream)
		if err == nil && h.PacketLen() > len(stream) {
			err = mqtt.ErrIncomplete
		}
		if errors.Is(err, mqtt.ErrIncomplete) {
			fmt.Printf("wait for %d more bytes\n", h.PacketLen()-len(stream))
			break
		}
		p, err := mqtt.Parse(stream[:h.PacketLen()], mqtt.V311)
		fmt.Printf("%v topic=%q id=%d payload=%q err=%v\n", p.Type, p.Topic, p.PacketID, p.Payload, err)
		stream = stream[h.PacketLen():]
	}
	// Output:
	// CONNACK topic="" id=0 payload="" err=<nil>
	// PUBLISH topic="a/b" id=7 payload="hi!" err=<nil>
	// wait for 2 more bytes
}

// Parse reports the first rule a packet breaks, citing the specification, and still
// fills every field it can.
func ExampleParse() {
	p, err := mqtt.Parse([]byte{0x36, 0x06, 0x00, 0x01, 't', 0x00, 0x01, 'x'}, mqtt.V311)
	fmt.Println(err)
	fmt.Println(errors.Is(err, mqtt.ErrMalformed), p.Topic, p.QoS, p.PacketID)
	// Output:
	// mqtt: [MQTT-3.3.1-4] offset 0: PUBLISH with QoS 3
	// true t 3 1
}

func ExampleGuessVersion() {
	v, why := mqtt.GuessVersion([][]byte{
		{0xc0, 0x00},                   // PINGREQ
		{0x40, 0x03, 0x00, 0x01, 0x10}, // PUBACK with a reason code
	})
	fmt.Println(v, why)
	// Output: 5.0 PUBACK valid only as 5.0 (score 2 to 0)
}
