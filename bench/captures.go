package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/sample"
)

// DefaultCaptures returns the captures "mqzip bench" measures when given none: every capture of
// the MQTTset dataset in ../shared/captures/mqttset (when that folder is present) and the
// bundled sample, which it writes into dir.
func DefaultCaptures(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(testcaps.SharedDir(), "mqttset", "*.pcap*"))
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	sort.Strings(files)
	p := filepath.Join(dir, sample.Name)
	if err := os.WriteFile(p, sample.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return append(files, p), nil
}
