package conv

import (
	"errors"
	"fmt"
)

var (
	// ErrGap marks bytes lost from a stream: segments never captured, or cut by the snap length.
	ErrGap = errors.New("conv: gap in the stream")
	// ErrTruncated marks a packet whose end was never seen.
	ErrTruncated = errors.New("conv: truncated packet")
	// ErrSkipped marks bytes that could not be framed as MQTT.
	ErrSkipped = errors.New("conv: bytes skipped")
)

// TruncatedError reports a packet whose end is missing.
type TruncatedError struct {
	Offset int64  // stream offset of its first byte
	Have   int    // bytes present
	Want   int    // its length per its fixed header (0 if not known)
	Why    string // what ended it
}

func (e *TruncatedError) Error() string {
	if e.Want > 0 {
		return fmt.Sprintf("conv: stream offset %d: packet truncated: %d of %d bytes: %s", e.Offset, e.Have, e.Want, e.Why)
	}
	return fmt.Sprintf("conv: stream offset %d: packet truncated after %d bytes: %s", e.Offset, e.Have, e.Why)
}

// Unwrap returns ErrTruncated.
func (e *TruncatedError) Unwrap() error { return ErrTruncated }

// SkipError reports bytes that were skipped because no MQTT packet boundary could be found.
type SkipError struct {
	Offset int64 // stream offset of the first byte skipped
	N      int
	Why    string
}

func (e *SkipError) Error() string {
	return fmt.Sprintf("conv: stream offset %d: %d bytes skipped: %s", e.Offset, e.N, e.Why)
}

// Unwrap returns ErrSkipped.
func (e *SkipError) Unwrap() error { return ErrSkipped }
