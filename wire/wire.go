// Package wire implements the .mqz container: the framing that carries a compressed capture.
//
// The capture is cut into segments at block boundaries (see package encoder), each coded on
// its own; the container carries them in order, each with its lengths and checksums, and an
// index of them at the end. A .mqz file is a header, the segments, an end mark, the index and
// a trailer, all little-endian:
//
//	header   magic "\x89MQZ\r\n\x1a\n" (8 bytes: a high byte, then line endings that text-mode
//	         transfers would mangle, as PNG's), format version (1 byte), codec options
//	         (1 byte), model id (32 bytes: the identifier of the models both sides must use,
//	         which the decoder checks), segment size (4 bytes: the input size at which the
//	         encoder cuts segments), CRC-32C of the preceding 46 bytes (4 bytes)
//	segment  coded length n (4 bytes, 1..CodedBound(m)), input length m (4 bytes,
//	         1..MaxSegment), CRC-32C of the m input bytes (4 bytes), CRC-32C of the preceding
//	         12 bytes (4 bytes); then the n coded bytes and their CRC-32C (4 bytes)
//	end      a segment header of zero lengths and CRC (16 bytes, its own CRC-32C valid)
//	index    for each segment: its coded length n and input length m (4 bytes each)
//	trailer  number of segments (4 bytes), original size (8 bytes), CRC-32C of the original
//	         (4 bytes), CRC-32C of the index and the preceding 16 bytes (4 bytes)
//
// A stream is read front to back (Reader): each segment's lengths are checked before anything
// is allocated for them, and its coded bytes before they are released, so segments can be
// decoded in parallel as they arrive. A file can also be read from the back (ReadIndex): the
// trailer gives the number of segments, the index their lengths and so their offsets, so a
// reader can seek to any segment (ReadSegmentAt) and decode it on its own.
//
// Every byte is covered by a checksum, so any corruption is detected, and the decoded capture
// is checked against each segment's CRC and the trailer's size and CRC. A file cut short ends
// in io.ErrUnexpectedEOF.
package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Magic starts every .mqz file.
const Magic = "\x89MQZ\r\n\x1a\n"

// Version is the format version this package writes and reads.
const Version = 2

// Segment sizes: the range of Header.SegmentSize, and the largest input a segment may hold (a
// segment is cut before the block that would take it past the segment size, unless it is
// the segment's first block: one block may be larger, up to MaxSegment).
const (
	MinSegmentSize = 4 << 10
	MaxSegmentSize = 64 << 20
	MaxSegment     = 64 << 20
)

// HeaderLen is the length of a .mqz header.
const HeaderLen = len(Magic) + 2 + 32 + 4 + 4

// SegmentHeaderLen is the length of a segment header (and of the end mark).
const SegmentHeaderLen = 16

// TrailerLen is the length of the trailer.
const TrailerLen = 20

// CodedBound returns the largest coded length of a segment of m input bytes: the encoder
// refuses to write more (no real input comes near: the models cost at most a little over
// 8 bits a byte), and a reader treats more as a damaged file instead of allocating it.
func CodedBound(m int) int { return 2*m + 4096 }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum returns the CRC-32C of b, as the container uses it.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// UpdateChecksum extends the CRC-32C crc with b.
func UpdateChecksum(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }

var (
	// ErrFormat reports a file that is not a .mqz file, or not a well-formed one.
	ErrFormat = errors.New("wire: not an mqz file")
	// ErrVersion reports a .mqz file of another format version.
	ErrVersion = errors.New("wire: unsupported format version")
	// ErrChecksum reports data whose checksum does not match: the file is corrupt.
	ErrChecksum = errors.New("wire: checksum mismatch")
	// ErrLimit reports a segment larger than the reader was told to accept.
	ErrLimit = errors.New("wire: segment larger than the limit")
)

// CorruptError reports corruption at a file offset.
type CorruptError struct {
	Offset int64
	What   string
	Err    error
}

// Error says where the file is corrupt and how.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("wire: offset %d: %s: %v", e.Offset, e.What, e.Err)
}

// Unwrap returns the underlying error.
func (e *CorruptError) Unwrap() error { return e.Err }

// Header is what a .mqz file says about itself.
type Header struct {
	Version     byte
	Options     byte     // codec options: OptLSTM, the other bits zero
	ModelID     [32]byte // identifier of the models the coded segments need
	SegmentSize uint32   // the input size at which the encoder cuts segments
}

// OptLSTM is the option bit of a stream coded with an LSTM beside the context models; the
// header's ModelID then names that LSTM too.
const OptLSTM = 1

// Trailer closes a .mqz file.
type Trailer struct {
	Segments int    // number of segments
	Size     int64  // length of the original capture
	CRC      uint32 // its CRC-32C
}

// Segment is one coded segment of a capture.
type Segment struct {
	Index  int    // its position in the file, from 0
	Offset int64  // file offset of its header
	Start  int64  // input offset of its first byte: the capture bytes before it
	Size   int    // input length
	CRC    uint32 // CRC-32C of the input bytes
	Coded  []byte // the coded bytes, checked against their CRC-32C
}

// IndexEntry locates a segment in a .mqz file.
type IndexEntry struct {
	Index  int   // its position in the file, from 0
	Offset int64 // file offset of its header
	Start  int64 // input offset of its first byte
	Coded  int   // coded length
	Size   int   // input length
}

func (h Header) check() error {
	if h.SegmentSize < MinSegmentSize || h.SegmentSize > MaxSegmentSize {
		return fmt.Errorf("%w: segment size %d outside [%d, %d]", ErrFormat, h.SegmentSize, MinSegmentSize, MaxSegmentSize)
	}
	return nil
}

func (h Header) bytes() []byte {
	b := make([]byte, 0, HeaderLen)
	b = append(b, Magic...)
	b = append(b, h.Version, h.Options)
	b = append(b, h.ModelID[:]...)
	b = binary.LittleEndian.AppendUint32(b, h.SegmentSize)
	return binary.LittleEndian.AppendUint32(b, Checksum(b))
}

// segmentHeader returns the 16-byte header of a segment of n coded and m input bytes.
func segmentHeader(n, m int, crc uint32) []byte {
	b := make([]byte, 0, SegmentHeaderLen)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, uint32(m))
	b = binary.LittleEndian.AppendUint32(b, crc)
	return binary.LittleEndian.AppendUint32(b, Checksum(b))
}

// Writer writes a .mqz file: the header at once, the segments as they are given, the end
// mark, index and trailer on Close. Errors are sticky.
type Writer struct {
	w     *bufio.Writer
	err   error
	total int64
	index []byte
	n     int   // segments written
	size  int64 // input bytes of the segments written
}

// NewWriter writes the header h (its Version is ignored: the file gets this package's) to w
// and returns a Writer for the segments.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	h.Version = Version
	bw := bufio.NewWriterSize(w, 64<<10)
	ww := &Writer{w: bw}
	ww.write(h.bytes())
	if ww.err != nil {
		return nil, ww.err
	}
	return ww, nil
}

// WriteSegment writes a segment: its coded bytes, and the length and CRC-32C of the input
// they code.
func (w *Writer) WriteSegment(coded []byte, size int, crc uint32) error {
	if w.err != nil {
		return w.err
	}
	switch {
	case size < 1 || size > MaxSegment:
		return fmt.Errorf("wire: a segment of %d input bytes (the format allows 1 to %d)", size, MaxSegment)
	case len(coded) < 1 || len(coded) > CodedBound(size):
		return fmt.Errorf("wire: %d input bytes coded in %d bytes (the format allows 1 to %d)", size, len(coded), CodedBound(size))
	}
	w.write(segmentHeader(len(coded), size, crc))
	w.write(coded)
	w.write(binary.LittleEndian.AppendUint32(nil, Checksum(coded)))
	w.index = binary.LittleEndian.AppendUint32(w.index, uint32(len(coded)))
	w.index = binary.LittleEndian.AppendUint32(w.index, uint32(size))
	w.n++
	w.size += int64(size)
	return w.err
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.w.Write(b)
	w.total += int64(n)
	w.err = err
}

// Close writes the end mark, the index and the trailer, and flushes. t.Size must be the sum
// of the segments' input lengths; t.Segments is set by the Writer.
func (w *Writer) Close(t Trailer) error {
	if w.err == nil && t.Size != w.size {
		w.err = fmt.Errorf("wire: trailer says %d bytes, the segments hold %d", t.Size, w.size)
	}
	w.write(segmentHeader(0, 0, 0))
	tr := append(w.index, trailer(w.n, t)...)
	tr = binary.LittleEndian.AppendUint32(tr, Checksum(tr))
	w.write(tr)
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// trailer returns the first 16 bytes of the trailer.
func trailer(n int, t Trailer) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(n))
	b = binary.LittleEndian.AppendUint64(b, uint64(t.Size))
	return binary.LittleEndian.AppendUint32(b, t.CRC)
}

// Size returns the bytes written so far.
func (w *Writer) Size() int64 { return w.total }

// Reader reads a .mqz file front to back: it checks the header, then hands out the segments
// one at a time, each checked before it is returned, then checks the end mark, the index and
// the trailer.
type Reader struct {
	r       *bufio.Reader
	h       Header
	limit   int
	off     int64 // file offset of the next unread byte
	start   int64 // input offset of the next segment
	index   []byte
	done    bool
	trailer Trailer
	err     error
}

// NewReader reads and checks the header of the .mqz file r. The Reader refuses segments of
// more than limit input bytes (limit ≤ 0 or above MaxSegment: MaxSegment) with ErrLimit, so
// that what a hostile file makes it allocate is bounded: at most limit + CodedBound(limit)
// bytes a segment.
func NewReader(r io.Reader, limit int) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	b := make([]byte, HeaderLen)
	n, err := io.ReadFull(br, b)
	if err != nil {
		if n >= len(Magic) && string(b[:len(Magic)]) != Magic || n > 0 && n < len(Magic) && string(b[:n]) != Magic[:n] {
			return nil, fmt.Errorf("%w (bad magic)", ErrFormat)
		}
		if n > len(Magic) && b[len(Magic)] != Version {
			// A file of another version may have a header of another length.
			return nil, fmt.Errorf("%w %d (this build reads version %d)", ErrVersion, b[len(Magic)], Version)
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("wire: reading the header: %w", err)
	}
	if string(b[:len(Magic)]) != Magic {
		return nil, fmt.Errorf("%w (bad magic %q)", ErrFormat, b[:len(Magic)])
	}
	if b[len(Magic)] != Version {
		// Checked before the CRC: other versions may lay the header out differently.
		return nil, fmt.Errorf("%w %d (this build reads version %d)", ErrVersion, b[len(Magic)], Version)
	}
	if got := binary.LittleEndian.Uint32(b[HeaderLen-4:]); got != Checksum(b[:HeaderLen-4]) {
		return nil, &CorruptError{Offset: 0, What: "header", Err: ErrChecksum}
	}
	h := parseHeader(b)
	if err := h.check(); err != nil {
		return nil, &CorruptError{Offset: 0, What: "header", Err: err}
	}
	if limit <= 0 || limit > MaxSegment {
		limit = MaxSegment
	}
	return &Reader{r: br, h: h, limit: limit, off: int64(HeaderLen)}, nil
}

func parseHeader(b []byte) Header {
	var h Header
	h.Version = b[len(Magic)]
	h.Options = b[len(Magic)+1]
	copy(h.ModelID[:], b[len(Magic)+2:])
	h.SegmentSize = binary.LittleEndian.Uint32(b[len(Magic)+34:])
	return h
}

// Header returns the file's header.
func (r *Reader) Header() Header { return r.h }

// Trailer returns the trailer, once Next has returned io.EOF.
func (r *Reader) Trailer() Trailer { return r.trailer }

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

// Next returns the next segment, its lengths and coded bytes checked; io.EOF after the last
// one, once the end mark, the index and the trailer have been read and checked against the
// segments. The segment's Coded bytes are its own: Next does not reuse them.
func (r *Reader) Next() (Segment, error) {
	if r.err != nil {
		return Segment{}, r.err
	}
	if r.done {
		return Segment{}, io.EOF
	}
	var h [SegmentHeaderLen]byte
	at := r.off
	if _, err := io.ReadFull(r.r, h[:]); err != nil {
		return Segment{}, r.fail(fmt.Errorf("wire: offset %d: segment header: %w", at, unexpected(err)))
	}
	if binary.LittleEndian.Uint32(h[12:]) != Checksum(h[:12]) {
		return Segment{}, r.fail(&CorruptError{Offset: at, What: "segment header", Err: ErrChecksum})
	}
	r.off += SegmentHeaderLen
	n64, m64 := binary.LittleEndian.Uint32(h[:]), binary.LittleEndian.Uint32(h[4:])
	crc := binary.LittleEndian.Uint32(h[8:])
	if n64 == 0 {
		if m64 != 0 || crc != 0 {
			return Segment{}, r.fail(&CorruptError{Offset: at, What: "end mark", Err: fmt.Errorf("%w: %d input bytes in no coded bytes", ErrFormat, m64)})
		}
		return Segment{}, r.end()
	}
	// Compared as uint32, before any conversion: as ints, lengths of 2^31 or more are
	// negative on 32-bit machines.
	if m64 == 0 || m64 > MaxSegment || n64 > uint32(CodedBound(int(m64))) {
		return Segment{}, r.fail(&CorruptError{Offset: at, What: "segment header", Err: fmt.Errorf("%w: %d input bytes coded in %d bytes", ErrFormat, m64, n64)})
	}
	if m64 > uint32(r.limit) {
		return Segment{}, r.fail(&CorruptError{Offset: at, What: "segment header", Err: fmt.Errorf("%w: %d input bytes, the limit is %d", ErrLimit, m64, r.limit)})
	}
	n, m := int(n64), int(m64)
	coded, err := readGrowing(r.r, n+4)
	if err != nil {
		return Segment{}, r.fail(fmt.Errorf("wire: offset %d: segment of %d coded bytes: %w", at, n, unexpected(err)))
	}
	if binary.LittleEndian.Uint32(coded[n:]) != Checksum(coded[:n]) {
		return Segment{}, r.fail(&CorruptError{Offset: at, What: "segment", Err: ErrChecksum})
	}
	r.off += int64(n + 4)
	s := Segment{Index: len(r.index) / 8, Offset: at, Start: r.start, Size: m, CRC: crc, Coded: coded[:n:n]}
	r.start += int64(m)
	r.index = binary.LittleEndian.AppendUint32(r.index, uint32(n))
	r.index = binary.LittleEndian.AppendUint32(r.index, uint32(m))
	return s, nil
}

// readGrowing reads n bytes into a buffer that grows as they arrive, so that a length field
// alone never allocates much more than the data that follows it.
func readGrowing(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, min(n, 1<<20))
	have := 0
	for {
		k, err := io.ReadFull(r, buf[have:])
		have += k
		if err != nil {
			return buf[:have], err
		}
		if have == n {
			return buf, nil
		}
		nb := make([]byte, min(n, 2*len(buf)))
		copy(nb, buf)
		buf = nb
	}
}

// end reads the index and the trailer after the end mark and checks them against the
// segments read.
func (r *Reader) end() error {
	b := make([]byte, len(r.index)+TrailerLen)
	if _, err := io.ReadFull(r.r, b); err != nil {
		return r.fail(fmt.Errorf("wire: offset %d: index and trailer: %w", r.off, unexpected(err)))
	}
	at := r.off + int64(len(r.index))
	if binary.LittleEndian.Uint32(b[len(b)-4:]) != Checksum(b[:len(b)-4]) {
		return r.fail(&CorruptError{Offset: at, What: "index and trailer", Err: ErrChecksum})
	}
	t := parseTrailer(b[len(r.index):])
	switch {
	case t.Segments != len(r.index)/8:
		return r.fail(&CorruptError{Offset: at, What: "trailer", Err: fmt.Errorf("%w: %d segments, the file holds %d", ErrFormat, t.Segments, len(r.index)/8)})
	case string(b[:len(r.index)]) != string(r.index):
		return r.fail(&CorruptError{Offset: r.off, What: "index", Err: fmt.Errorf("%w: it does not match the segments", ErrFormat)})
	case t.Size != r.start:
		return r.fail(&CorruptError{Offset: at, What: "trailer", Err: fmt.Errorf("%w: original size %d, the segments hold %d bytes", ErrFormat, t.Size, r.start)})
	}
	r.off += int64(len(b))
	r.trailer = t
	r.done = true
	if _, err := r.r.ReadByte(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("%w: trailing data", ErrFormat)
		}
		return r.fail(&CorruptError{Offset: r.off, What: "after the trailer", Err: err})
	}
	return io.EOF
}

func parseTrailer(b []byte) Trailer {
	return Trailer{
		Segments: int(binary.LittleEndian.Uint32(b)),
		Size:     int64(binary.LittleEndian.Uint64(b[4:])),
		CRC:      binary.LittleEndian.Uint32(b[12:]),
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadIndex reads the header, the trailer and the index of the .mqz file r of size bytes,
// from its ends, and returns where each segment lies: a reader can then read any segment
// with ReadSegmentAt without reading those before it.
func ReadIndex(r io.ReaderAt, size int64) (Header, []IndexEntry, Trailer, error) {
	b := make([]byte, HeaderLen)
	if size < int64(HeaderLen+SegmentHeaderLen+TrailerLen) {
		return Header{}, nil, Trailer{}, fmt.Errorf("wire: %d bytes: %w", size, io.ErrUnexpectedEOF)
	}
	if _, err := r.ReadAt(b, 0); err != nil {
		return Header{}, nil, Trailer{}, fmt.Errorf("wire: reading the header: %w", unexpected(err))
	}
	// The same checks as a Reader's, in the same order.
	hr, err := NewReader(bytes.NewReader(b), 0)
	if err != nil {
		return Header{}, nil, Trailer{}, err
	}
	h := hr.h
	var tb [TrailerLen]byte
	if _, err := r.ReadAt(tb[:], size-TrailerLen); err != nil {
		return h, nil, Trailer{}, fmt.Errorf("wire: reading the trailer: %w", unexpected(err))
	}
	t := parseTrailer(tb[:])
	room := size - int64(HeaderLen+SegmentHeaderLen+TrailerLen)
	if t.Segments < 0 || int64(t.Segments) > room/(8+SegmentHeaderLen+5) {
		return h, nil, t, &CorruptError{Offset: size - TrailerLen, What: "trailer", Err: fmt.Errorf("%w: %d segments in a file of %d bytes", ErrFormat, t.Segments, size)}
	}
	// The end mark, then the index and the trailer.
	ib := make([]byte, SegmentHeaderLen+8*t.Segments+TrailerLen)
	at := size - int64(len(ib)) + SegmentHeaderLen
	if _, err := r.ReadAt(ib, at-SegmentHeaderLen); err != nil {
		return h, nil, t, fmt.Errorf("wire: reading the index: %w", unexpected(err))
	}
	end, ib := ib[:SegmentHeaderLen], ib[SegmentHeaderLen:]
	if binary.LittleEndian.Uint32(ib[len(ib)-4:]) != Checksum(ib[:len(ib)-4]) {
		return h, nil, t, &CorruptError{Offset: at, What: "index and trailer", Err: ErrChecksum}
	}
	if string(end) != string(segmentHeader(0, 0, 0)) {
		return h, nil, t, &CorruptError{Offset: at - SegmentHeaderLen, What: "end mark", Err: fmt.Errorf("%w: not where the index says", ErrFormat)}
	}
	es := make([]IndexEntry, t.Segments)
	off, start := int64(HeaderLen), int64(0)
	for i := range es {
		n, m := binary.LittleEndian.Uint32(ib[8*i:]), binary.LittleEndian.Uint32(ib[8*i+4:])
		if n == 0 || m == 0 || m > MaxSegment || n > uint32(CodedBound(int(m))) {
			return h, nil, t, &CorruptError{Offset: at + int64(8*i), What: "index", Err: fmt.Errorf("%w: %d input bytes coded in %d bytes", ErrFormat, m, n)}
		}
		es[i] = IndexEntry{Index: i, Offset: off, Start: start, Coded: int(n), Size: int(m)}
		off += int64(SegmentHeaderLen + int(n) + 4)
		start += int64(m)
	}
	if off+SegmentHeaderLen != at || start != t.Size {
		return h, nil, t, &CorruptError{Offset: at, What: "index", Err: fmt.Errorf("%w: segments of %d bytes holding %d input bytes end at %d, the index starts at %d and says %d", ErrFormat, off-int64(HeaderLen), start, off+SegmentHeaderLen, at, t.Size)}
	}
	return h, es, t, nil
}

// ReadSegmentAt reads and checks the segment that e (from ReadIndex) locates in r.
func ReadSegmentAt(r io.ReaderAt, e IndexEntry) (Segment, error) {
	b := make([]byte, SegmentHeaderLen+e.Coded+4)
	if _, err := r.ReadAt(b, e.Offset); err != nil {
		return Segment{}, fmt.Errorf("wire: offset %d: segment: %w", e.Offset, unexpected(err))
	}
	if binary.LittleEndian.Uint32(b[12:]) != Checksum(b[:12]) {
		return Segment{}, &CorruptError{Offset: e.Offset, What: "segment header", Err: ErrChecksum}
	}
	if int(binary.LittleEndian.Uint32(b)) != e.Coded || int(binary.LittleEndian.Uint32(b[4:])) != e.Size {
		return Segment{}, &CorruptError{Offset: e.Offset, What: "segment header", Err: fmt.Errorf("%w: it does not match the index", ErrFormat)}
	}
	coded := b[SegmentHeaderLen : SegmentHeaderLen+e.Coded]
	if binary.LittleEndian.Uint32(b[SegmentHeaderLen+e.Coded:]) != Checksum(coded) {
		return Segment{}, &CorruptError{Offset: e.Offset, What: "segment", Err: ErrChecksum}
	}
	return Segment{Index: e.Index, Offset: e.Offset, Start: e.Start, Size: e.Size, CRC: binary.LittleEndian.Uint32(b[8:]), Coded: coded}, nil
}
