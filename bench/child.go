package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// childRun is what one run of a child process took.
type childRun struct {
	wall    time.Duration
	peakMiB float64 // peak resident set size
}

// bestRun runs argv runs times with its standard output written to the file out, and returns
// the fastest wall time and the largest peak memory.
func bestRun(runs int, argv []string, out string) (childRun, error) {
	var best childRun
	for i := 0; i < runs; i++ {
		r, err := runChild(argv, out)
		if err != nil {
			return r, err
		}
		if i == 0 || r.wall < best.wall {
			best.wall = r.wall
		}
		best.peakMiB = max(best.peakMiB, r.peakMiB)
	}
	return best, nil
}

// runChild runs argv once with its standard output written to the file out. It measures the
// peak memory with GNU time when that is installed (see memoryMethod).
func runChild(argv []string, out string) (childRun, error) {
	f, err := os.Create(out)
	if err != nil {
		return childRun{}, err
	}
	defer f.Close()
	rss := out + ".rss"
	gnu := gnuTime()
	if gnu != "" {
		argv = append([]string{gnu, "-f", "%M", "-o", rss}, argv...)
		defer os.Remove(rss)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	r := childRun{wall: time.Since(start)}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		return r, fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, msg)
	}
	if gnu == "" {
		r.peakMiB = peakMiB(cmd.ProcessState)
	} else if r.peakMiB, err = readKB(rss); err != nil {
		return r, err
	}
	return r, f.Close()
}

// readKB reads the figure GNU time wrote (its last line, in kilobytes) as MiB.
func readKB(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	lines := strings.Fields(string(b))
	if len(lines) == 0 {
		return 0, fmt.Errorf("bench: GNU time wrote no figure to %s", path)
	}
	kb, err := strconv.ParseFloat(lines[len(lines)-1], 64)
	if err != nil {
		return 0, fmt.Errorf("bench: GNU time's figure: %w", err)
	}
	return kb / 1024, nil
}

var gnuTimeOnce = sync.OnceValue(func() string {
	p, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		return ""
	}
	tmp, err := os.CreateTemp("", "mqzip-bench-time")
	if err != nil {
		return ""
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if exec.Command(p, "-f", "%M", "-o", tmp.Name(), "true").Run() != nil {
		return "" // not GNU time (BSD time has no -f)
	}
	if _, err := readKB(tmp.Name()); err != nil {
		return ""
	}
	return p
})

// gnuTime returns the path of GNU time, or "" when it is not installed.
//
// The peak memory that wait4 reports for a child of this process is not the child's own: Linux
// keeps the high-water mark of the memory the child started with, which for a Go program's
// child (spawned with vfork, sharing this process's memory until exec) is this process's own
// peak. GNU time is a small C program: the figure it reports for its own child is that
// child's peak, give or take a megabyte.
func gnuTime() string { return gnuTimeOnce() }

// memoryMethod says how peak memory is measured.
func memoryMethod() string {
	if gnuTime() != "" {
		return "GNU time's %M (maximum resident set size) of the child process"
	}
	return "wait4's maximum resident set size of the child process, which on Linux includes this process's own peak at spawn (install GNU time for the child's own figure)"
}

// sameContent reports whether the files a and b hold the same bytes.
func sameContent(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	ra, rb := bufio.NewReaderSize(fa, 1<<16), bufio.NewReaderSize(fb, 1<<16)
	bufA, bufB := make([]byte, 1<<16), make([]byte, 1<<16)
	for {
		na, errA := io.ReadFull(ra, bufA)
		nb, errB := io.ReadFull(rb, bufB)
		if !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		endA, endB := isEnd(errA), isEnd(errB)
		switch {
		case errA != nil && !endA:
			return false, errA
		case errB != nil && !endB:
			return false, errB
		case endA || endB:
			return endA && endB, nil
		}
	}
}

func isEnd(err error) bool { return err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) }
