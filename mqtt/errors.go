package mqtt

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Sentinel errors. Every error returned by this package is one of them or an *Error that
// wraps one of them, so callers can test with errors.Is.
var (
	// ErrIncomplete means that the input ends before the packet does. It wraps
	// io.ErrUnexpectedEOF.
	ErrIncomplete = fmt.Errorf("mqtt: incomplete packet: %w", io.ErrUnexpectedEOF)
	// ErrMalformed means that the packet does not follow the format of the specification
	// (a Malformed Packet in MQTT 5.0 terms).
	ErrMalformed = errors.New("mqtt: malformed packet")
	// ErrProtocol means that the packet is well formed but breaks a rule of the protocol
	// (a Protocol Error in MQTT 5.0 terms).
	ErrProtocol = errors.New("mqtt: protocol error")
	// ErrUnsupported means that the packet may be valid but this package does not handle it:
	// an unknown protocol level in a CONNECT, or an unknown Version asked of Parse.
	ErrUnsupported = errors.New("mqtt: unsupported")
)

// Error reports where a packet breaks the specification.
type Error struct {
	// Clause cites the rule: a normative statement such as "[MQTT-3.3.1-4]", or a section
	// number such as "2.2.3" where the rule has no numbered statement. It is empty for
	// ErrIncomplete. It refers to the MQTT 5.0 specification for packets parsed as 5.0 and
	// to MQTT 3.1.1 otherwise.
	Clause string
	// Offset is the position of the offending byte from the start of the packet.
	Offset int
	// Msg describes the problem.
	Msg string
	// Err is ErrMalformed, ErrProtocol, ErrUnsupported or ErrIncomplete.
	Err error
}

// Error returns a message such as "mqtt: [MQTT-3.3.1-4] offset 0: PUBLISH with QoS 3".
func (e *Error) Error() string {
	s := "mqtt: "
	switch {
	case e.Clause == "":
	case e.Clause[0] == '[':
		s += e.Clause + " "
	default:
		s += "section " + e.Clause + " "
	}
	return s + "offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }
