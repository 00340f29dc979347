//go:build !unix

package proxy

import "syscall"

// rawWrites reports whether tryWrite can write without blocking: not here, so the link
// reader never decodes inline.
const rawWrites = false

// tryWrite writes nothing.
func tryWrite(syscall.RawConn, []byte) int { return 0 }
