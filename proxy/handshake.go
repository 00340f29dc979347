package proxy

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/mqzip/mqzip/codec"
)

// linkVersion numbers the link protocol described in the package documentation.
const linkVersion = 2

// headerLen is the length of the link handshake header.
const headerLen = 22

var magic = [4]byte{'M', 'Q', 'Z', 'L'}

// params are the model parameters of a link connection: the edge sends them, the core checks
// them against its limits and echoes them.
type params struct {
	modelBits  uint
	modelLimit int
	maxPacket  int
	checkEvery int
	checkBits  uint
	window     int
}

func paramsOf(c *Config) params {
	return params{c.ModelBits, c.ModelLimit, c.MaxPacket, c.CheckEvery, c.CheckBits, c.Window}
}

// header returns the handshake header that announces p:
//
//	"MQZL" | link version | model version | model bits | check bits | model limit (4) | max packet (4) |
//	check interval (2) | window (4)
//
// with the integers big-endian.
func (p params) header() []byte {
	h := make([]byte, headerLen)
	copy(h, magic[:])
	h[4], h[5], h[6], h[7] = linkVersion, byte(codec.ModelVersion), byte(p.modelBits), byte(p.checkBits)
	binary.BigEndian.PutUint32(h[8:], uint32(p.modelLimit))
	binary.BigEndian.PutUint32(h[12:], uint32(p.maxPacket))
	binary.BigEndian.PutUint16(h[16:], uint16(p.checkEvery))
	binary.BigEndian.PutUint32(h[18:], uint32(p.window))
	return h
}

// readHeader reads and parses a handshake header.
func readHeader(r io.Reader) (params, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return params{}, fmt.Errorf("%w: reading header: %w", ErrHandshake, err)
	}
	switch {
	case [4]byte(h[:4]) != magic:
		return params{}, fmt.Errorf("%w: not an mqzip link (starts % x)", ErrHandshake, h[:4])
	case h[4] != linkVersion:
		return params{}, fmt.Errorf("%w: link protocol version %d, want %d", ErrHandshake, h[4], linkVersion)
	case h[5] != byte(codec.ModelVersion):
		return params{}, fmt.Errorf("%w: model version %d, want %d: run the same mqzip release on both sides", ErrHandshake, h[5], codec.ModelVersion)
	}
	return params{
		modelBits:  uint(h[6]),
		modelLimit: int(binary.BigEndian.Uint32(h[8:])),
		maxPacket:  int(binary.BigEndian.Uint32(h[12:])),
		checkEvery: int(binary.BigEndian.Uint16(h[16:])),
		checkBits:  uint(h[7]),
		window:     int(binary.BigEndian.Uint32(h[18:])),
	}, nil
}

// acceptable reports why a core with configuration c refuses the edge's parameters p, if it
// does.
func (p params) acceptable(c *Config) error {
	switch {
	case p.modelBits < 6 || p.modelBits > c.ModelBits:
		return fmt.Errorf("%w: edge asks for %d model bits, this core allows 6 to %d", ErrHandshake, p.modelBits, c.ModelBits)
	case p.modelLimit < 16 || p.modelLimit > 1<<16:
		return fmt.Errorf("%w: edge's model limit %d outside 16 to 65536", ErrHandshake, p.modelLimit)
	case p.checkBits > 16:
		return fmt.Errorf("%w: edge asks for %d check bits per message, at most 16", ErrHandshake, p.checkBits)
	case p.maxPacket < 1 || p.maxPacket > c.MaxPacket:
		return fmt.Errorf("%w: edge's max packet %d outside 1 to %d", ErrHandshake, p.maxPacket, c.MaxPacket)
	case p.window < 1<<10 || p.window > c.Window:
		return fmt.Errorf("%w: edge's window %d outside 1 KiB to %d", ErrHandshake, p.window, c.Window)
	}
	return nil
}
