//go:build unix

package proxy

import "syscall"

var errTooManyFiles error = syscall.EMFILE
