// Package proxy implements mqzip's link-compression proxy pair: an Edge that MQTT clients
// connect to as if it were the broker, and a Core beside the broker that connects to it for
// them. Only the link between the two carries compressed data; the broker sees ordinary MQTT
// (versions 3.1, 3.1.1 and 5.0, as package mqtt parses them).
//
// # Connections
//
// An edge carries all its clients over one link connection to the core (Config.Links makes it
// a few, each new client going to the one with the fewest), dialed when the first client
// arrives. Each client connection is a stream of that link connection, for which the core
// opens a broker connection: the client's and the broker's connections live and die together
// with the stream. A client that disconnects, or whose broker connection ends, closes its
// stream cleanly (a FIN at a packet boundary, passed on to the other side as a half-close). If
// the link drops or a proxy restarts, every client on that link connection is disconnected
// (with a FIN), the broker sees them vanish (and publishes their wills), and they reconnect as
// MQTT clients do; the edge dials a new link connection for the first of them, and every
// stream starts with fresh models on both sides. If the broker is unreachable, only the
// stream being opened fails.
//
// Why one link connection for many clients: a coded message is about 1.4 bytes, and on a
// connection per client every message became a link write of its own, and over TLS a record
// of its own, which costs 22 bytes (5 of header, 1 of content type, 16 of tag) before the TCP
// segment's 40 or more: the TLS link carried more bytes than plain MQTT. One connection lets a
// write carry the messages of every client, so the record's cost is shared; it also saves a
// TCP and TLS handshake per client connection. Its price is the framing below (a byte a frame)
// and that one link connection's flow must not let one client hold up the others.
//
// # Link protocol
//
// A link connection starts with a 22-byte header from the edge, which the core echoes at once
// if it accepts the parameters (the edge does not wait for the echo before opening streams):
//
//	"MQZL" | link version (2) | codec.ModelVersion | model bits | check bits |
//	model limit (4 bytes) | max packet (4) | checkpoint interval (2) | window (4)
//
// Then each direction is a sequence of frames, each starting with a uvarint whose low three
// bits give its kind and whose other bits the stream: an open (edge only: the core connects to
// the broker for the stream), a data frame (of 1 to 5 bytes, its length in the kind; longer,
// a uvarint length follows, at most 64 KiB), or a control frame: fin (this direction of the
// stream has ended at a packet boundary), close (with a reason byte: this side is done with
// the stream) or window (credit, below). With at most 16 streams open, a frame's header is
// one byte. The edge gives a new client the lowest stream identifier free, and an identifier
// is free again only once both sides have sent their close for it, so that no frame of a
// closed stream can be taken for one of its successor.
//
// A stream's data frames, joined, form a stream of range-coded messages (package arith), one
// per MQTT packet, with no length prefix: each side codes the packets it reads in one
// direction and decodes the other, with a codec.MessageModel per direction and per stream
// (neither streams nor directions share model state, so neither side needs to know how they
// interleave). What a stream coded while a write was under way (or within MaxDelay) goes out
// in one data frame. A message holds an escape bit (adaptive, costing about 0.02 bit), then
// either the packet coded with
// the model, or, for a packet longer than the model limit, its length, its compressed length
// and its CRC-32C as raw bits, the message ending there and the packet following as a raw
// DEFLATE stream (the model codes about 1 MB/s, DEFLATE much faster). Optionally the message
// then carries check bits (a hash of what was coded), and every checkpoint-interval-th message
// the CRC-32C of the packets since the previous checkpoint, before the range coder's flush.
//
// A receiver decodes as soon as a stream's bytes arrive. A data frame shorter than 64 KiB
// holds whole messages only (the sender stages whole messages, and splits only data longer
// than that), so when one arrives in one read its messages are decoded once each. Otherwise
// (a message split across frames or reads) the decoder cannot tell where a message ends: the
// range coder reads a truncated message with zero bytes standing in for the missing ones and
// usually reports it incomplete, but may take a prefix of a longer message for a whole one
// (its flush check has 8 or 16 bits). So there the decoder decodes each message twice: first
// as a probe that the model undoes, then for good with 0xFF bytes standing in; a complete
// message decodes identically whatever follows it, and the two decodes (hashed decision by
// decision) must agree, else the receiver waits for more bytes.
//
// # Writes, coalescing and latency
//
// The frames of all streams go through one writer per link connection. A stream's goroutine
// that adds frames while no write is under way writes them itself at once (no hand-over to
// another goroutine); frames added during a write go out together in the next one. So with
// Config.MaxDelay zero, the default, a link write carries whatever all the clients sent while
// the previous write was under way, at no cost in latency, and under load writes grow by
// themselves. A positive MaxDelay holds the first frames of an empty writer for that long, so
// that one write, and over TLS one record, carries the messages of every client in that
// interval (or 16 KiB). On the receiving side, each stream has a goroutine that decodes its
// data and writes the packets to the client or broker; but while it is idle, the link reader
// decodes a small piece of data (up to 256 bytes) itself as it arrives and writes the packets
// with a write that does not block (a raw non-blocking socket write, on Unix), so that a
// message crosses no goroutine hop. A write the socket does not take whole, a larger piece, a
// fin, a close or an error hands the stream back to its goroutine: the link reader never
// blocks on a stream, nor writes to the link. Nagle's algorithm is off on every connection.
//
// # Flow control
//
// A side may send a stream's messages only while it has credit for that stream: each stream
// starts with Window bytes (64 KiB by default; the edge's value, accepted by the core up to its
// own), each data byte sent spends one, and the receiving side grants credit back with window
// frames as its stream forwards what it received (every half window). A message is started
// only with credit left, and always sent whole, so a stream holds at most a window and one
// message at the receiver. When a client (or the broker) stops reading, its stream's goroutine
// blocks in its write, its buffer fills, the credit runs out, and the sending side stops
// reading that stream's broker (or client) connection, where TCP passes the back-pressure on
// (mosquitto then queues or drops for that client as configured); counted in Metrics as
// stalls. The link reader never blocks on a stream, so the other streams on the link carry
// on. Config.WriteTimeout, when set, closes a stream whose client or broker has not taken a
// write for that long. A link connection that cannot take the writes (the network) holds at
// most 256 KiB of frames waiting before it blocks every stream's sender: that is the link's
// own back-pressure.
//
// # Desynchronisation and what is left to chance
//
// The two sides of a direction must keep identical models. Nothing is forwarded that fails
// these checks, and the stream is closed at the first failure (ErrDesync, counted in the
// metrics; the far side closes its end on the close frame): the range coder's flush check (1
// to 9 bits a message), the check bits if any, MQTT validation of the decoded packet (the same as the sending side applied to it), the
// checkpoint, the DEFLATE path's CRC, and a bound on how long (Config.PartialTimeout) and how
// many bytes a message may stay incomplete. A desynchronisation caused by a software fault
// shows within a message or two: decoding from a wrong model state produces garbage that the
// flush check and validation reject. Frames that make no sense (an unknown stream or kind, a
// length out of range, data beyond the window or after a close) close the whole link
// connection (ErrFraming, counted as a desync), since nothing after them can be attributed to
// a stream. The residual risk is corruption of the link's bytes, which TLS rules out (its
// records are authenticated). On a plain link, a corrupted byte that TCP's checksum missed
// went undetected long enough to deliver one valid but wrong packet in 2 of 300 single-bit
// flips of coded messages in TestCorruption without check bits, and in none with 8 check bits
// (Config.CheckBits: each bit costs 1/8 byte a message); a corrupted frame header breaks the
// framing (ErrFraming) or moves bytes between frames or streams, which the streams' own checks
// then face like any corrupted byte.
//
// # Bounds
//
// Each stream holds at most one packet of Config.MaxPacket bytes in each direction on each
// side, its receive buffer at most a window and one message, and two models of 2^ModelBits
// KiB on each side; each link connection a 32 KiB read buffer and at most 256 KiB of frames
// waiting to be written. Garbage, a malformed packet or a first packet other than CONNECT
// closes that client's stream with a logged reason (ErrRejected); the other streams are not
// affected.
package proxy
