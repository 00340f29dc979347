package mqtt

import "fmt"

// minZeroPropPublishes is how many PUBLISH packets, all of whose payloads start with what
// reads as an empty MQTT 5.0 property block, GuessVersion needs to choose 5.0 without other
// evidence.
const minZeroPropPublishes = 3

// GuessVersion decides the version of a conversation whose CONNECT was not seen, from some
// of its complete packets. A CONNECT decides by its protocol level and an AUTH means 5.0.
// Otherwise every packet is parsed both as 3.1.1 and as 5.0: a packet valid in only one of
// them votes for it, and a PUBLISH whose bytes after the topic read as a non-empty, valid
// property block votes for 5.0. Without votes, at least three PUBLISH packets that all
// start their payload with a zero byte (an empty 5.0 property block) mean 5.0. GuessVersion
// returns V311 when nothing points to 5.0, 0 when packets is empty, and a short reason.
func GuessVersion(packets [][]byte) (Version, string) {
	if len(packets) == 0 {
		return 0, "no packets"
	}
	var (
		p                Packet
		score5, score311 int
		why5, why311     string
		zeroProps, pubs  int
		parsed           int
	)
	for _, b := range packets {
		h, err := ReadFixedHeader(b)
		if err != nil || len(b) < h.PacketLen() {
			continue
		}
		b = b[:h.PacketLen()]
		parsed++
		switch h.Type {
		case Connect:
			if ParseInto(&p, b, 0); p.ProtocolLevel != 0 && Version(p.ProtocolLevel).known() {
				return Version(p.ProtocolLevel), fmt.Sprintf("CONNECT with protocol level %d", p.ProtocolLevel)
			}
			continue
		case Auth:
			return V5, "AUTH packet"
		}
		err5 := ParseInto(&p, b, V5)
		propLen5 := p.PropertiesLen
		err311 := ParseInto(&p, b, V311)
		switch {
		case err5 == nil && err311 != nil:
			score5 += 2
			if why5 == "" {
				why5 = fmt.Sprintf("%v valid only as 5.0", h.Type)
			}
		case err311 == nil && err5 != nil:
			score311 += 2
			if why311 == "" {
				why311 = fmt.Sprintf("%v valid only as 3.1.1", h.Type)
			}
		case err5 == nil && h.Type == Publish && propLen5 > 0:
			score5++
			if why5 == "" {
				why5 = "PUBLISH with valid 5.0 properties"
			}
		}
		if h.Type == Publish {
			pubs++
			if err5 == nil && propLen5 == 0 {
				zeroProps++
			}
		}
	}
	switch {
	case score5 > score311:
		return V5, fmt.Sprintf("%s (score %d to %d)", why5, score5, score311)
	case score311 > score5:
		return V311, fmt.Sprintf("%s (score %d to %d)", why311, score311, score5)
	case score5 == 0 && pubs >= minZeroPropPublishes && zeroProps == pubs:
		return V5, fmt.Sprintf("all %d PUBLISH payloads start with an empty 5.0 property block", pubs)
	case score5 > 0:
		return V311, fmt.Sprintf("evidence balanced (%s; %s); assuming 3.1.1", why5, why311)
	}
	return V311, fmt.Sprintf("no 5.0 evidence in %d packets; assuming 3.1.1", parsed)
}
