package codec

import (
	"fmt"
	"math"
	"strings"
)

// Category groups the bits of a coded capture by what they describe.
type Category int

// The categories of bits.
const (
	CatCapture   Category = iota // capture file structure: file header, block and record headers, lengths
	CatTime                      // timestamps
	CatLink                      // link-layer headers
	CatIPTCP                     // IP, TCP and UDP headers, the flow symbol
	CatMQTTFixed                 // MQTT fixed headers
	CatMQTTVar                   // MQTT variable headers
	CatMQTTPay                   // MQTT payloads
	CatOther                     // payloads that are not MQTT, padding, frames of other protocols, opaque bytes
	numCats
)

var catNames = [numCats]string{"capture structure", "timestamps", "link headers", "IP/TCP headers",
	"MQTT fixed headers", "MQTT variable headers", "MQTT payload", "other"}

// String returns the category's name.
func (c Category) String() string {
	if c >= 0 && c < numCats {
		return catNames[c]
	}
	return fmt.Sprintf("category(%d)", int(c))
}

// Stats says where the bits went: the information content of each category's decisions, in
// bits, and the bytes of the capture in it. It is measured, not estimated: each coded decision
// adds -log2 of the probability it was coded with (floating point is used here only, outside
// the coding path).
type Stats struct {
	Bits     [numCats]float64
	Bytes    [numCats]int64
	Messages int // MQTT packets framed in the TCP payload
}

// Add accumulates o into s.
func (s *Stats) Add(o *Stats) {
	for i := range s.Bits {
		s.Bits[i] += o.Bits[i]
		s.Bytes[i] += o.Bytes[i]
	}
	s.Messages += o.Messages
}

// Format writes the table of s.
func (s *Stats) Format() string {
	messages := s.Messages
	var b strings.Builder
	var tb float64
	var tn int64
	for i := range s.Bits {
		tb += s.Bits[i]
		tn += s.Bytes[i]
	}
	fmt.Fprintf(&b, "%-22s %12s %12s %8s %10s\n", "category", "bytes in", "bytes out", "share", "bits/byte")
	for i := range s.Bits {
		if s.Bytes[i] == 0 && s.Bits[i] == 0 {
			continue
		}
		fmt.Fprintf(&b, "%-22s %12d %12.0f %7.1f%% %10.3f\n", Category(i), s.Bytes[i], s.Bits[i]/8, 100*s.Bits[i]/math.Max(tb, 1), s.Bits[i]/math.Max(float64(s.Bytes[i]), 1))
	}
	fmt.Fprintf(&b, "%-22s %12d %12.0f %7.1f%% %10.3f\n", "all", tn, tb/8, 100.0, tb/math.Max(float64(tn), 1))
	if messages > 0 {
		fmt.Fprintf(&b, "MQTT bits per message: %.1f (all bits per message: %.1f)\n",
			(s.Bits[CatMQTTFixed]+s.Bits[CatMQTTVar]+s.Bits[CatMQTTPay])/float64(messages), tb/float64(messages))
	}
	return b.String()
}

func fieldCat(f uint32) Category {
	switch f {
	case fTSSec, fTSFrac:
		return CatTime
	case fLink:
		return CatLink
	case fIPv4, fIPv4Addr, fIPv4Len, fIPv4ID, fIPv4Sum, fTCP, fTCPSeq, fTCPAck, fTCPOpt, fTCPSum, fUDP, fUDPSum, fIPv6, fIPv6Addr, fIPv6Len, fTCPPort, fTCPWin, fTCPUrg, fTCPTSval:
		return CatIPTCP
	case fPayload, fRest, fTail, fGeneric:
		return CatOther
	}
	return CatCapture
}

// cost accounts the decision just coded with probability p (of 2^16) to the current category.
func (k *coder) cost(p uint32) {
	if k.stats != nil {
		k.stats.Bits[k.cat] += -math.Log2(float64(p) / (1 << probBits))
	}
}
