// Package testcaps locates the real captures that tests and benchmarks run on: the bundled ones
// under testdata/captures and, when present, the shared ones in ../shared/captures beside the
// project's root.
package testcaps

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Root returns the project's root directory (the one holding go.mod).
func Root() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// BundledDir is the folder of the captures committed with the project.
func BundledDir() string { return filepath.Join(Root(), "testdata", "captures") }

// SharedDir is the folder of the shared captures (it may be absent).
func SharedDir() string { return filepath.Join(Root(), "..", "shared", "captures") }

// Bundled returns every capture committed under testdata/captures, sorted.
func Bundled(tb testing.TB) []string {
	tb.Helper()
	files := list(BundledDir())
	if len(files) == 0 {
		tb.Fatalf("testcaps: no captures under %s", BundledDir())
	}
	return files
}

// Shared returns every capture in ../shared/captures, sorted; it skips the test when that
// folder is absent.
func Shared(tb testing.TB) []string {
	tb.Helper()
	files := list(SharedDir())
	if len(files) == 0 {
		tb.Skipf("testcaps: no shared captures at %s", SharedDir())
	}
	return files
}

// All returns the bundled captures and, when present, the shared ones that are not also bundled
// (by base name and size), sorted by path.
func All(tb testing.TB) []string {
	tb.Helper()
	files := Bundled(tb)
	seen := map[string]bool{}
	for _, f := range files {
		seen[key(f)] = true
	}
	for _, f := range list(SharedDir()) {
		if !seen[key(f)] {
			files = append(files, f)
		}
	}
	return files
}

// Find returns the path of the capture whose path ends with suffix (for example
// "mqttset/benign.pcap"), looking in the bundled and then the shared folder. It skips the test
// when the capture is not available.
func Find(tb testing.TB, suffix string) string {
	tb.Helper()
	for _, dir := range []string{BundledDir(), SharedDir()} {
		p := filepath.Join(dir, filepath.FromSlash(suffix))
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	tb.Skipf("testcaps: capture %s not available", suffix)
	return ""
}

// Name returns a short name for a capture path, relative to its captures folder.
func Name(path string) string {
	for _, dir := range []string{BundledDir(), SharedDir()} {
		if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}

func key(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return path
	}
	return fmt.Sprintf("%s/%d", filepath.Base(path), st.Size())
}

func list(dir string) []string {
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng")) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files
}
