package packet_test

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/mqzip/mqzip/packet"
)

// An MQTT PINGREQ in an Ethernet frame (from suricata-verify's mqtt-ping test).
const pingreq = "24a2e1e6ee9b28cfe921148f080045000036b1ca40004006" +
	"98d90a000104c6291ef1c0af075bc1e1ff69793c121e8018202d75d3000001010" +
	"80a3821e7be38acc356c000"

func ExampleDecode() {
	frame, _ := hex.DecodeString(pingreq)
	var p packet.Packet
	if err := packet.Decode(packet.LinkEthernet, frame, &p); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v:%d > %v:%d seq %d flags %#03x payload % x\n", p.Src, p.SrcPort, p.Dst, p.DstPort, p.Seq, p.Flags, p.Payload)

	// The same frame cut to 66 bytes by the snapshot length: the payload is short, not an error.
	packet.Decode(packet.LinkEthernet, frame[:66], &p)
	fmt.Println(len(p.Payload), p.PayloadLen, p.Truncated)

	// Cut inside the TCP header: an error, and the IP fields stay filled.
	err := packet.Decode(packet.LinkEthernet, frame[:40], &p)
	fmt.Println(err, errors.Is(err, packet.ErrTruncated), p.Src)
	// Output:
	// 10.0.1.4:49327 > 198.41.30.241:1883 seq 3252813673 flags 0x018 payload c0 00
	// 0 2 true
	// packet: tcp at offset 34: header needs 20 bytes, have 6: truncated true 10.0.1.4
}

// fragment returns an Ethernet frame holding bytes [off, end) of the IPv4 payload of frame.
func fragment(frame []byte, off, end int, more bool) []byte {
	f := append(append([]byte(nil), frame[:34]...), frame[34+off:34+end]...)
	binary.BigEndian.PutUint16(f[16:], uint16(20+end-off)) // total length
	fo := uint16(off / 8)
	if more {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(f[20:], fo) // flags and fragment offset
	return f
}

func ExampleDefragmenter() {
	whole, _ := hex.DecodeString(pingreq)
	frames := [][]byte{fragment(whole, 16, 34, false), fragment(whole, 0, 16, true)}

	d := packet.NewDefragmenter(packet.DefragConfig{})
	var p packet.Packet
	for i, frame := range frames {
		now := int64(i) * 1e6 // the frame's capture time, in nanoseconds
		if err := packet.Decode(packet.LinkEthernet, frame, &p); err != nil {
			fmt.Println(err)
			continue
		}
		if p.Fragment {
			fmt.Printf("fragment of %d bytes at offset %d\n", len(p.IPPayload), p.FragOffset)
			payload, done, err := d.Add(&p, now)
			if err != nil || !done {
				continue
			}
			if err := packet.DecodeTransport(p.Protocol, payload, &p); err != nil {
				fmt.Println(err)
				continue
			}
		}
		fmt.Printf("%d > %d payload % x\n", p.SrcPort, p.DstPort, p.Payload)
	}
	fmt.Printf("%+v\n", d.Stats())
	// Output:
	// fragment of 18 bytes at offset 16
	// fragment of 16 bytes at offset 0
	// 49327 > 1883 payload c0 00
	// {Fragments:2 Reassembled:1 Duplicates:0 Overlaps:0 Conflicts:0 Malformed:0 Truncated:0 TimedOut:0 Evicted:0 Pending:0 Bytes:0}
}
