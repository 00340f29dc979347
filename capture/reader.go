package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

const (
	bufioSize = 64 << 10 // size of the bufio.Reader in front of the input
	minBuf    = 64 << 10 // first size of the buffer of large blocks
)

// MinBlockSizeLimit is the smallest non-zero Config.MaxBlockSize: room for any header.
const MinBlockSizeLimit = 32

// Reader reads a pcap or pcapng capture file as a stream. It reads blocks of up to 64 KiB in
// place in its bufio.Reader and larger ones into a buffer that grows only to the largest block
// seen, so the Frame, Block, Raw and Data that it returns are valid until the next call. Once it
// has returned an error, it returns that error again until Reset.
type Reader struct {
	br      *bufio.Reader
	cfg     Config
	max     int // effective MaxBlockSize
	format  Format
	be      bool   // big-endian (the pcap file, or the current pcapng section)
	off     int64  // file offset of the next block
	buf     []byte // blocks larger than the bufio.Reader's buffer
	discard int    // bytes of the current block still in the bufio.Reader
	peekMax int    // largest block read in place in the bufio.Reader (bufioSize; less in tests)
	frames  int    // frames read so far
	ifaces  []iface
	frame   Frame
	block   Block
	pending bool // block holds the file header or first SHB, not yet returned by NextBlock
	err     error

	// pcap only
	recHdr int    // record header size: 16, or 24 for the modified format
	tsMul  int64  // nanoseconds per unit of the sub-second timestamp field
	maxCap uint32 // largest acceptable captured length
}

// iface is an Interface with its timestamp units per second.
type iface struct {
	Interface
	units uint64
}

// NewReader returns a Reader for the capture in src, with the default Config. It detects the
// format by the magic number and reads the pcap file header or the first pcapng section header.
func NewReader(src io.Reader) (*Reader, error) {
	return NewReaderConfig(src, Config{})
}

// NewReaderConfig is like NewReader with a Config.
func NewReaderConfig(src io.Reader, c Config) (*Reader, error) {
	if err := c.Verify(); err != nil {
		return nil, err
	}
	r := &Reader{cfg: c}
	if err := r.Reset(src); err != nil {
		return nil, err
	}
	return r, nil
}

// Reset discards the Reader's state and makes it read the capture in src, reusing its buffers.
func (r *Reader) Reset(src io.Reader) error {
	if r.br == nil {
		r.br = bufio.NewReaderSize(src, bufioSize)
	} else {
		r.br.Reset(src)
	}
	r.max = r.cfg.maxBlockSize()
	if r.peekMax == 0 {
		r.peekMax = bufioSize
	}
	r.format, r.be, r.off, r.frames = 0, false, 0, 0
	r.ifaces = r.ifaces[:0]
	r.pending, r.err, r.discard = false, nil, 0
	if err := r.readHeader(); err != nil {
		r.err = err
		return err
	}
	r.pending = true
	return nil
}

// ReadCloser is a Reader of a file that Open opened.
type ReadCloser struct {
	*Reader
	f *os.File
}

// Open opens the capture file name for reading.
func Open(name string) (*ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &ReadCloser{Reader: r, f: f}, nil
}

// Close closes the file.
func (rc *ReadCloser) Close() error { return rc.f.Close() }

// Format returns the format of the capture.
func (r *Reader) Format() Format { return r.format }

// Offset returns the file offset of the next block: after an error or io.EOF, the number of
// bytes of valid blocks read.
func (r *Reader) Offset() int64 { return r.off }

// Interfaces returns the capture's interfaces: for pcap the one of the file header, for pcapng
// those described so far in the current section, indexed by Frame.Interface.
func (r *Reader) Interfaces() []Interface {
	out := make([]Interface, len(r.ifaces))
	for i := range r.ifaces {
		out[i] = r.ifaces[i].Interface
	}
	return out
}

// Next returns the next packet, skipping blocks that hold none. It returns io.EOF at the clean
// end of the input. The Frame and its Data are valid until the next call to Next or NextBlock.
func (r *Reader) Next() (*Frame, error) {
	for {
		b, err := r.NextBlock()
		if err != nil {
			return nil, err
		}
		if b.Frame != nil {
			return b.Frame, nil
		}
	}
}

// NextBlock returns the next record of the file, raw, starting with the pcap file header or the
// first pcapng section header block. It returns io.EOF at the clean end of the input. The Block,
// its Raw bytes and its Frame are valid until the next call to Next or NextBlock.
func (r *Reader) NextBlock() (*Block, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.pending {
		r.pending = false
		return &r.block, nil
	}
	if r.discard > 0 {
		r.br.Discard(r.discard) // buffered: cannot fail
		r.discard = 0
	}
	var err error
	if r.format == FormatPcap {
		err = r.nextRecord()
	} else {
		err = r.nextBlock()
	}
	if err != nil {
		r.err = err
		return nil, err
	}
	r.off += int64(len(r.block.Raw))
	return &r.block, nil
}

// readHeader detects the format and reads the file header or first section header block.
func (r *Reader) readHeader() error {
	m, err := r.br.Peek(4)
	if len(m) == 0 && err == io.EOF {
		return &FormatError{Msg: "empty file", Err: io.ErrUnexpectedEOF}
	}
	if len(m) < 4 {
		return r.readErr(0, 0, err, "truncated file header (%d of 4 bytes of magic)", len(m))
	}
	magic := binary.BigEndian.Uint32(m)
	switch {
	case magic == ngSHB:
		r.format = FormatPcapNG
		if err := r.nextBlock(); err != nil {
			return err
		}
	case pcapMagic(magic) != 0:
		r.format = FormatPcap
		if err := r.readPcapHeader(); err != nil {
			return err
		}
	case magic>>16 == 0x1f8b:
		return &FormatError{Msg: "gzip-compressed capture", Err: ErrUnsupported}
	default:
		return &FormatError{Msg: fmt.Sprintf("unknown magic %08x (%q): not a pcap or pcapng file", magic, m), Err: ErrFormat}
	}
	r.off = int64(len(r.block.Raw))
	return nil
}

// peek returns the first n bytes of the block at the read position. A block that fits in the
// bufio.Reader's buffer is not copied: it stays there until the next block is read. A larger one
// is read into r.buf. On error, the returned bytes are those there were.
func (r *Reader) peek(n int) ([]byte, error) {
	if n <= r.peekMax {
		p, err := r.br.Peek(n)
		if err == nil {
			r.discard = n
		}
		return p, err
	}
	r.discard = 0
	have, err := r.fill(n)
	return r.buf[:have], err
}

// fill reads n bytes into r.buf, growing it as the bytes arrive, so that a length field alone
// never allocates much more than the data that follows it. The caller has checked n against
// the limit. It returns the number of bytes read and the error of io.ReadFull.
func (r *Reader) fill(n int) (int, error) {
	have := 0
	for have < n {
		if have == len(r.buf) {
			c := min(max(2*len(r.buf), minBuf), n)
			nb := make([]byte, c)
			copy(nb, r.buf[:have])
			r.buf = nb
		}
		m, err := io.ReadFull(r.br, r.buf[have:min(n, len(r.buf))])
		have += m
		if err != nil {
			return have, err
		}
	}
	return have, nil
}

// setBlock sets r.block field by field (see nextRecord).
func (r *Reader) setBlock(off int64, kind BlockKind, typ uint32, raw []byte, f *Frame) {
	b := &r.block
	b.Offset, b.Kind, b.Type = off, kind, typ
	b.Raw, b.Frame = raw, f
}

// readErr turns an error of the input inside a block into the error to return: a truncation
// becomes a *FormatError wrapping io.ErrUnexpectedEOF, other errors are wrapped with the offset.
func (r *Reader) readErr(off int64, frame int, err error, format string, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FormatError{Offset: off, Frame: frame, Msg: fmt.Sprintf(format, args...), Err: io.ErrUnexpectedEOF}
	}
	return fmt.Errorf("capture: offset %d: %w", off, err)
}

// formatErr returns a *FormatError wrapping kind.
func formatErr(off int64, frame int, kind error, format string, args ...any) error {
	return &FormatError{Offset: off, Frame: frame, Msg: fmt.Sprintf(format, args...), Err: kind}
}

func (r *Reader) u16(b []byte) uint16 {
	if r.be {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *Reader) u32(b []byte) uint32 {
	if r.be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *Reader) u64(b []byte) uint64 {
	if r.be {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}
