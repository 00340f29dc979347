// Command parsebench times "mqzip csv" against "tshark -T fields" extracting the same fields from
// the same captures, in one run, and prints a Markdown table of frames per second, their ratio
// and peak memory.
//
//	go run ./bench/cmd/parsebench [-frames 1000000] [captures...]
//
// With no captures it uses ../shared/captures/mqttset/*.pcap* and a generated capture of
// -frames frames (bench/gen).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mqzip/mqzip/bench/gen"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/table"
)

func main() {
	frames := flag.Int("frames", 1000000, "frames of the generated capture (0: none)")
	runs := flag.Int("runs", 3, "runs of each tool per capture; the fastest counts")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "parsebench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "mqzip")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mqzip")
	build.Dir = testcaps.Root()
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		log.Fatalf("building mqzip: %v", err)
	}
	files := flag.Args()
	if len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join(testcaps.SharedDir(), "mqttset", "*.pcap*"))
		if *frames > 0 {
			p := filepath.Join(tmp, fmt.Sprintf("generated-%d.pcap", *frames))
			if err := generate(p, *frames); err != nil {
				log.Fatal(err)
			}
			files = append(files, p)
		}
	}
	var fields []string
	for _, c := range table.Columns() {
		if !strings.HasPrefix(c.Name, "mqzip.") {
			fields = append(fields, c.Name)
		}
	}
	out, _ := exec.Command("tshark", "--version").Output()
	fmt.Printf("%s; %d fields each; fastest of %d runs\n\n", strings.SplitN(string(out), "\n", 2)[0], len(fields), *runs)
	fmt.Println("| capture | frames | tshark s | tshark frames/s | tshark peak MB | mqzip s | mqzip frames/s | mqzip peak MB | speed ratio |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	var tsTot, mqTot float64
	var frTot int
	for _, f := range files {
		var targs, margs []string
		targs = append(targs, "-n", "-r", f, "-o", "tcp.calculate_timestamps:TRUE", "-T", "fields")
		margs = append(margs, "csv", "-o", "/dev/null", f)
		for _, x := range fields {
			targs = append(targs, "-e", x)
			margs = append(margs, "-e", x)
		}
		ts, tsMem := timeRun(*runs, "tshark", targs...)
		mq, mqMem, n := timeMqzip(*runs, bin, margs...)
		tsTot += ts
		mqTot += mq
		frTot += n
		fmt.Printf("| %s | %d | %.2f | %.0f | %.0f | %.3f | %.0f | %.0f | %.1f× |\n", name(f), n, ts, float64(n)/ts, tsMem, mq, float64(n)/mq, mqMem, ts/mq)
	}
	fmt.Printf("| all | %d | %.2f | %.0f | | %.3f | %.0f | | %.1f× |\n", frTot, tsTot, float64(frTot)/tsTot, mqTot, float64(frTot)/mqTot, tsTot/mqTot)
}

func name(path string) string {
	if strings.Contains(path, "generated-") {
		return "generated (bench/gen)"
	}
	return testcaps.Name(path)
}

func generate(path string, frames int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := gen.Write(w, gen.Config{Frames: frames, Clients: 64, Seed: 1}); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// timeRun returns the fastest wall time of runs runs and the largest peak RSS in MB. The peak
// is GNU time's (%M) when /usr/bin/time exists: a child's own rusage from a Go parent is
// floored at the parent's peak on Linux, which would inflate small figures.
func timeRun(runs int, prog string, args ...string) (float64, float64) {
	best, mem := 0.0, 0.0
	for i := 0; i < runs; i++ {
		memFile := ""
		if _, err := os.Stat("/usr/bin/time"); err == nil {
			f, err := os.CreateTemp("", "parsebench-mem")
			if err == nil {
				memFile = f.Name()
				f.Close()
				defer os.Remove(memFile)
				args = append([]string{"-f", "%M", "-o", memFile, prog}, args...)
				prog = "/usr/bin/time"
			}
		}
		cmd := exec.Command(prog, args...)
		cmd.Stdout = nil
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			log.Fatalf("%s: %v: %s", prog, err, stderr.String())
		}
		d := time.Since(start).Seconds()
		if best == 0 || d < best {
			best = d
		}
		if memFile != "" {
			if b, err := os.ReadFile(memFile); err == nil {
				if kb, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil {
					mem = max(mem, kb/1024)
				}
			}
			args, prog = args[5:], args[4]
		} else if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			mem = max(mem, float64(ru.Maxrss)/1024)
		}
	}
	return best, mem
}

var framesRe = regexp.MustCompile(`: (\d+) frames`)

// timeMqzip is timeRun for mqzip, which also reports the frames it read.
func timeMqzip(runs int, bin string, args ...string) (float64, float64, int) {
	cmd := exec.Command(bin, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		log.Fatalf("mqzip: %v: %s", err, out)
	}
	m := framesRe.FindSubmatch(out)
	if m == nil {
		log.Fatalf("mqzip printed no frame count: %s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	t, mem := timeRun(runs, bin, args...)
	return t, mem, n
}
