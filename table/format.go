package table

import (
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

func appUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }

func appInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

func appBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, '1')
	}
	return append(dst, '0')
}

// appHex8 appends 0x-prefixed two-digit hex, as Wireshark shows 8-bit flag fields.
func appHex8(dst []byte, v byte) []byte {
	return append(dst, '0', 'x', hexDigits[v>>4], hexDigits[v&15])
}

// appHex16 appends 0x-prefixed four-digit hex (tcp.flags).
func appHex16(dst []byte, v uint16) []byte {
	return append(dst, '0', 'x', hexDigits[v>>12], hexDigits[v>>8&15], hexDigits[v>>4&15], hexDigits[v&15])
}

// appBytes appends b as lower-case hex without separators.
func appBytes(dst []byte, b []byte) []byte {
	for _, x := range b {
		dst = append(dst, hexDigits[x>>4], hexDigits[x&15])
	}
	return dst
}

// appSeconds appends ns nanoseconds as seconds with nine decimals ("1585066910.541759000").
func appSeconds(dst []byte, ns int64) []byte {
	if ns < 0 {
		dst = append(dst, '-')
		ns = -ns
	}
	dst = strconv.AppendInt(dst, ns/1e9, 10)
	frac := ns % 1e9
	var d [10]byte
	d[0] = '.'
	for i := 9; i >= 1; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(dst, d[:]...)
}

// appText appends s with invalid UTF-8 and control characters escaped as \xNN (a backslash as
// \\), so that any byte string survives a CSV round trip readably and reversibly.
func appText[T string | []byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		if c == '\\' {
			dst = append(dst, '\\', '\\')
			i++
			continue
		}
		r, n := decodeRune(s[i:])
		if r == utf8.RuneError && n <= 1 || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			i++
			continue
		}
		dst = append(dst, s[i:i+n]...)
		i += n
	}
	return dst
}

// isText reports whether b is valid UTF-8 without control characters other than tab, CR, LF.
func isText(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		i += n
	}
	return true
}

func decodeRune[T string | []byte](s T) (rune, int) {
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v)
	case []byte:
		return utf8.DecodeRune(v)
	}
	return utf8.RuneError, 1
}
