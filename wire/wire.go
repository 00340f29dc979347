// Package wire implements the .mqz container: the framing that carries a compressed capture.
//
// A .mqz file is a header, a sequence of chunks and a trailer, all little-endian:
//
//	header  magic "\x89MQZ\r\n\x1a\n" (8 bytes: a high byte, then line endings that text-mode
//	        transfers would mangle, as PNG's), format version (1 byte), codec options (1 byte),
//	        model id (32 bytes: the identifier of the models both sides must use, which the
//	        decoder checks), CRC-32C of the preceding 42 bytes (4 bytes)
//	chunk   length n (4 bytes, 1..MaxChunk), n bytes of the coded stream, CRC-32C of them
//	end     a chunk length of 0
//	trailer original size (8 bytes), CRC-32C of the original (4 bytes), CRC-32C of the
//	        preceding 12 bytes (4 bytes)
//
// Every byte is covered by a checksum, so any corruption is detected: a chunk is not released
// to the decoder before its CRC is checked, and the decoded capture is checked against the
// trailer's size and CRC. A file cut short ends in io.ErrUnexpectedEOF.
package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Magic starts every .mqz file.
const Magic = "\x89MQZ\r\n\x1a\n"

// Version is the format version this package writes and reads.
const Version = 1

// MaxChunk is the largest chunk: a reader rejects larger claims instead of allocating them.
const MaxChunk = 1 << 20

const headerLen = len(Magic) + 2 + 32 + 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum returns the CRC-32C of b, as the container uses it.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// UpdateChecksum extends the CRC-32C crc with b.
func UpdateChecksum(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }

var (
	// ErrFormat reports a file that is not a .mqz file.
	ErrFormat = errors.New("wire: not an mqz file")
	// ErrVersion reports a .mqz file of another format version.
	ErrVersion = errors.New("wire: unsupported format version")
	// ErrChecksum reports data whose checksum does not match: the file is corrupt.
	ErrChecksum = errors.New("wire: checksum mismatch")
)

// CorruptError reports corruption at a file offset.
type CorruptError struct {
	Offset int64
	What   string
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("wire: offset %d: %s: %v", e.Offset, e.What, e.Err)
}

// Unwrap returns the underlying error.
func (e *CorruptError) Unwrap() error { return e.Err }

// Header is what a .mqz file says about itself.
type Header struct {
	Version byte
	Options byte     // codec options: OptLSTM, the other bits zero
	ModelID [32]byte // identifier of the models the coded stream needs
}

// OptLSTM is the option bit of a stream coded with an LSTM beside the context models; the
// header's ModelID then names that LSTM too.
const OptLSTM = 1

// Trailer closes a .mqz file.
type Trailer struct {
	Size int64  // length of the original capture
	CRC  uint32 // its CRC-32C
}

// Writer writes a .mqz file: the header at once, the coded stream in chunks, the trailer on
// Close. Errors are sticky.
type Writer struct {
	w     *bufio.Writer
	buf   []byte
	err   error
	total int64
}

// NewWriter writes the header h to w and returns a Writer for the coded stream.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	b := make([]byte, 0, headerLen)
	b = append(b, Magic...)
	b = append(b, Version, h.Options)
	b = append(b, h.ModelID[:]...)
	b = binary.LittleEndian.AppendUint32(b, Checksum(b))
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.Write(b); err != nil {
		return nil, err
	}
	return &Writer{w: bw, buf: make([]byte, 0, 64<<10), total: int64(len(b))}, nil
}

// Write appends coded bytes; they are written as chunks of 64 KiB.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		n += k
		if len(w.buf) == cap(w.buf) {
			w.flushChunk()
			if w.err != nil {
				// The chunk was not written, so the buffer stays full: stop here.
				return n, w.err
			}
		}
	}
	return n, nil
}

// WriteByte appends one coded byte.
func (w *Writer) WriteByte(c byte) error {
	_, err := w.Write([]byte{c})
	return err
}

func (w *Writer) flushChunk() {
	if len(w.buf) == 0 || w.err != nil {
		return
	}
	var h [4]byte
	binary.LittleEndian.PutUint32(h[:], uint32(len(w.buf)))
	w.write(h[:])
	w.write(w.buf)
	binary.LittleEndian.PutUint32(h[:], Checksum(w.buf))
	w.write(h[:])
	w.buf = w.buf[:0]
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.w.Write(b)
	w.total += int64(n)
	w.err = err
}

// Close writes the last chunk, the end mark and the trailer, and flushes.
func (w *Writer) Close(t Trailer) error {
	w.flushChunk()
	b := binary.LittleEndian.AppendUint32(nil, 0)
	tr := binary.LittleEndian.AppendUint64(nil, uint64(t.Size))
	tr = binary.LittleEndian.AppendUint32(tr, t.CRC)
	tr = binary.LittleEndian.AppendUint32(tr, Checksum(tr))
	w.write(append(b, tr...))
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// Size returns the bytes written so far.
func (w *Writer) Size() int64 { return w.total }

// Reader reads a .mqz file: it checks the header, then hands out the coded stream a chunk at
// a time, each checked before its first byte is released.
type Reader struct {
	r       *bufio.Reader
	h       Header
	chunk   []byte
	pos     int
	off     int64 // file offset of the next unread byte
	done    bool
	trailer Trailer
	err     error
}

// NewReader reads and checks the header of the .mqz file r.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	b := make([]byte, headerLen)
	n, err := io.ReadFull(br, b)
	if err != nil {
		if n >= len(Magic) && string(b[:len(Magic)]) != Magic || n > 0 && n < len(Magic) && string(b[:n]) != Magic[:n] {
			return nil, fmt.Errorf("%w (bad magic)", ErrFormat)
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("wire: reading the header: %w", err)
	}
	if string(b[:len(Magic)]) != Magic {
		return nil, fmt.Errorf("%w (bad magic %q)", ErrFormat, b[:len(Magic)])
	}
	if got := binary.LittleEndian.Uint32(b[headerLen-4:]); got != Checksum(b[:headerLen-4]) {
		return nil, &CorruptError{Offset: 0, What: "header", Err: ErrChecksum}
	}
	rd := &Reader{r: br, off: int64(headerLen)}
	rd.h.Version = b[len(Magic)]
	rd.h.Options = b[len(Magic)+1]
	copy(rd.h.ModelID[:], b[len(Magic)+2:])
	if rd.h.Version != Version {
		return nil, fmt.Errorf("%w %d (this build reads version %d)", ErrVersion, rd.h.Version, Version)
	}
	return rd, nil
}

// Header returns the file's header.
func (r *Reader) Header() Header { return r.h }

// Trailer returns the trailer, once ReadByte or Read has returned io.EOF.
func (r *Reader) Trailer() Trailer { return r.trailer }

// ReadByte returns the next byte of the coded stream; io.EOF after the last chunk (once the
// trailer has been read and checked).
func (r *Reader) ReadByte() (byte, error) {
	for r.pos == len(r.chunk) {
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	c := r.chunk[r.pos]
	r.pos++
	return c, nil
}

// Read reads coded bytes.
func (r *Reader) Read(p []byte) (int, error) {
	for r.pos == len(r.chunk) {
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.chunk[r.pos:])
	r.pos += n
	return n, nil
}

func (r *Reader) fail(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	r.err = err
	return err
}

// next reads and checks the next chunk, or the end mark and the trailer.
func (r *Reader) next() error {
	if r.err != nil {
		return r.err
	}
	if r.done {
		return io.EOF
	}
	var h [4]byte
	start := r.off
	if _, err := io.ReadFull(r.r, h[:]); err != nil {
		return r.fail(fmt.Errorf("wire: offset %d: chunk header: %w", start, unexpected(err)))
	}
	size := binary.LittleEndian.Uint32(h[:])
	r.off += 4
	if size == 0 {
		var t [16]byte
		if _, err := io.ReadFull(r.r, t[:]); err != nil {
			return r.fail(fmt.Errorf("wire: offset %d: trailer: %w", r.off, unexpected(err)))
		}
		if binary.LittleEndian.Uint32(t[12:]) != Checksum(t[:12]) {
			return r.fail(&CorruptError{Offset: r.off, What: "trailer", Err: ErrChecksum})
		}
		r.trailer = Trailer{Size: int64(binary.LittleEndian.Uint64(t[:])), CRC: binary.LittleEndian.Uint32(t[8:])}
		r.done = true
		if _, err := r.r.ReadByte(); err != io.EOF {
			if err == nil {
				err = fmt.Errorf("%w: trailing data", ErrFormat)
			}
			return r.fail(&CorruptError{Offset: r.off + 16, What: "after the trailer", Err: err})
		}
		return io.EOF
	}
	if size > MaxChunk { // compared as uint32: as an int, a size of 2^31 or more is negative on 32-bit machines
		return r.fail(&CorruptError{Offset: start, What: "chunk length", Err: fmt.Errorf("%w: %d bytes exceeds %d", ErrChecksum, size, MaxChunk)})
	}
	n := int(size)
	if cap(r.chunk) < n+4 {
		r.chunk = make([]byte, n+4)
	}
	buf := r.chunk[:n+4]
	if _, err := io.ReadFull(r.r, buf); err != nil {
		return r.fail(fmt.Errorf("wire: offset %d: chunk of %d bytes: %w", start, n, unexpected(err)))
	}
	if binary.LittleEndian.Uint32(buf[n:]) != Checksum(buf[:n]) {
		return r.fail(&CorruptError{Offset: start, What: "chunk", Err: ErrChecksum})
	}
	r.off += int64(n + 4)
	r.chunk, r.pos = buf[:n], 0
	return nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
