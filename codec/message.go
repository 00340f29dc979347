package codec

import (
	"github.com/mqzip/mqzip/arith"
)

// MessageModel is the model of one link connection for coding MQTT packets one at a time, as
// the link proxy does: each packet is coded, then the message is ended so that the far side
// can decode it at once. The encoder's and the decoder's MessageModel of a connection must see
// the same packets in the same order; each direction of the connection has its own framing and
// history, and both share the byte models.
type MessageModel struct {
	k     coder
	pay   *payloadModel
	track [2]mqttTrack
	max   int
	log   []undoEntry
	w     []int32 // the mixer's weights before the message, to undo a failed decode
}

// MessageConfig sizes a MessageModel. The zero value is the default.
type MessageConfig struct {
	// SlotBits is the log2 of the number of byte contexts of each of the payload model's
	// context models (default 10: 4 MiB per connection).
	SlotBits uint
	// MaxPacket is the largest packet the decoder accepts (default 16 MiB); longer claims are
	// corruption.
	MaxPacket int
}

// NewMessageModel returns the model of a new connection.
func NewMessageModel(cfg MessageConfig) *MessageModel {
	if cfg.SlotBits == 0 || cfg.SlotBits > 20 {
		cfg.SlotBits = 10
	}
	if cfg.MaxPacket <= 0 {
		cfg.MaxPacket = 16 << 20
	}
	return &MessageModel{pay: newPayloadModel(cfg.SlotBits, nil), max: cfg.MaxPacket}
}

// Code codes one complete MQTT packet sent in direction dir (0 or 1) through c and ends the
// message. The encoder passes the packet (which must be one whole MQTT control packet: its
// fixed header says where it ends); the decoder passes nil and gets the packet, appended to
// dst. The packet's framing must be valid (mqtt.ReadFixedHeader accepts it): the proxy closes a
// connection that sends anything else.
//
// On the decoder, a failure leaves the model as it was before the call: a receiver can try to
// decode as soon as some bytes have arrived and, on an error wrapping io.ErrUnexpectedEOF, try
// again from the same bytes once more have (a fresh arith.Decoder per message reads exactly
// the message's bytes: arith.Decoder.Offset says how many). The range coder's end-of-message
// check rejects most, not all, decodes from an incomplete message (it checks 8 or 16 bits), so
// a receiver that decodes before it knows the message is complete must validate the packet,
// and must not rely on the model's state after a decode it rejects: the safe course is to
// close the connection.
func (m *MessageModel) Code(c arith.MessageCoder, dir int, pkt []byte, dst []byte) ([]byte, error) {
	m.k.c, m.k.err = c, nil
	t := &m.track[dir&1]
	enc := pkt != nil
	saved := *t
	m.log = m.log[:0]
	if !enc {
		m.k.undo = &m.log
		m.w = append(m.w[:0], m.pay.mx.w...)
	}
	start := len(dst)
	dst, err := m.code(c, dir, t, pkt, dst)
	m.k.undo = nil
	if err != nil {
		if !enc {
			for i := len(m.log) - 1; i >= 0; i-- {
				*m.log[i].m = m.log[i].old
			}
			*t = saved
			copy(m.pay.mx.w, m.w)
		}
		return dst[:start], err
	}
	t.end()
	return dst, nil
}

func (m *MessageModel) code(c arith.MessageCoder, dir int, t *mqttTrack, pkt, dst []byte) ([]byte, error) {
	start := len(dst)
	enc := pkt != nil
	for i := 0; ; i++ {
		var v byte
		if enc {
			if i >= len(pkt) {
				return dst, errCorrupt("packet of %d bytes is shorter than its fixed header says", len(pkt))
			}
			v = pkt[i]
		}
		if i >= m.max {
			return dst, errCorrupt("packet longer than %d bytes", m.max)
		}
		v = m.pay.code(&m.k, t, uint32(dir&1), v, nil)
		if m.k.err != nil {
			return dst, m.k.err
		}
		dst = append(dst, v)
		if t.push(v) {
			break
		}
	}
	if enc && len(dst)-start != len(pkt) {
		return dst, errCorrupt("packet of %d bytes is longer than its fixed header says (%d)", len(pkt), len(dst)-start)
	}
	return dst, c.EndMessage()
}
