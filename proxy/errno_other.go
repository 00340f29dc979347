//go:build !unix

package proxy

import "errors"

var errTooManyFiles = errors.New("proxy: too many open files")
