package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mqzip/mqzip/capture"
)

// MaxSampleBytes caps the bytes of frames each capture contributes to a dictionary's training
// set, so that training on large captures stays quick.
const MaxSampleBytes = 16 << 20

// sampleSet trains zstd dictionaries by leaving one capture out: the dictionary for capture i
// is trained on the frames of every other capture of the run. Each frame (pcap record, pcapng
// block) is one training sample, as zstd --train expects many small samples rather than a few
// large files; the samples of a capture are written once and reused.
type sampleSet struct {
	dir     string   // samples/<i>/ holds the frames of files[i]
	files   []string // the captures of the run
	written map[int]bool
}

// dictionary returns the path of the dictionary for files[i], training it if needed. skip is
// not empty when there is no dictionary to use and says why.
func (s *sampleSet) dictionary(i int) (path, skip string, err error) {
	var dirs []string
	for j := range s.files {
		if j == i {
			continue
		}
		d, n, err := s.samples(j)
		if err != nil {
			return "", "", err
		}
		if n > 0 {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return "", "no other capture to train the dictionary on", nil
	}
	path = filepath.Join(s.dir, fmt.Sprintf("dict-%d", i))
	if _, err := os.Stat(path); err == nil {
		return path, "", nil
	}
	args := append([]string{"--train", "-q", "-f", "-o", path, "-r"}, dirs...)
	cmd := exec.Command("zstd", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.Remove(path)
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return "", fmt.Sprintf("zstd --train on %d other captures: %v: %s", len(dirs), err, msg), nil
	}
	return path, "", nil
}

// samples writes the frames of files[j] as one file each, once, and returns their folder and
// how many there are.
func (s *sampleSet) samples(j int) (string, int, error) {
	dir := filepath.Join(s.dir, fmt.Sprint(j))
	if s.written == nil {
		s.written = map[int]bool{}
	}
	if s.written[j] {
		ents, err := os.ReadDir(dir)
		return dir, len(ents), err
	}
	s.written[j] = true
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, fmt.Errorf("bench: %w", err)
	}
	f, err := os.Open(s.files[j])
	if err != nil {
		return "", 0, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	n, total := 0, 0
	cr, err := capture.NewReader(f)
	if err != nil {
		return dir, 0, nil // not a capture: it contributes no frame
	}
	for total < MaxSampleBytes {
		b, err := cr.NextBlock()
		if err != nil {
			break // the frames up to a damaged one still count
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%07d", n)), b.Raw, 0o644); err != nil {
			return "", 0, fmt.Errorf("bench: %w", err)
		}
		n++
		total += len(b.Raw)
	}
	return dir, n, nil
}
