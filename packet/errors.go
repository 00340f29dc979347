package packet

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Sentinel errors. Errors returned by this package wrap one of them; test with errors.Is.
var (
	// ErrTruncated means the frame ends inside a header: the capture's snapshot length cut it.
	// It also matches io.ErrUnexpectedEOF.
	ErrTruncated error = &kindError{"truncated", io.ErrUnexpectedEOF}

	// ErrMalformed means a header is invalid: a length field out of range, a wrong version.
	ErrMalformed = errors.New("malformed")

	// ErrUnsupported means the frame is valid but not handled, such as an unknown link type.
	ErrUnsupported = errors.New("unsupported")
)

// kindError is a sentinel that also matches a more general one.
type kindError struct {
	msg  string
	also error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.also }

// A DecodeError reports where a frame failed to decode. Its message reads like
// "packet: ipv4 at offset 14: header length 4 < 20: malformed".
type DecodeError struct {
	// Layer names the header: "link", "null", "loop", "ethernet", "vlan", "mpls", "pppoe",
	// "sll", "sll2", "raw", "ipv4", "ipv6", "tcp" or "udp".
	Layer string
	// Offset is where that header starts in the frame (or in the payload given to
	// DecodeTransport).
	Offset int
	// Err says what is wrong; it wraps ErrTruncated, ErrMalformed or ErrUnsupported.
	Err error
}

func (e *DecodeError) Error() string {
	return "packet: " + e.Layer + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
}

// Unwrap returns e.Err.
func (e *DecodeError) Unwrap() error { return e.Err }

// truncated returns the error for a header that the frame cuts short, and records the cut.
func (p *Packet) truncated(layer string, off, need, have int) error {
	p.Truncated = true
	return &DecodeError{layer, off, fmt.Errorf("header needs %d bytes, have %d: %w", need, have, ErrTruncated)}
}

// malformed returns the error for an invalid header.
func malformed(layer string, off int, format string, args ...any) error {
	return &DecodeError{layer, off, fmt.Errorf(format+": %w", append(args, ErrMalformed)...)}
}
