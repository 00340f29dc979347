package proxy

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Config tunes an Edge or a Core. The zero value is the default for every field. The edge's
// model parameters (ModelBits, ModelLimit, CheckEvery, CheckBits, MaxPacket) and Window travel
// to the core in the link handshake and govern both directions of every stream of that link
// connection; a core accepts them when they lie within its own limits (ModelBits, MaxPacket
// and Window no larger than its own).
type Config struct {
	// MaxDelay is how long a side may hold coded messages so as to send those of all the
	// link's clients in one link write (one TLS record). Zero, the default, writes as soon as
	// the link is free: whatever the clients coded while the previous write was under way goes
	// out in the next one, which costs no latency. A positive delay trades latency for fewer
	// link writes, and so fewer TLS records and TCP/IP headers.
	MaxDelay time.Duration

	// Links is the number of link connections an edge keeps to its core (default 1); each
	// carries the streams of many clients, a new client going to the one with the fewest.
	// Range 1 to 64. A core ignores it.
	Links int

	// Window is each stream's receive window in link bytes (default 64 KiB): a side sends a
	// stream's coded messages only while the far side has granted it credit, which the far
	// side returns as it forwards them. A client or broker that stops reading thus holds at
	// most Window bytes, plus one message, at the far side, and stops the reads of its own
	// stream only, never the shared link. The edge's value travels to the core, which accepts
	// it up to its own. Range 1 KiB to 1 GiB.
	Window int

	// MaxPacket is the largest MQTT packet forwarded, in bytes (default 16 MiB); a longer one
	// closes its connection. It also bounds each connection's buffers.
	MaxPacket int

	// ModelBits is the log2 of the number of byte contexts of each direction's model (default
	// 9: 512 KiB per direction, 1 MiB per connection on each side). Range 6 to 16.
	ModelBits uint

	// ModelLimit is the longest packet coded with the model (default 4096 bytes); longer ones
	// are compressed with DEFLATE on their own, which is much faster per byte. Range 16 to
	// 65536.
	ModelLimit int

	// CheckEvery makes every n-th message of each direction carry a CRC-32 of the packets
	// coded since the previous checkpoint, about 4 bytes (default 128; a negative value turns
	// checkpoints off). Range up to 65535.
	CheckEvery int

	// CheckBits makes every message carry that many bits (0 to 16, default 0) of a hash of
	// its content, which the far side checks before forwarding the packet: a desynchronised
	// or corrupted message then goes undetected with probability 2^-CheckBits beyond the
	// range coder's own check. Each bit costs 1/8 byte per message. TLS makes corruption on
	// the link impossible, so the bits only guard against software faults there.
	CheckBits uint

	// DialTimeout bounds connecting to the link or the broker (default 10 s).
	DialTimeout time.Duration

	// HandshakeTimeout bounds the TLS and link handshakes (default 10 s).
	HandshakeTimeout time.Duration

	// PartialTimeout is how long a side waits for more bytes of a link message whose start
	// has arrived before it takes the link for desynchronised (default 30 s). The far side
	// always sends whole messages, so only a desynchronised stream, or a link that delivers
	// nothing for that long, leaves a message incomplete.
	PartialTimeout time.Duration

	// WriteTimeout, when positive, closes a stream whose client or broker does not take a
	// write within that time, and a link connection that does not. Zero, the default, lets a
	// stalled peer hold its stream: its buffers stay bounded, its credit runs out and the far
	// side stops reading for it (see the package documentation).
	WriteTimeout time.Duration

	// Logger receives connection events and errors (default: a logger that discards).
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultMaxPacket  = 16 << 20
	DefaultModelBits  = 9
	DefaultModelLimit = 4096
	DefaultCheckEvery = 128
	DefaultTimeout    = 10 * time.Second
	DefaultPartial    = 30 * time.Second
	DefaultLinks      = 1
	DefaultWindow     = 64 << 10
)

// Verify reports an invalid field, wrapping ErrConfig.
func (c *Config) Verify() error {
	switch {
	case c.MaxDelay < 0:
		return fmt.Errorf("%w: negative max delay %v", ErrConfig, c.MaxDelay)
	case c.MaxPacket < 0 || c.MaxPacket > 1<<28:
		return fmt.Errorf("%w: max packet %d outside 1 to 256 MiB", ErrConfig, c.MaxPacket)
	case c.ModelBits != 0 && (c.ModelBits < 6 || c.ModelBits > 16):
		return fmt.Errorf("%w: model bits %d outside 6 to 16", ErrConfig, c.ModelBits)
	case c.ModelLimit != 0 && (c.ModelLimit < 16 || c.ModelLimit > 1<<16):
		return fmt.Errorf("%w: model limit %d outside 16 to 65536", ErrConfig, c.ModelLimit)
	case c.Links < 0 || c.Links > 64:
		return fmt.Errorf("%w: %d links outside 1 to 64", ErrConfig, c.Links)
	case c.Window != 0 && (c.Window < 1<<10 || c.Window > 1<<30):
		return fmt.Errorf("%w: window %d outside 1 KiB to 1 GiB", ErrConfig, c.Window)
	case c.CheckEvery > 0xFFFF:
		return fmt.Errorf("%w: check interval %d above 65535", ErrConfig, c.CheckEvery)
	case c.CheckBits > 16:
		return fmt.Errorf("%w: %d check bits above 16", ErrConfig, c.CheckBits)
	case c.DialTimeout < 0 || c.HandshakeTimeout < 0 || c.WriteTimeout < 0 || c.PartialTimeout < 0:
		return fmt.Errorf("%w: negative timeout", ErrConfig)
	}
	return nil
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.MaxPacket == 0 {
		c.MaxPacket = DefaultMaxPacket
	}
	if c.ModelBits == 0 {
		c.ModelBits = DefaultModelBits
	}
	if c.Links == 0 {
		c.Links = DefaultLinks
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.ModelLimit == 0 {
		c.ModelLimit = DefaultModelLimit
	}
	switch {
	case c.CheckEvery == 0:
		c.CheckEvery = DefaultCheckEvery
	case c.CheckEvery < 0:
		c.CheckEvery = 0
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultTimeout
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultTimeout
	}
	if c.PartialTimeout == 0 {
		c.PartialTimeout = DefaultPartial
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}
