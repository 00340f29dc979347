package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

// Builders of capture bytes for the tests: each appends to b in byte order o.

func pcapHeader(o order, magic uint32, snap, link uint32) []byte {
	b := o.AppendUint32(nil, magic)
	b = o.AppendUint16(b, 2)
	b = o.AppendUint16(b, 4)
	b = o.AppendUint32(b, 0) // thiszone
	b = o.AppendUint32(b, 0) // sigfigs
	b = o.AppendUint32(b, snap)
	return o.AppendUint32(b, link)
}

func pcapRecord(o order, sec, frac, capLen, origLen uint32, data []byte) []byte {
	b := o.AppendUint32(nil, sec)
	b = o.AppendUint32(b, frac)
	b = o.AppendUint32(b, capLen)
	b = o.AppendUint32(b, origLen)
	return append(b, data...)
}

// ngBlock returns a pcapng block of type typ whose body is body padded to 4 bytes.
func ngBlock(o order, typ uint32, body []byte) []byte {
	n := uint32(12 + len(body) + -len(body)&3)
	b := o.AppendUint32(nil, typ)
	b = o.AppendUint32(b, n)
	b = append(b, body...)
	b = append(b, make([]byte, -len(body)&3)...)
	return o.AppendUint32(b, n)
}

func ngSection(o order) []byte {
	b := o.AppendUint32(nil, ngByteOrder)
	b = o.AppendUint16(b, 1)
	b = o.AppendUint16(b, 0)
	b = o.AppendUint64(b, ^uint64(0))
	return ngBlock(o, ngSHB, b)
}

// ngOpt returns a pcapng option, padded.
func ngOpt(o order, code uint16, v []byte) []byte {
	b := o.AppendUint16(nil, code)
	b = o.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	return append(b, make([]byte, -len(v)&3)...)
}

func ngInterface(o order, link uint16, snap uint32, opts ...[]byte) []byte {
	b := o.AppendUint16(nil, link)
	b = o.AppendUint16(b, 0)
	b = o.AppendUint32(b, snap)
	for _, op := range opts {
		b = append(b, op...)
	}
	if len(opts) > 0 {
		b = append(b, 0, 0, 0, 0) // opt_endofopt
	}
	return ngBlock(o, ngIDB, b)
}

func ngEnhanced(o order, id uint32, ts uint64, capLen, origLen uint32, data []byte) []byte {
	b := o.AppendUint32(nil, id)
	b = o.AppendUint32(b, uint32(ts>>32))
	b = o.AppendUint32(b, uint32(ts))
	b = o.AppendUint32(b, capLen)
	b = o.AppendUint32(b, origLen)
	return ngBlock(o, ngEPB, append(b, data...))
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func bytesN(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return b
}

// order is a byte order that can also append.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

var le, be order = binary.LittleEndian, binary.BigEndian

// readCapture returns the bytes of a bundled capture.
func readCapture(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testcaps.BundledDir(), filepath.FromSlash(rel)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// record is what a test remembers of a Frame.
type record struct {
	Number, CapLen, OrigLen, Interface int
	Offset, Time                       int64
	LinkType                           LinkType
	Data                               string
}

func recordOf(f *Frame) record {
	return record{f.Number, f.CapLen, f.OrigLen, f.Interface, f.Offset, f.Time, f.LinkType, string(f.Data)}
}

// readAll reads every frame of data, returning the frames and the error that ended the reading
// (nil at a clean end).
func readAll(data []byte, c Config) ([]record, error) {
	r, err := NewReaderConfig(bytes.NewReader(data), c)
	if err != nil {
		return nil, err
	}
	var out []record
	for {
		f, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		out = append(out, recordOf(f))
	}
}
