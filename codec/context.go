package codec

import (
	"encoding/binary"
	"slices"
)

// ngSHB is the block type of a pcapng section header (a palindrome: the same in both byte
// orders).
const ngSHB = 0x0a0d0d0a

// minIDB is the length of the shortest pcapng interface description block the models read a
// link type from.
const minIDB = 20

// Context holds the structural facts of a capture that its blocks depend on from earlier
// blocks: how the pcap file header or the current pcapng section says to read what follows.
// Everything else the models know is learnt statistics, which a segment may start without;
// these facts it may not. So a segment is coded starting with its Context (see NewEncoder):
// it can then be decoded on its own, and segments can be coded in parallel.
//
// The zero Context is that of the start of a capture. Observe advances a Context over a block
// exactly as the coding loop does; the encoder's splitter runs it on the blocks it reads, so
// it knows each segment's Context before any of them is coded.
//
// The snapshot length and the pcapng timestamp resolution are not part of it: no model reads
// them (pcapng timestamps are modelled as microseconds whatever if_tsresol says, which only
// costs prediction accuracy, never correctness).
type Context struct {
	BigEndian  bool     // the pcap file or the current pcapng section is big-endian
	Nano       bool     // pcap timestamps are in nanoseconds
	Modified   bool     // Kuznetzov's modified pcap (24-byte record headers)
	Link       uint16   // the pcap file's link type
	Interfaces []uint16 // the link types of the current pcapng section's interfaces, by id
}

// Clone returns a copy of c that shares no memory with it.
func (c Context) Clone() Context {
	c.Interfaces = slices.Clone(c.Interfaces)
	return c
}

// Equal reports whether c and o hold the same facts.
func (c Context) Equal(o Context) bool {
	return c.BigEndian == o.BigEndian && c.Nano == o.Nano && c.Modified == o.Modified &&
		c.Link == o.Link && slices.Equal(c.Interfaces, o.Interfaces)
}

// IsZero reports whether c is the Context of the start of a capture.
func (c Context) IsZero() bool { return c.Equal(Context{}) }

// Observe advances c over a block of the given kind with its exact bytes, as coding the block
// does.
func (c *Context) Observe(kind Kind, raw []byte) {
	switch kind {
	case KindPcapHeader:
		if len(raw) >= 24 {
			c.pcapHeader(raw)
		}
	case KindNgBlock:
		if len(raw) < 12 {
			return
		}
		o := c.order()
		switch o.Uint32(raw) {
		case ngSHB:
			c.section(raw)
		case 1:
			if o.Uint32(raw[4:]) >= minIDB && len(raw) >= minIDB {
				c.iface(raw)
			}
		}
	}
}

// order returns the byte order c says.
func (c *Context) order() binary.ByteOrder {
	if c.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// pcapHeader takes the facts of a 24-byte pcap file header.
func (c *Context) pcapHeader(b []byte) {
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34:
		c.BigEndian = false
	default:
		c.BigEndian = true
	}
	o := c.order()
	c.Nano = o.Uint32(b) == 0xa1b23c4d
	c.Link = uint16(o.Uint32(b[20:]))
	c.Modified = o.Uint32(b) == 0xa1b2cd34
}

// section takes the byte order of a pcapng section header (its first 12 bytes) and forgets
// the previous section's interfaces.
func (c *Context) section(b []byte) {
	c.BigEndian = binary.LittleEndian.Uint32(b[8:]) != 0x1a2b3c4d
	// A new slice, not Interfaces[:0]: copies of c may still share the old one.
	c.Interfaces = nil
}

// iface takes the link type of an interface description block.
func (c *Context) iface(b []byte) {
	c.Interfaces = append(c.Interfaces, c.order().Uint16(b[8:]))
}

// code codes the context at the start of a segment: a flag for the zero Context, else its
// fields, as raw bits (a few bytes per segment). The decoder refuses more interfaces than
// maxIfaces.
func (s *state) codeContext(c Context, maxIfaces int64) Context {
	s.account(CatCapture, 0)
	zero := 0
	if c.IsZero() {
		zero = 1
	}
	if s.k.raw(uint32(zero), 1) == 1 {
		return Context{}
	}
	var flags uint32
	if c.BigEndian {
		flags |= 1
	}
	if c.Nano {
		flags |= 2
	}
	if c.Modified {
		flags |= 4
	}
	flags = s.k.raw(flags, 3)
	var out Context
	out.BigEndian, out.Nano, out.Modified = flags&1 != 0, flags&2 != 0, flags&4 != 0
	out.Link = uint16(s.k.raw(uint32(c.Link), 16))
	n := s.k.raw(uint32(len(c.Interfaces)), 32)
	if !s.enc && int64(n) > maxIfaces {
		s.k.fail(errCorrupt("segment context with %d interfaces, more than %d bytes of capture before it can describe", n, maxIfaces*minIDB))
		return out
	}
	if n > 0 && s.k.err == nil {
		out.Interfaces = make([]uint16, n)
		for i := range out.Interfaces {
			var v uint16
			if s.enc {
				v = c.Interfaces[i]
			}
			out.Interfaces[i] = uint16(s.k.raw(uint32(v), 16))
		}
	}
	if s.k.err == nil && out.IsZero() {
		s.k.fail(errCorrupt("the zero segment context coded in full"))
	}
	return out
}

// setContext makes c the state's context.
func (s *state) setContext(c Context) {
	s.ctx = c
	s.order = c.order()
}
