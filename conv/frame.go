package conv

import (
	"bytes"
	"errors"
	"unicode/utf8"

	"github.com/mqzip/mqzip/mqtt"
)

// frame cuts the complete MQTT packets at the front of the half's buffer into messages.
func (h *half) frame(c *Conversation, t *Tracker, i int) {
	start := 0
	for h.pending() > 0 {
		b := h.buf[h.r:]
		if h.resync {
			j, found := Resync(b, start, t.cfg.MaxMessage)
			if j > 0 {
				h.cut(c, t, i, j, StatusSkipped, &SkipError{Offset: h.bufOff, N: j, Why: h.skipWhy})
			}
			start = 0
			if !found {
				return
			}
			h.resync = false
			continue
		}
		fh, err := mqtt.ReadFixedHeader(b)
		if errors.Is(err, mqtt.ErrIncomplete) {
			return
		}
		if err == nil && fh.PacketLen() > t.cfg.MaxMessage {
			err = &mqtt.Error{Clause: "2.2.3", Msg: "remaining length exceeds the configured limit", Err: mqtt.ErrMalformed}
		}
		if err != nil {
			h.resync, h.skipWhy, start = true, "they do not frame as MQTT: "+err.Error(), 1
			continue
		}
		n := fh.PacketLen()
		if len(b) < n {
			return
		}
		h.cut(c, t, i, n, StatusOK, nil)
	}
}

// Resync finds the first offset at or after start where b plausibly holds the start of an MQTT
// packet: a valid fixed header whose packet, when complete in b, parses without error as 3.1.1
// or 5.0 and is followed by another plausible fixed header or by the end of b. found is false
// when no offset before j can be a boundary and the bytes from j on are too few to tell.
func Resync(b []byte, start, maxMsg int) (j int, found bool) {
	for j = start; j < len(b); j++ {
		switch plausible(b[j:], maxMsg) {
		case yes:
			return j, true
		case more:
			return j, false
		}
	}
	return len(b), false
}

type verdict int8

const (
	no verdict = iota
	yes
	more
)

// plausible judges whether b starts with an MQTT packet.
func plausible(b []byte, maxMsg int) verdict {
	fh, err := mqtt.ReadFixedHeader(b)
	if errors.Is(err, mqtt.ErrIncomplete) {
		if len(b) > 0 && !validFirstByte(b[0]) {
			return no
		}
		return more
	}
	if err != nil || !validFirstByte(b[0]) || fh.PacketLen() > maxMsg {
		return no
	}
	n := fh.PacketLen()
	if !varHeaderPlausible(fh, b) {
		return no
	}
	if len(b) < n {
		return more
	}
	if !validPacket(b[:n]) {
		return no
	}
	if len(b) > n && !validFirstByte(b[n]) {
		return no
	}
	return yes
}

// validFirstByte checks the packet type and the fixed-header flags [MQTT-2.2.2-1, MQTT-3.3.1-4].
func validFirstByte(x byte) bool {
	typ, flags := mqtt.Type(x>>4), x&0x0f
	switch typ {
	case 0:
		return false
	case mqtt.Publish:
		return flags&0x06 != 0x06
	case mqtt.Pubrel, mqtt.Subscribe, mqtt.Unsubscribe:
		return flags == 0x02
	}
	return flags == 0
}

// varHeaderPlausible checks what of the variable header is present: a PUBLISH topic that fits
// and is valid UTF-8 without wildcards, a CONNECT protocol name.
func varHeaderPlausible(fh mqtt.FixedHeader, b []byte) bool {
	v := b[fh.Len:]
	switch fh.Type {
	case mqtt.Publish:
		if len(v) < 2 {
			return true
		}
		tl := int(v[0])<<8 | int(v[1])
		if tl+2 > fh.RemainingLength {
			return false
		}
		if len(v) >= 2+tl {
			topic := v[2 : 2+tl]
			return utf8.Valid(topic) && bytes.IndexAny(topic, "+#\x00") < 0
		}
	case mqtt.Connect:
		return connectName(v) != no
	}
	return true
}

// connectName says whether v starts with the protocol name of a CONNECT ("MQTT" or "MQIsdp").
func connectName(v []byte) verdict {
	for _, name := range []string{"\x00\x04MQTT", "\x00\x06MQIsdp"} {
		n := min(len(v), len(name))
		if string(v[:n]) == name[:n] {
			if n < len(name) {
				return more
			}
			return yes
		}
	}
	return no
}

func validPacket(b []byte) bool {
	for _, v := range []mqtt.Version{mqtt.V311, mqtt.V5} {
		if _, err := mqtt.Parse(b, v); err == nil {
			return true
		}
	}
	return false
}

// detect decides whether a conversation on a port that is not an MQTT port carries MQTT, from
// the bytes buffered in half i.
func (c *Conversation) detect(t *Tracker, i int) {
	h := &c.half[i]
	b := h.buf[h.r:]
	if len(b) == 0 {
		return
	}
	if !h.resync {
		// The stream starts here: MQTT starts with CONNECT from the client [MQTT-3.1.0-1].
		fh, err := mqtt.ReadFixedHeader(b)
		switch {
		case err == nil && b[0] == 0x10 && connectName(b[fh.Len:]) == yes:
			if len(b) >= fh.PacketLen() && !validPacket(b[:fh.PacketLen()]) {
				break
			}
			c.Kind, c.KindRule = KindMQTT, "connect"
			return
		case errors.Is(err, mqtt.ErrIncomplete) && len(b) < 5 && validFirstByte(b[0]):
			return
		case err == nil && b[0] == 0x10 && connectName(b[fh.Len:]) == more:
			return
		}
	}
	j, found := 0, !h.resync
	if h.resync {
		j, found = Resync(b, 0, t.cfg.MaxMessage)
	}
	count, pos := 0, j
	for found && pos < len(b) {
		fh, err := mqtt.ReadFixedHeader(b[pos:])
		if err != nil || !validFirstByte(b[pos]) || fh.PacketLen() > len(b)-pos || !validPacket(b[pos:pos+fh.PacketLen()]) {
			break
		}
		count++
		pos += fh.PacketLen()
	}
	switch {
	case found && pos == len(b) && count >= 2:
		c.Kind, c.KindRule = KindMQTT, "framing"
	case !h.resync && plausible(b, t.cfg.MaxMessage) == no:
		c.Kind, c.KindRule = KindOther, "its first bytes are not an MQTT packet"
	case len(b) > t.cfg.DetectBytes:
		c.Kind, c.KindRule = KindOther, "no MQTT framing found in its first bytes"
	}
	if c.Kind == KindOther {
		c.half[0].discard()
		c.half[1].discard()
		if c.holding {
			c.holding = false
		}
	}
}

// wantLen returns the length of the packet that b starts, or 0 when b is too short to say.
func wantLen(b []byte) int {
	fh, err := mqtt.ReadFixedHeader(b)
	if err != nil {
		return 0
	}
	return fh.PacketLen()
}
