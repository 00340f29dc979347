package decoder_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/wire"
)

// maxFuzz bounds the fuzz inputs decoded: larger ones only slow the fuzzer down.
const maxFuzz = 1 << 14

// FuzzDecode decodes arbitrary bytes: the decoder must never panic or hang, every error must
// be of a known class, and a decode that succeeds must be of the file the encoder writes:
// encoding the output again (with the segment size of the header) gives the input back, byte
// for byte. Since mutations rarely keep the CRC-32Cs right, each input is also decoded with
// its CRCs repaired and (if a segment then decodes to other bytes than its header says) with
// each segment's length and CRC, and the trailer, made to describe what it decodes to, so
// that mutated coded streams reach the range decoder and the codec and get past the checks of
// what they decode to. Seeded with the golden files and damaged variants of them.
func FuzzDecode(f *testing.F) {
	for _, g := range goldens {
		if b, err := os.ReadFile(goldenPath(g.name)); err == nil {
			f.Add(b)
		}
		mqz, _ := subject(f, g.name)
		f.Add(mqz)
		flipped := append([]byte(nil), mqz...)
		flipped[len(flipped)/2] ^= 4
		f.Add(flipped)
		f.Add(mqz[:len(mqz)*2/3])
		fixCRCs(f, flipped)
		f.Add(flipped)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzz {
			return
		}
		// A file that the container rejects fails in the decoder with the container's error
		// (TestBitFlips checks so for every bit of three files), and each decode costs a
		// setup of the models: spend the fuzzer's time on the files that reach the codec.
		fixed, ok := repairCRCs(b)
		if !ok || scanContainer(b) == nil {
			checkDecode(t, "input", b) // !ok: rejected before the models are set up
		}
		if !ok || bytes.Equal(fixed, b) && scanContainer(b) == nil {
			return
		}
		_, err := checkDecode(t, "input with CRCs repaired", fixed)
		if !errors.Is(err, decoder.ErrMismatch) {
			return
		}
		relabelled, ok := relabel(t, fixed)
		if !ok {
			return
		}
		out, err := checkDecode(t, "input with CRCs, segment lengths and trailer repaired", relabelled)
		if err == nil {
			if again, err := checkDecode(t, "the same again", relabelled); err != nil || !bytes.Equal(again, out) {
				t.Fatalf("the same file decoded to %d bytes, then to %d other bytes (%v)", len(out), len(again), err)
			}
		}
	})
}

// checkDecode decodes b, which the fuzzer made; it fails the test if the decoder panics, hangs,
// returns an error of no known class, or succeeds on a file that the encoder does not write
// for the capture it decodes to.
func checkDecode(t *testing.T, what string, b []byte) ([]byte, error) {
	t.Helper()
	out, err := decodeBounded(t, what, b)
	if err != nil {
		if classify(err) == "other" {
			t.Fatalf("%s: error of no known class: %v", what, err)
		}
		return out, err
	}
	// Encode as the file says it was encoded: its segment size, with the LSTM or with the
	// context models only.
	h, _ := segments(t, b)
	cfg := encoder.Config{SegmentSize: int(h.SegmentSize), ContextOnly: h.Options&wire.OptLSTM == 0}
	if again, _ := encodeStats(t, out, cfg); !bytes.Equal(again, b) {
		t.Fatalf("%s: decoded without error to %d bytes, whose encoding (%d bytes) differs from the %d bytes decoded", what, len(out), len(again), len(b))
	}
	return out, nil
}

// relabel returns the well-formed .mqz file b with each segment's input length and CRC those
// of what it decodes to on its own, and the trailer those of all of them; false if a segment
// does not decode.
func relabel(t *testing.T, b []byte) ([]byte, bool) {
	r, err := wire.NewReader(bytes.NewReader(b), 0)
	if err != nil {
		return nil, false
	}
	var ss []wire.Segment
	for {
		s, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false // damaged after the segment that did not match
		}
		ss = append(ss, s)
	}
	h := r.Header()
	opt, err := decoder.HeaderOptions(h, nil)
	if err != nil {
		return nil, false
	}
	var all []byte
	for i, s := range ss {
		s.Size = min(wire.MaxSegment, 64*maxFuzz) // room for what it decodes to, up to a limit
		out, err := decoder.DecodeSegment(s, opt)
		if err != nil && !errors.Is(err, decoder.ErrMismatch) {
			return nil, false
		}
		if len(out) == 0 {
			return nil, false
		}
		ss[i].Size, ss[i].CRC = len(out), wire.Checksum(out)
		all = append(all, out...)
	}
	return assemble(t, h, ss, int64(len(all)), wire.Checksum(all)), true
}

// repairCRCs returns a copy of b with the CRC-32C of its header, of every segment header and
// segment, and of its index and trailer recomputed, as far as b is framed like a .mqz file;
// false if it does not start so.
func repairCRCs(b []byte) ([]byte, bool) {
	if len(b) < headerLen || string(b[:len(wire.Magic)]) != wire.Magic {
		return nil, false
	}
	b = append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(b[headerLen-4:], wire.Checksum(b[:headerLen-4]))
	off, segs := headerLen, 0
	for off+wire.SegmentHeaderLen <= len(b) {
		binary.LittleEndian.PutUint32(b[off+12:], wire.Checksum(b[off:off+12]))
		n := int(binary.LittleEndian.Uint32(b[off:]))
		off += wire.SegmentHeaderLen
		if n == 0 {
			if end := off + 8*segs + wire.TrailerLen; end <= len(b) {
				binary.LittleEndian.PutUint32(b[end-4:], wire.Checksum(b[off:end-4]))
			}
			break
		}
		if n > len(b)-off-4 {
			break
		}
		binary.LittleEndian.PutUint32(b[off+n:], wire.Checksum(b[off:off+n]))
		off += n + 4
		segs++
	}
	return b, true
}
