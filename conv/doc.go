// Package conv follows the TCP connections of a capture, reassembles each direction's byte
// stream and cuts it into MQTT control packets.
//
// A conversation is one TCP connection (Wireshark's tcp.stream): a new SYN on a 4-tuple whose
// connection was closed, or whose initial sequence number differs, starts a new one. Each
// conversation has two halves, one per direction, each with its own reassembly:
// retransmitted and overlapping bytes are trimmed, out-of-order segments wait (within a byte
// budget) for the hole before them, and a hole that is never filled becomes a gap that is
// reported on the next message; the stream then resumes at the next MQTT packet boundary that
// can be found (see [Resync]).
//
// MQTT is recognised on the configured server ports (1883 and 8883 by default) and on any other
// port by its framing: a CONNECT at the start of the client's stream, or data that tiles exactly
// into strictly valid MQTT packets. The direction (client→broker or broker→client) is decided by,
// in order: the server port, the side that sent the SYN, and packet types that only one side may
// send (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ from the client; CONNACK, SUBACK, UNSUBACK,
// PINGRESP from the broker); the rule that decided is recorded in [Conversation.DirRule].
//
// The protocol version comes from the conversation's CONNECT; without one it is guessed from the
// first packets (mqtt.GuessVersion), which are held back until the guess is made. Messages are
// delivered to the [Handler] in capture order: ordered by the number of the frame that completed
// them. A packet that is never completed is delivered as truncated when that becomes known: at
// a gap, at the end of its connection or of the capture, or when its connection is evicted.
package conv
