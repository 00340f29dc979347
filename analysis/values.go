package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value is one numeric value found in a payload. Key is the JSON path ("env.t", "list[2]"),
// the key of a key=value pair, or "" for a payload that is a plain number.
type Value struct {
	Key   string
	Value float64
}

// maxValues caps the values taken from one payload.
const maxValues = 32

// maxValuePayload is the longest payload searched for values.
const maxValuePayload = 64 << 10

// Values returns the numeric values a payload carries, in the order they appear: the payload
// itself when it is a plain number ("23.5", " 7\n"); the numbers of a JSON object or array,
// nested ones under dotted paths, numeric strings included ({"t":"21.5"}); or the numeric
// values of key=value or key:value pairs separated by commas, semicolons, ampersands, spaces
// or newlines ("t=21.5;h=40"). It returns at most 32 values, and none for a payload that is
// not valid UTF-8 text or is longer than 64 KiB.
func Values(payload []byte) []Value {
	if len(payload) == 0 || len(payload) > maxValuePayload || !utf8.Valid(payload) {
		return nil
	}
	s := bytes.TrimSpace(payload)
	if v, ok := number(s); ok {
		return []Value{{Value: v}}
	}
	if len(s) > 0 && (s[0] == '{' || s[0] == '[') {
		return jsonValues(s)
	}
	return pairValues(s)
}

// number parses s as a finite decimal number (no hexadecimal, no "Inf" or "NaN").
func number(s []byte) (float64, bool) {
	if len(s) == 0 || len(s) > 64 {
		return 0, false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// jsonLevel is one open object or array while walking a JSON document.
type jsonLevel struct {
	name  string // its key or [index] in the enclosing level
	array bool
	index int // next element's index, in an array
}

// jsonWalk walks a JSON document token by token, naming each value by its path.
type jsonWalk struct {
	stack   []jsonLevel
	key     string
	haveKey bool
}

// name returns the name of the element about to start: its key, or its [index].
func (w *jsonWalk) name() string {
	if n := len(w.stack); n > 0 && w.stack[n-1].array {
		return "[" + strconv.Itoa(w.stack[n-1].index) + "]"
	}
	if w.haveKey {
		return w.key
	}
	return ""
}

// path returns the dotted path of the element about to start.
func (w *jsonWalk) path() string {
	var b strings.Builder
	for _, l := range w.stack {
		writeElem(&b, l.name)
	}
	writeElem(&b, w.name())
	return b.String()
}

// done ends an element: the key is used up, an enclosing array moves to its next index.
func (w *jsonWalk) done() {
	w.haveKey = false
	if n := len(w.stack); n > 0 && w.stack[n-1].array {
		w.stack[n-1].index++
	}
}

func jsonValues(s []byte) []Value {
	d := json.NewDecoder(bytes.NewReader(s))
	d.UseNumber()
	var out []Value
	var w jsonWalk
	for len(out) < maxValues {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if n := len(w.stack); n > 0 && !w.stack[n-1].array && !w.haveKey {
			if k, ok := tok.(string); ok {
				w.key, w.haveKey = k, true
				continue
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				if len(w.stack) >= 16 {
					return out
				}
				w.stack = append(w.stack, jsonLevel{name: w.name(), array: t == '['})
				w.haveKey = false
				continue
			}
			if len(w.stack) == 0 {
				return out
			}
			w.stack = w.stack[:len(w.stack)-1]
		case json.Number:
			if v, err := t.Float64(); err == nil && !math.IsInf(v, 0) {
				out = append(out, Value{Key: w.path(), Value: v})
			}
		case string:
			if v, ok := number([]byte(strings.TrimSpace(t))); ok {
				out = append(out, Value{Key: w.path(), Value: v})
			}
		}
		w.done()
	}
	return out
}

func writeElem(b *strings.Builder, p string) {
	if p == "" {
		return
	}
	if b.Len() > 0 && p[0] != '[' {
		b.WriteByte('.')
	}
	b.WriteString(p)
}

// pairValues finds key=value and key:value pairs with numeric values.
func pairValues(s []byte) []Value {
	var out []Value
	for _, tok := range bytes.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '&' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	}) {
		i := bytes.IndexAny(tok, "=:")
		if i <= 0 || i == len(tok)-1 {
			continue
		}
		if v, ok := number(tok[i+1:]); ok {
			out = append(out, Value{Key: string(tok[:i]), Value: v})
			if len(out) == maxValues {
				break
			}
		}
	}
	return out
}
