package table

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mqzip/mqzip/conv"
)

// ErrUnknownColumn is returned by Select for a name that is no column's name or alias.
var ErrUnknownColumn = errors.New("table: unknown column")

// Select returns the columns named, in the order named; names may be aliases (mqtt.hdrcmd). An
// empty list selects every column.
func Select(names []string) ([]Column, error) {
	all := Columns()
	if len(names) == 0 {
		return all, nil
	}
	byName := map[string]Column{}
	for _, c := range all {
		byName[c.Name] = c
		for _, a := range c.Aliases {
			byName[a] = c
		}
	}
	cols := make([]Column, 0, len(names))
	for _, n := range names {
		c, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("%w %q (mqzip csv --schema lists them)", ErrUnknownColumn, n)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// Writer writes message rows as CSV (RFC 4180: fields quoted when they hold a comma, a quote,
// a line break or leading space). Errors are sticky.
type Writer struct {
	w    *bufio.Writer
	cols []Column
	row  []byte
	val  []byte
	err  error
	rows int
}

// NewWriter returns a Writer of the given columns that writes to w.
func NewWriter(w io.Writer, cols []Column) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 256<<10), cols: cols}
}

// WriteHeader writes the header row: the column names.
func (w *Writer) WriteHeader() error {
	w.row = w.row[:0]
	for i, c := range w.cols {
		if i > 0 {
			w.row = append(w.row, ',')
		}
		w.row = appendField(w.row, []byte(c.Name))
	}
	return w.flushRow()
}

// Write writes the row of message m.
func (w *Writer) Write(m *conv.Message) error {
	if w.err != nil {
		return w.err
	}
	w.row = w.row[:0]
	var typ uint16 // the message's packet type as a bit; 0 when it has no packet
	if m.Packet != nil {
		typ = 1 << (m.Packet.Type & 15)
	}
	for i := range w.cols {
		if i > 0 {
			w.row = append(w.row, ',')
		}
		if t := w.cols[i].types; t != 0 && t&typ == 0 {
			continue // a column of other packet types: empty
		}
		start := len(w.row)
		w.row = w.cols[i].app(w.row, m)
		if !w.cols[i].plain && needsQuote(w.row[start:]) {
			w.val = append(w.val[:0], w.row[start:]...)
			w.row = appendField(w.row[:start], w.val)
		}
	}
	w.rows++
	return w.flushRow()
}

// Rows returns the number of message rows written.
func (w *Writer) Rows() int { return w.rows }

func (w *Writer) flushRow() error {
	if w.err != nil {
		return w.err
	}
	w.row = append(w.row, '\n')
	if _, err := w.w.Write(w.row); err != nil {
		w.err = fmt.Errorf("table: %w", err)
	}
	return w.err
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("table: %w", err)
	}
	return w.err
}

// appendField appends v to dst, quoted if it needs to be.
func appendField(dst, v []byte) []byte {
	if !needsQuote(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func needsQuote(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	if v[0] == ' ' || v[0] == '\t' {
		return true
	}
	for _, c := range v {
		if c <= ',' && (c == ',' || c == '"' || c == '\n' || c == '\r') {
			return true
		}
	}
	return false
}

// WriteSchema writes the schema of the given columns as CSV: name, category, aliases,
// description.
func WriteSchema(w io.Writer, cols []Column) error {
	tw := &Writer{w: bufio.NewWriter(w)}
	tw.row = append(tw.row[:0], "column,category,aliases,description"...)
	tw.flushRow()
	for _, c := range cols {
		tw.row = tw.row[:0]
		for i, v := range []string{c.Name, c.Category.String(), strings.Join(c.Aliases, " "), c.Desc} {
			if i > 0 {
				tw.row = append(tw.row, ',')
			}
			tw.row = appendField(tw.row, []byte(v))
		}
		tw.flushRow()
	}
	return tw.Flush()
}
