//go:build !amd64 || purego

package lstm

// haveSIMD is false: there is no assembly for this architecture (or the purego tag is set).
const haveSIMD = false

func matvecSIMD(w []int8, x []int16, z []int32) {}
