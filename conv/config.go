package conv

import "fmt"

// Config tunes a Tracker. The zero value of each field selects its default.
type Config struct {
	// MQTTPorts are TCP ports whose traffic is always dissected as MQTT, without detection.
	// Default: 1883.
	MQTTPorts []uint16
	// ServerPorts are ports that identify the broker's side of a connection (the port rule).
	// The MQTTPorts are server ports too. Default: 1883 and 8883 (MQTT over TLS: its traffic is
	// only dissected when it is not encrypted, which detection finds out).
	ServerPorts []uint16
	// NoDetect turns off recognising MQTT by its framing on other ports.
	NoDetect bool
	// MaxMessage is the largest MQTT packet that is reassembled, in bytes; a fixed header that
	// announces more is treated as a framing error. Default 16 MiB (MQTT allows 256 MiB).
	MaxMessage int
	// MaxPending is how many out-of-order bytes a direction may hold while it waits for a
	// missing segment; past it the missing bytes are declared lost (a gap). Default 4 MiB.
	MaxPending int
	// MaxConversations bounds the connections tracked at once; past it the least recently
	// active one is closed (its partial messages are delivered as truncated). Default 65536.
	MaxConversations int
	// DetectBytes is how many bytes a direction of a connection on a non-MQTT port may buffer
	// before the connection is judged not to be MQTT. Default 64 KiB.
	DetectBytes int
	// HoldFrames is the longest, in frames, that a conversation may hold its messages back
	// while its protocol version or direction is undecided. Default 20000.
	HoldFrames int
	// GuessMessages is how many messages a conversation without CONNECT collects before its
	// version is guessed. Default 8.
	GuessMessages int
}

func (c Config) withDefaults() (Config, error) {
	if c.MQTTPorts == nil {
		c.MQTTPorts = []uint16{1883}
	}
	if c.ServerPorts == nil {
		c.ServerPorts = []uint16{1883, 8883}
	}
	def := func(v *int, d int, name string) error {
		if *v < 0 {
			return fmt.Errorf("conv: %s %d is negative", name, *v)
		}
		if *v == 0 {
			*v = d
		}
		return nil
	}
	for _, f := range []struct {
		v    *int
		d    int
		name string
	}{
		{&c.MaxMessage, 16 << 20, "MaxMessage"},
		{&c.MaxPending, 4 << 20, "MaxPending"},
		{&c.MaxConversations, 65536, "MaxConversations"},
		{&c.DetectBytes, 64 << 10, "DetectBytes"},
		{&c.HoldFrames, 20000, "HoldFrames"},
		{&c.GuessMessages, 8, "GuessMessages"},
	} {
		if err := def(f.v, f.d, f.name); err != nil {
			return c, err
		}
	}
	if c.MaxMessage > 256<<20+5 {
		return c, fmt.Errorf("conv: MaxMessage %d exceeds MQTT's limit of 256 MiB", c.MaxMessage)
	}
	return c, nil
}

func (c *Config) isMQTTPort(p uint16) bool { return contains(c.MQTTPorts, p) }

func (c *Config) isServerPort(p uint16) bool {
	return contains(c.ServerPorts, p) || contains(c.MQTTPorts, p)
}

func contains(s []uint16, p uint16) bool {
	for _, q := range s {
		if q == p {
			return true
		}
	}
	return false
}
