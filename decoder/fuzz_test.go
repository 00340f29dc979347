package decoder_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/mqzip/mqzip/decoder"
	"github.com/mqzip/mqzip/encoder"
	"github.com/mqzip/mqzip/wire"
)

// maxFuzz bounds the fuzz inputs decoded: larger ones only slow the fuzzer down.
const maxFuzz = 1 << 14

// FuzzDecode decodes arbitrary bytes: the decoder must never panic or hang, every error must
// be of a known class, and a decode that succeeds must be of a stream the encoder writes:
// encoding the output again gives the input back (but for the chunking, which the format
// leaves free). Since mutations rarely keep the CRC-32Cs right, each input is also decoded
// with its CRCs repaired and (if that decodes to a capture the trailer does not describe)
// with a trailer that describes it, so that mutated coded streams reach the range decoder
// and the codec. Seeded with the golden files and damaged variants of them.
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
		small, _ := rechunk(f, mqz, 16)
		f.Add(small)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzz {
			return
		}
		// A file that the container rejects fails in the decoder with the container's error
		// (TestBitFlips checks so for every bit of two files), and each decode costs a setup
		// of the models: spend the fuzzer's time on the files that reach the codec.
		fixed, ok := repairCRCs(b)
		if !ok || scanContainer(b) == nil {
			checkDecode(t, "input", b) // !ok: rejected before the models are set up
		}
		if !ok || bytes.Equal(fixed, b) && scanContainer(b) == nil {
			return
		}
		out, err := checkDecode(t, "input with CRCs repaired", fixed)
		if !errors.Is(err, decoder.ErrMismatch) {
			return
		}
		// The coded stream decoded to a capture: give the file the trailer that describes it.
		tr := fixed[len(fixed)-16:]
		binary.LittleEndian.PutUint64(tr, uint64(len(out)))
		binary.LittleEndian.PutUint32(tr[8:], wire.Checksum(out))
		binary.LittleEndian.PutUint32(tr[12:], wire.Checksum(tr[:12]))
		again, err := checkDecode(t, "input with CRCs and trailer repaired", fixed)
		if err == nil && !bytes.Equal(again, out) {
			t.Fatalf("the same coded stream decoded to %d bytes, then to %d other bytes", len(out), len(again))
		}
	})
}

// checkDecode decodes b, which the fuzzer made; it fails the test if the decoder panics, hangs,
// returns an error of no known class, or succeeds on a stream that the encoder does not
// write for the capture it decodes to.
func checkDecode(t *testing.T, what string, b []byte) ([]byte, error) {
	t.Helper()
	out, err := decodeBounded(t, what, b)
	if err != nil {
		if classify(err) == "other" {
			t.Fatalf("%s: error of no known class: %v", what, err)
		}
		return out, err
	}
	// Encode as the file says it was encoded: with the LSTM or with the context models only.
	cfg := encoder.Config{ContextOnly: b[len(wire.Magic)+1]&wire.OptLSTM == 0}
	if again, _ := encodeConfig(t, out, cfg); same(b, again) != "" {
		t.Fatalf("%s: decoded without error to %d bytes, whose encoding (%d bytes) differs from the %d bytes decoded in its %s", what, len(out), len(again), len(b), same(b, again))
	}
	return out, nil
}

// same compares the .mqz file b, which decoded without error, with the encoder's file c for
// the same capture, but for the chunking, which the format leaves free: it returns "" if they
// have the same header, coded stream and trailer, else what differs.
func same(b, c []byte) string {
	bc, ok1 := looseCoded(b)
	cc, ok2 := looseCoded(c)
	switch {
	case !ok1 || !ok2:
		return "framing"
	case !bytes.Equal(b[:headerLen], c[:headerLen]):
		return "header"
	case !bytes.Equal(b[len(b)-16:], c[len(c)-16:]):
		return "trailer"
	case !bytes.Equal(bc, cc):
		return "coded stream"
	}
	return ""
}

// looseCoded returns the concatenated chunk data of b, or false if b is not well framed.
func looseCoded(b []byte) ([]byte, bool) {
	var c []byte
	off := headerLen
	for off+4 <= len(b) {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if n == 0 {
			return c, true
		}
		if n > len(b)-off-8 {
			return nil, false
		}
		c = append(c, b[off+4:off+4+n]...)
		off += 8 + n
	}
	return nil, false
}

// repairCRCs returns a copy of b with the CRC-32C of its header, of every chunk and of its
// trailer recomputed, as far as b is framed like a .mqz file; false if it does not start so.
func repairCRCs(b []byte) ([]byte, bool) {
	if len(b) < headerLen || string(b[:len(wire.Magic)]) != wire.Magic {
		return nil, false
	}
	b = append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(b[headerLen-4:], wire.Checksum(b[:headerLen-4]))
	off := headerLen
	for off+4 <= len(b) {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if n == 0 {
			if t := b[off+4:]; len(t) >= 16 {
				binary.LittleEndian.PutUint32(t[12:], wire.Checksum(t[:12]))
			}
			break
		}
		if n > wire.MaxChunk || n > len(b)-off-8 {
			break
		}
		binary.LittleEndian.PutUint32(b[off+4+n:], wire.Checksum(b[off+4:off+4+n]))
		off += 8 + n
	}
	return b, true
}
