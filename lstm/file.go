package lstm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The model file (.mqzm), all integers little-endian:
//
//	magic     "MQZM"
//	version   uint16 (FileVersion)
//	length    uint32: the length of the body
//	body:
//	  layers, hidden, embed, features  uint16 each
//	  featShift, freqBits, mulShift    uint8 each (FeatShift, FreqBits, 24)
//	  hints, experts                   uint8 each
//	  feature set  uint8 length, then that many bytes
//	  note         uint16 length, then that many bytes
//	  embedding    Symbols x embed int16
//	  each layer, the output layer, the copy gates (a row of hidden columns a hint), then the
//	  mixing gates (a row of hidden columns for the model and for each expert, none without
//	  experts):
//	    rows x cols int8 weights, rows int32 scales, rows int32 biases
//	id        32 bytes: SHA-256 of the body, the model's identity
//	crc       uint32: CRC-32 (Castagnoli) of every byte before it
const (
	fileMagic = "MQZM"
	// FileVersion is the version of the model file format that WriteTo writes and Load reads.
	// Version 2 added the experts and their mixing gates.
	FileVersion = 2
	headerLen   = 10
	configLen   = 13
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Meta describes a quantized model; it is stored in the model file and is part of its ID.
type Meta struct {
	FeatureSet string // names the meaning of the features (at most 255 bytes)
	Note       string // free text: how the model was made (at most 65535 bytes)
}

// ID is the identity of a model: the SHA-256 of its file's body.
type ID [32]byte

// String returns the first 12 hexadecimal digits of the ID.
func (id ID) String() string { return fmt.Sprintf("%x", id[:6]) }

// FormatError reports a model file that is not valid; it wraps ErrFormat or ErrChecksum.
type FormatError struct {
	Offset int64 // where in the file the problem was found
	Msg    string
	Err    error // ErrFormat or ErrChecksum
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("lstm: model file: offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns ErrFormat or ErrChecksum.
func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a model file of a version this package does not read.
type UnsupportedError struct{ Version int }

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("lstm: model file version %d is not supported (this build reads version %d)", e.Version, FileVersion)
}

// body returns the body of q's model file.
func (q *Quantized) body() []byte {
	c := q.cfg
	b := make([]byte, 0, q.bodyLen())
	for _, v := range []int{c.Layers, c.Hidden, c.Embed, c.Features} {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	b = append(b, FeatShift, FreqBits, mulShift, byte(c.Hints), byte(c.Experts))
	b = append(b, byte(len(q.meta.FeatureSet)))
	b = append(b, q.meta.FeatureSet...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(q.meta.Note)))
	b = append(b, q.meta.Note...)
	for _, v := range q.emb {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	for _, m := range q.matrices() {
		for _, w := range m.w {
			b = append(b, byte(w))
		}
		for _, v := range m.mul {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		}
		for _, v := range m.bias {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		}
	}
	return b
}

// bodyLen returns the length of q's file body.
func (q *Quantized) bodyLen() int {
	return configLen + 1 + len(q.meta.FeatureSet) + 2 + len(q.meta.Note) + weightsLen(q.cfg)
}

// weightsLen returns the length of the weights of a model of configuration c in its file.
func weightsLen(c Config) int {
	n := 2 * Symbols * c.Embed
	for l := range c.Layers {
		n += 4 * c.Hidden * (c.inputs(l) + c.Hidden + 8)
	}
	return n + (Symbols+c.Hints+c.gates())*(c.Hidden+8)
}

// matrices returns q's weight matrices in the order of the file.
func (q *Quantized) matrices() []qmatrix {
	return append(q.layers[:len(q.layers):len(q.layers)], q.out, q.cp, q.gate)
}

// WriteTo writes q's model file to w.
func (q *Quantized) WriteTo(w io.Writer) (int64, error) {
	body := q.body()
	b := make([]byte, 0, headerLen+len(body)+len(q.id)+4)
	b = append(b, fileMagic...)
	b = binary.LittleEndian.AppendUint16(b, FileVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
	b = append(b, body...)
	b = append(b, q.id[:]...)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	n, err := w.Write(b)
	return int64(n), err
}

// Load reads a model file from r. It reads exactly the file's bytes. A file cut short gives
// an error wrapping io.ErrUnexpectedEOF; one that is not a model file, or is damaged, an error
// wrapping ErrFormat or ErrChecksum; one of another version an *UnsupportedError.
func Load(r io.Reader) (*Quantized, error) {
	var hdr [headerLen]byte
	if n, err := io.ReadFull(r, hdr[:]); err != nil {
		if n > 0 && n < len(fileMagic) && string(hdr[:n]) != fileMagic[:n] {
			return nil, &FormatError{0, "not a model file", ErrFormat}
		}
		return nil, fmt.Errorf("lstm: model file: header: %w", noEOF(err))
	}
	if string(hdr[:4]) != fileMagic {
		return nil, &FormatError{0, fmt.Sprintf("not a model file (it starts with %q)", hdr[:4]), ErrFormat}
	}
	if v := binary.LittleEndian.Uint16(hdr[4:]); v != FileVersion {
		return nil, &UnsupportedError{Version: int(v)}
	}
	blen := int64(binary.LittleEndian.Uint32(hdr[6:]))
	if blen < configLen {
		return nil, &FormatError{6, fmt.Sprintf("body of %d bytes", blen), ErrFormat}
	}
	var cfgb [configLen]byte
	if _, err := io.ReadFull(r, cfgb[:]); err != nil {
		return nil, fmt.Errorf("lstm: model file: configuration: %w", noEOF(err))
	}
	c, err := readConfig(cfgb[:])
	if err != nil {
		return nil, err
	}
	// The body's length is now bounded by the configuration's limits.
	if max := int64(configLen + 1 + 255 + 2 + 65535 + weightsLen(c)); blen > max {
		return nil, &FormatError{6, fmt.Sprintf("body of %d bytes, more than the %d a model of %v can have", blen, max, c), ErrFormat}
	}
	file := make([]byte, headerLen+blen+sha256.Size+4)
	copy(file, hdr[:])
	copy(file[headerLen:], cfgb[:])
	if _, err := io.ReadFull(r, file[headerLen+configLen:]); err != nil {
		return nil, fmt.Errorf("lstm: model file: %w", noEOF(err))
	}
	crcAt := len(file) - 4
	if got, want := crc32.Checksum(file[:crcAt], castagnoli), binary.LittleEndian.Uint32(file[crcAt:]); got != want {
		return nil, &FormatError{int64(crcAt), fmt.Sprintf("checksum %08x, the file says %08x", got, want), ErrChecksum}
	}
	body := file[headerLen : headerLen+blen]
	q, err := parseBody(c, body)
	if err != nil {
		return nil, err
	}
	if q.id != ID(file[headerLen+blen:crcAt]) {
		return nil, &FormatError{headerLen + blen, "the model's content does not match its id", ErrChecksum}
	}
	return q, nil
}

// noEOF turns io.EOF, a file that ends early, into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readConfig reads and checks the configuration at the start of a body.
func readConfig(b []byte) (Config, error) {
	u := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	c := Config{Layers: u(0), Hidden: u(1), Embed: u(2), Features: u(3), Hints: int(b[11]), Experts: int(b[12])}
	if c.Layers == 0 || c.Hidden == 0 || c.Embed == 0 || c.Hints == 0 {
		return c, &FormatError{headerLen, fmt.Sprintf("configuration %v has a zero size", c), ErrFormat}
	}
	if err := c.Verify(); err != nil {
		return c, &FormatError{headerLen, err.Error(), ErrFormat}
	}
	if b[8] != FeatShift || b[9] != FreqBits || b[10] != mulShift {
		return c, &FormatError{headerLen + 8, fmt.Sprintf("fixed-point format %d/%d/%d, want %d/%d/%d", b[8], b[9], b[10], FeatShift, FreqBits, mulShift), ErrFormat}
	}
	return c, nil
}

// parseBody reads the model from a body whose checksum is right.
func parseBody(c Config, body []byte) (*Quantized, error) {
	fail := func(off int, msg string) error { return &FormatError{int64(headerLen + off), msg, ErrFormat} }
	rd := bytes.NewReader(body[configLen:])
	pos := func() int { return len(body) - rd.Len() }
	str := func(n int) string {
		if n > rd.Len() {
			return ""
		}
		s := string(body[pos() : pos()+n])
		rd.Seek(int64(n), io.SeekCurrent)
		return s
	}
	q := &Quantized{cfg: c}
	n, _ := rd.ReadByte()
	q.meta.FeatureSet = str(int(n))
	var nl uint16
	binary.Read(rd, binary.LittleEndian, &nl)
	q.meta.Note = str(int(nl))
	if rd.Len() != weightsLen(c) {
		return nil, fail(pos(), fmt.Sprintf("%d bytes of weights, a model of %v has %d", rd.Len(), c, weightsLen(c)))
	}
	q.emb = make([]int16, Symbols*c.Embed)
	binary.Read(rd, binary.LittleEndian, q.emb)
	for l := range c.Layers {
		q.layers = append(q.layers, readMatrix(rd, 4*c.Hidden, c.inputs(l)+c.Hidden))
	}
	q.out = readMatrix(rd, Symbols, c.Hidden)
	q.cp = readMatrix(rd, c.Hints, c.Hidden)
	q.gate = readMatrix(rd, c.gates(), c.Hidden)
	q.prepare()
	for l, m := range q.matrices() {
		if err := m.check(); err != nil {
			return nil, fail(pos(), fmt.Sprintf("matrix %d: %v", l, err))
		}
	}
	q.id = sha256.Sum256(body)
	return q, nil
}

func readMatrix(rd *bytes.Reader, rows, cols int) qmatrix {
	m := qmatrix{rows: rows, cols: cols, w: make([]int8, rows*cols), mul: make([]int32, rows), bias: make([]int32, rows)}
	binary.Read(rd, binary.LittleEndian, m.w)
	binary.Read(rd, binary.LittleEndian, m.mul)
	binary.Read(rd, binary.LittleEndian, m.bias)
	return m
}

// check verifies the bounds that keep the integer arithmetic exact: weights within ±127,
// non-negative scales, biases within ±2^30.
func (m *qmatrix) check() error {
	for i, w := range m.w {
		if w == -128 {
			return fmt.Errorf("weight %d is -128", i)
		}
	}
	for r := range m.rows {
		if m.mul[r] < 0 || m.bias[r] < -1<<30 || m.bias[r] > 1<<30 {
			return fmt.Errorf("row %d: scale %d, bias %d out of range", r, m.mul[r], m.bias[r])
		}
	}
	return nil
}
