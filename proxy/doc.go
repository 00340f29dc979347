// Package proxy implements mqzip's link-compression proxy pair: an Edge that MQTT clients
// connect to as if it were the broker, and a Core beside the broker that connects to it for
// them. Only the link between the two carries compressed data; the broker sees ordinary MQTT
// (versions 3.1, 3.1.1 and 5.0, as package mqtt parses them).
//
// # Connections
//
// Every client connection gets a link connection of its own, and the core opens a broker
// connection for it: the three live and die together. If the link drops, a proxy restarts or
// the broker goes away, the client's connection is closed (with a FIN, at a packet boundary),
// the broker sees its client vanish (and publishes its will), and the client reconnects as MQTT
// clients do, through a new link connection whose models start fresh on both sides. One
// connection per client needs no client identifier, no per-message framing and no fairness
// between clients on the link; its cost is a TCP (and TLS) handshake per client connection,
// and that --max-delay can only gather the messages of one client into a link write.
//
// # Link protocol
//
// A link connection starts with an 18-byte header from the edge, which the core echoes once it
// has reached the broker:
//
//	"MQZL" | link version (1) | codec.ModelVersion | model bits | check bits |
//	model limit (4 bytes) | max packet (4) | checkpoint interval (2)
//
// Then each direction is a stream of range-coded messages (package arith), one per MQTT
// packet, with no length prefix and no framing: each side codes the packets it reads in one
// direction and decodes the other, with a codec.MessageModel per direction (directions share
// no model state, so neither side needs to know how the two streams interleave). A message
// holds an escape bit (adaptive, costing about 0.02 bit), then either the packet coded with
// the model, or, for a packet longer than the model limit, its length, its compressed length
// and its CRC-32C as raw bits, the message ending there and the packet following as a raw
// DEFLATE stream (the model codes about 1 MB/s, DEFLATE much faster). Optionally the message
// then carries check bits (a hash of what was coded), and every checkpoint-interval-th message
// the CRC-32C of the packets since the previous checkpoint, before the range coder's flush.
//
// A receiver decodes as soon as bytes arrive. The range coder reads a truncated message with
// zero bytes standing in for the missing ones and usually reports it incomplete, but may take
// a prefix of a longer message for a whole one (its flush check has 8 or 16 bits). So the
// decoder decodes each message twice: first as a probe that the model undoes, then for good
// with 0xFF bytes standing in; a complete message decodes identically whatever follows it,
// and the two decodes (hashed decision by decision) must agree, else the receiver waits for
// more bytes.
//
// # Desynchronisation and what is left to chance
//
// The two sides of a direction must keep identical models. Nothing is forwarded that fails
// these checks, and the connection is closed at the first failure (ErrDesync, counted in the
// metrics): the range coder's flush check (1 to 9 bits a message), the check bits if any,
// MQTT validation of the decoded packet (the same as the sending side applied to it), the
// checkpoint, the DEFLATE path's CRC, and a bound on how long (Config.PartialTimeout) and how
// many bytes a message may stay incomplete. A desynchronisation caused by a software fault
// shows within a message or two: decoding from a wrong model state produces garbage that the
// flush check and validation reject. The residual risk is corruption of the link's bytes, which
// TLS rules out (its records are authenticated). On a plain link, a corrupted byte that TCP's
// checksum missed went undetected long enough to deliver one valid but wrong packet in 2 of 300
// single-bit flips in TestCorruption without check bits, and in none with 8 check bits
// (Config.CheckBits: each bit costs 1/8 byte a message).
//
// # Bounds
//
// Each connection holds at most one packet of Config.MaxPacket bytes in each direction, two
// models of 2^ModelBits KiB, and 32 KiB read buffers; a stalled peer stops the reads behind it
// (TCP carries the back-pressure to the sender), and Config.WriteTimeout can disconnect it.
// Garbage, a malformed packet or a first packet other than CONNECT closes the connection with
// a logged reason (ErrRejected); other connections are not affected.
package proxy
