package proxybench

import (
	"bytes"
	"compress/flate"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// deflatePerMessage returns the bytes that DEFLATE sends for packets, one direction of one
// connection, as WebSocket's permessage-deflate does (RFC 7692): one compressor keeps its
// history for the whole connection and is flushed after every message, and the 4-byte
// 00 00 FF FF tail of each flush is not sent.
func deflatePerMessage(packets [][]byte) int {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression) // the level is valid
	total := 0
	for _, p := range packets {
		buf.Reset()
		w.Write(p)
		w.Flush()
		total += buf.Len() - 4
	}
	return total
}

// zstdPerMessage compresses every packet of both directions on its own with the zstd command
// at level 19, without checksum, with a dictionary trained by "zstd --train" on all the packets
// (which flatters zstd), and returns the total size of the frames of each direction.
func zstdPerMessage(sets [2][][]byte, dir string) ([2]int, error) {
	var total [2]int
	if _, err := exec.LookPath("zstd"); err != nil {
		return total, fmt.Errorf("proxybench: zstd command: %w", err)
	}
	samples := filepath.Join(dir, "samples")
	out := filepath.Join(dir, "zst")
	for _, d := range []string{samples, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return total, err
		}
	}
	var names [2][]string
	for d, packets := range sets {
		for i, p := range packets {
			name := filepath.Join(samples, fmt.Sprintf("%d-%06d", d, i))
			if err := os.WriteFile(name, p, 0o644); err != nil {
				return total, err
			}
			names[d] = append(names[d], name)
		}
	}
	all := append(append([]string{}, names[0]...), names[1]...)
	dict := filepath.Join(dir, "dict")
	if err := zstd(append([]string{"--train", "-q", "-o", dict}, all...)); err != nil {
		return total, err
	}
	for start := 0; start < len(all); start += 2000 {
		batch := all[start:min(start+2000, len(all))]
		if err := zstd(append([]string{"-q", "-19", "--no-check", "-D", dict, "--output-dir-flat", out, "-f"}, batch...)); err != nil {
			return total, err
		}
	}
	for d := range names {
		for _, n := range names[d] {
			st, err := os.Stat(filepath.Join(out, filepath.Base(n)+".zst"))
			if err != nil {
				return total, err
			}
			total[d] += int(st.Size())
		}
	}
	return total, nil
}

func zstd(args []string) error {
	cmd := exec.Command("zstd", args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("proxybench: zstd %s: %v: %s", args[0], err, strings.TrimSpace(errb.String()))
	}
	return nil
}
