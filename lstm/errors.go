package lstm

import "errors"

// The sentinel errors of the package, wrapped by the errors it returns.
var (
	// ErrConfig reports an invalid configuration.
	ErrConfig = errors.New("lstm: invalid configuration")
	// ErrInput reports a symbol out of range or a feature vector of the wrong length.
	ErrInput = errors.New("lstm: invalid input")
	// ErrQuantize reports a model whose weights cannot be quantized (too large, or not numbers).
	ErrQuantize = errors.New("lstm: cannot quantize")
	// ErrFormat reports a file that is not a model file, or a model file that is not valid.
	ErrFormat = errors.New("lstm: not a valid model file")
	// ErrChecksum reports a model file whose checksum or content hash does not match.
	ErrChecksum = errors.New("lstm: model file checksum mismatch")
)
