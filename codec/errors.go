package codec

import (
	"errors"
	"fmt"
)

// ErrCorrupt reports a coded stream that no encoder could have produced.
var ErrCorrupt = errors.New("codec: corrupt stream")

func errCorrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}
