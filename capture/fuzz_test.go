package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// FuzzReader reads arbitrary bytes: the Reader must not panic, must keep its buffer within the
// limit, must return blocks that tile the input and frames whose Data is CapLen bytes of their
// block, and must end with io.EOF exactly at the end of the input or with a positioned error.
// Blocks are read twice, in place in the bufio.Reader and copied, with the same results.
func FuzzReader(f *testing.F) {
	for _, seed := range []struct {
		rel string
		max int
	}{
		{"suricata-verify/mqtt-ping_input.pcap", 0},
		{"zeek/mqtt.pcap", 2048},
		{"misc/verimqtt-mqtt.pcapng", 4096},
		{"arkime/mqtt_synthetic.pcap", 1024},
	} {
		b := readCapture(f, seed.rel)
		if seed.max > 0 && len(b) > seed.max {
			b = b[:seed.max]
		}
		f.Add(b)
	}
	f.Add(toModified(f, readCapture(f, "suricata-verify/mqtt-ping_input.pcap")))
	f.Add(cat(ngSection(be), ngInterface(be, 1, 16, ngOpt(be, optTSResol, []byte{0x80 | 10})),
		ngBlock(be, ngSPB, append(be.AppendUint32(nil, 40), bytesN(16)...)),
		ngEnhanced(be, 0, 12345, 8, 8, bytesN(8)), ngSection(le), ngInterface(le, 113, 0)))

	f.Fuzz(func(t *testing.T, data []byte) {
		inPlace := fuzzRead(t, data, 0)
		copied := fuzzRead(t, data, 64)
		if inPlace != copied {
			t.Fatalf("read in place:\n%s\ncopied:\n%s", inPlace, copied)
		}
	})
}

// fuzzRead reads data, checking the invariants, and returns a summary of what it read. With
// peekMax > 0, blocks larger than peekMax bytes are copied rather than read in place.
func fuzzRead(t *testing.T, data []byte, peekMax int) string {
	const limit = 1 << 16
	var sum bytes.Buffer
	r, err := NewReaderConfig(bytes.NewReader(data), Config{MaxBlockSize: limit})
	if err != nil {
		checkErr(t, err)
		return err.Error()
	}
	if peekMax > 0 {
		r.peekMax = peekMax
	}
	var off int64
	frames := 0
	for {
		b, err := r.NextBlock()
		if cap(r.buf) > limit {
			t.Fatalf("buffer of %d bytes, limit %d", cap(r.buf), limit)
		}
		if err == io.EOF {
			if off != int64(len(data)) {
				t.Fatalf("io.EOF at offset %d of %d", off, len(data))
			}
			return sum.String()
		}
		if err != nil {
			checkErr(t, err)
			return sum.String() + err.Error()
		}
		if b.Offset != off || len(b.Raw) > limit || !bytes.Equal(b.Raw, data[off:off+int64(len(b.Raw))]) {
			t.Fatalf("block at %d (%d bytes) does not continue the input at %d", b.Offset, len(b.Raw), off)
		}
		off += int64(len(b.Raw))
		fmtBlock(&sum, b)
		if fr := b.Frame; fr != nil {
			frames++
			if len(fr.Data) != fr.CapLen || fr.Number != frames || fr.Offset != b.Offset || !within(fr.Data, b.Raw) {
				t.Fatalf("frame %+v in block at %d", *fr, b.Offset)
			}
		}
	}
}

func fmtBlock(w io.Writer, b *Block) {
	fmt.Fprintf(w, "%v %d %d", b.Kind, b.Offset, b.Type)
	if f := b.Frame; f != nil {
		fmt.Fprintf(w, " frame %d time %d len %d/%d link %d iface %d %x", f.Number, f.Time, f.CapLen, f.OrigLen, f.LinkType, f.Interface, f.Data)
	}
	fmt.Fprintln(w)
}

// within reports whether the bytes of sub lie inside those of b.
func within(sub, b []byte) bool {
	if len(sub) == 0 {
		return true
	}
	for i := 0; i+len(sub) <= len(b); i++ {
		if &b[i] == &sub[0] {
			return true
		}
	}
	return false
}

func checkErr(t *testing.T, err error) {
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FormatError", err)
	}
	for _, e := range []error{ErrFormat, ErrUnsupported, ErrTooLarge, io.ErrUnexpectedEOF} {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("error %v wraps no sentinel", err)
}
