package capture

import (
	"errors"
	"fmt"
)

// Errors that a *FormatError wraps (besides io.ErrUnexpectedEOF for a truncated file).
var (
	// ErrFormat means the input is not a valid capture file.
	ErrFormat = errors.New("capture: invalid format")
	// ErrUnsupported means the input is valid but uses a feature this package does not handle.
	ErrUnsupported = errors.New("capture: unsupported feature")
	// ErrTooLarge means a block exceeds Config.MaxBlockSize or another limit of this package.
	ErrTooLarge = errors.New("capture: block too large")
)

// FormatError reports a problem in the input at a position.
type FormatError struct {
	Offset int64  // file offset of the record or block (or header) holding the problem
	Frame  int    // number of the frame whose record or block holds the problem; 0 if none
	Msg    string // what is wrong
	Err    error  // ErrFormat, ErrUnsupported, ErrTooLarge or io.ErrUnexpectedEOF
}

// Error returns a message such as
// "capture: offset 1234 (frame 56): record length 4294967295 exceeds limit 67108864".
func (e *FormatError) Error() string {
	if e.Frame > 0 {
		return fmt.Sprintf("capture: offset %d (frame %d): %s", e.Offset, e.Frame, e.Msg)
	}
	return fmt.Sprintf("capture: offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns e.Err, so that errors.Is(err, ErrFormat) and the like work.
func (e *FormatError) Unwrap() error { return e.Err }
