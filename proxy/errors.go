package proxy

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrDesync reports that a side decoded something its peer cannot have sent: a packet
	// that fails validation, a range-coder flush or checkpoint that does not match, or a
	// message that never completes within the bounds of a packet. The connection is closed
	// without forwarding the packet.
	ErrDesync = errors.New("proxy: link desynchronised")

	// ErrRejected reports a packet from an MQTT client or broker that the proxy refuses to
	// forward: garbage, a malformed MQTT packet, a first packet that is not CONNECT, or a
	// packet longer than Config.MaxPacket. The connection is closed.
	ErrRejected = errors.New("proxy: packet rejected")

	// ErrHandshake reports a link connection whose peer is not a compatible mqzip proxy: a
	// wrong magic, protocol or model version, or unacceptable parameters.
	ErrHandshake = errors.New("proxy: link handshake failed")

	// ErrFraming reports a link connection whose frames make no sense: an unknown stream,
	// a frame kind or length out of range, data after a stream's close, more data than the
	// stream's window allows. The link connection is closed with every stream it carries.
	ErrFraming = errors.New("proxy: link framing corrupt")

	// ErrLinkLost reports a stream closed because its link connection failed or closed.
	ErrLinkLost = errors.New("proxy: link lost")

	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("proxy: invalid configuration")
)

// A PacketError reports a problem with the n-th packet (0-based) of one direction of a
// connection. Err wraps ErrDesync or ErrRejected, and often an error of package mqtt, arith or
// codec as well.
type PacketError struct {
	Dir   Direction // the direction of the packet
	Index int64     // the packet's index within its direction
	Err   error
}

func (e *PacketError) Error() string {
	return fmt.Sprintf("proxy: %s packet %d: %s", e.Dir, e.Index, strings.TrimPrefix(e.Err.Error(), "proxy: "))
}

// Unwrap returns e.Err.
func (e *PacketError) Unwrap() error { return e.Err }

// Direction is the direction of an MQTT packet: Up from the client to the broker, Down from
// the broker to the client. The model codes them as directions 0 and 1.
type Direction int

// The directions of a connection.
const (
	Up   Direction = 0 // client to broker
	Down Direction = 1 // broker to client
)

// String returns "up" or "down".
func (d Direction) String() string {
	if d == Up {
		return "up"
	}
	return "down"
}

// desync wraps err (which may be nil) as a desynchronisation.
func desync(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrDesync}, args...)...)
}

// rejected wraps a rejected packet's reason.
func rejected(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrRejected}, args...)...)
}

func isDesync(err error) bool   { return errors.Is(err, ErrDesync) || errors.Is(err, ErrFraming) }
func isRejected(err error) bool { return errors.Is(err, ErrRejected) }
