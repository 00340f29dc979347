//go:build unix

package proxy

import "syscall"

// rawWrites reports whether tryWrite can write without blocking.
const rawWrites = true

// tryWrite writes as much of b to the socket of c as it takes without blocking, and returns
// how much it took.
func tryWrite(c syscall.RawConn, b []byte) int {
	n := 0
	if c == nil {
		return 0
	}
	c.Write(func(fd uintptr) bool {
		for n < len(b) {
			k, err := syscall.Write(int(fd), b[n:])
			if err != nil || k <= 0 {
				break
			}
			n += k
		}
		return true // done, whether or not the socket took it all: never wait
	})
	return n
}
