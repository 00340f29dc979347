package table

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/mqtt"
)

var update = flag.Bool("update", false, "rewrite the tshark golden files of the bundled captures from a live tshark")

// tsharkMsg is what tshark shows of one MQTT message: the fields of its mqtt tree and those of
// the frame, IP and TCP layers of the frame that completed it.
type tsharkMsg struct {
	Frame  int                 `json:"frame"`
	Index  int                 `json:"index"` // among the MQTT messages of the frame
	Fields map[string][]string `json:"fields"`
}

type tsharkGolden struct {
	Tshark   string      `json:"tshark"`
	Args     []string    `json:"args"`
	Messages []tsharkMsg `json:"messages"`
}

// ourMsg is one of our rows, keyed by column name.
type ourMsg struct {
	frame int
	cols  map[string]string
}

// dissectRows runs our pipeline over a capture and returns its rows plus the conversations.
func dissectRows(t *testing.T, file string) ([]ourMsg, []*conv.Conversation) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cols := Columns()
	var rows []ourMsg
	seen := map[*conv.Conversation]bool{}
	var convs []*conv.Conversation
	h := handler{msg: func(m *conv.Message) {
		r := ourMsg{frame: m.Frame.Number, cols: map[string]string{}}
		for i := range cols {
			r.cols[cols[i].Name] = string(cols[i].Append(nil, m))
		}
		rows = append(rows, r)
		if !seen[m.Conv] {
			seen[m.Conv] = true
			convs = append(convs, m.Conv)
		}
	}}
	if _, err := dissect.Run(f, dissect.Config{}, h); err != nil {
		t.Logf("%s: %v", testcaps.Name(file), err)
	}
	return rows, convs
}

type handler struct{ msg func(*conv.Message) }

func (h handler) Message(m *conv.Message) { h.msg(m) }
func (handler) Frame(*dissect.Frame)      {}

// tsharkArgs returns the options that make tshark dissect what we dissect: the non-standard
// ports our detection found, the version of conversations without CONNECT, out-of-order
// reassembly and per-stream time deltas.
func tsharkArgs(convs []*conv.Conversation) []string {
	args := []string{"-o", "tcp.reassemble_out_of_order:TRUE", "-o", "tcp.calculate_timestamps:TRUE"}
	ports := map[uint16]bool{}
	guessed := map[mqtt.Version]int{}
	for _, c := range convs {
		if c.Kind != conv.KindMQTT {
			continue
		}
		if c.Broker.Port() != 1883 && c.Broker.IsValid() {
			ports[c.Broker.Port()] = true
		}
		if c.VersionBy != "connect" {
			guessed[c.Version]++
		}
	}
	var ps []int
	for p := range ports {
		ps = append(ps, int(p))
	}
	sort.Ints(ps)
	for _, p := range ps {
		args = append(args, "-d", fmt.Sprintf("tcp.port==%d,mqtt", p))
	}
	best, n := mqtt.Version(0), 0
	for v, k := range guessed {
		if k > n || k == n && v > best {
			best, n = v, k
		}
	}
	if name := map[mqtt.Version]string{mqtt.V31: "MQTT v3.1", mqtt.V311: "MQTT v3.1.1", mqtt.V5: "MQTT v5.0"}[best]; name != "" {
		args = append(args, "-o", "mqtt.default_version:"+name)
	}
	return args
}

// runTshark dissects file with tshark and returns its MQTT messages.
func runTshark(t *testing.T, file string, args []string) []tsharkMsg {
	t.Helper()
	cmd := exec.Command("tshark", append(append([]string{"-n", "-r", file}, args...),
		"-T", "json", "--no-duplicate-keys", "-J", "frame ip ipv6 tcp mqtt")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v: %s", args, err, stderr.String())
	}
	var pkts []map[string]any
	if err := json.Unmarshal(out, &pkts); err != nil {
		t.Fatalf("tshark json: %v", err)
	}
	var msgs []tsharkMsg
	for _, p := range pkts {
		src, _ := p["_source"].(map[string]any)
		l, _ := src["layers"].(map[string]any)
		raw, ok := l["mqtt"]
		if !ok {
			continue
		}
		common := map[string][]string{}
		for _, layer := range []string{"frame", "ip", "ipv6", "tcp"} {
			if v, ok := l[layer]; ok {
				flatten(v, common, "")
			}
		}
		list, ok := raw.([]any)
		if !ok {
			list = []any{raw}
		}
		frame := atoi(first(common["frame.number"]))
		for i, m := range list {
			fields := map[string][]string{}
			for k, v := range common {
				if keepTransport[k] != "" {
					fields[keepTransport[k]] = v
				}
			}
			flatten(m, fields, "mqtt.will_properties")
			msgs = append(msgs, tsharkMsg{Frame: frame, Index: i, Fields: fields})
		}
	}
	return msgs
}

// keepTransport maps tshark's frame, IP and TCP fields to our column names.
var keepTransport = map[string]string{
	"frame.number": "frame.number", "frame.time_epoch": "frame.time_epoch",
	"frame.time_delta": "frame.time_delta", "frame.len": "frame.len", "frame.cap_len": "frame.cap_len",
	"ip.src": "ip.src", "ip.dst": "ip.dst", "ipv6.src": "ip.src", "ipv6.dst": "ip.dst",
	"tcp.srcport": "tcp.srcport", "tcp.dstport": "tcp.dstport", "tcp.stream": "tcp.stream",
	"tcp.seq": "tcp.seq", "tcp.ack": "tcp.ack", "tcp.seq_raw": "tcp.seq_raw", "tcp.ack_raw": "tcp.ack_raw",
	"tcp.flags": "tcp.flags", "tcp.window_size_value": "tcp.window_size_value", "tcp.len": "tcp.len",
	"tcp.time_delta": "tcp.time_delta",
}

// flatten collects the string values of a tshark JSON tree by field name, skipping the
// subtree named skip.
func flatten(v any, into map[string][]string, skip string) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, v := range obj {
		if k == skip || k == "_ws.expert" {
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			flatten(v, into, skip)
		case string:
			into[k] = append(into[k], v)
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					into[k] = append(into[k], s)
				} else {
					flatten(e, into, skip)
				}
			}
		}
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// bytesFields are shown by tshark as colon-separated hex and by us as plain hex.
var bytesFields = map[string]bool{"mqtt.msg": true, "mqtt.willmsg": true}

func normalize(field, v string) string {
	if bytesFields[field] {
		return strings.ReplaceAll(v, ":", "")
	}
	return v
}

// exception excuses a difference that is tshark's defect, not ours.
type exception struct {
	capture, frame, field, reason string
	used                          int
}

func loadExceptions(t *testing.T) []*exception {
	b, err := os.ReadFile(filepath.Join(testcaps.Root(), "testdata", "tshark", "exceptions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var ex []*exception
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("exceptions.tsv:%d: want 4 tab-separated fields: capture, frame, field, reason", i+1)
		}
		ex = append(ex, &exception{capture: f[0], frame: f[1], field: f[2], reason: f[3]})
	}
	return ex
}

func excused(ex []*exception, capture string, frame int, field string) bool {
	for _, e := range ex {
		okCap, _ := path.Match(e.capture, capture)
		okFrame := e.frame == "*" || e.frame == fmt.Sprint(frame)
		okField, _ := path.Match(e.field, field)
		if okCap && okFrame && okField {
			e.used++
			return true
		}
	}
	return false
}

func goldenPath(name string) string {
	return filepath.Join(testcaps.Root(), "testdata", "tshark", strings.ReplaceAll(name, "/", "__")+".json.gz")
}

func tsharkVersion() string {
	out, err := exec.Command("tshark", "--version").Output()
	if err != nil {
		return ""
	}
	return strings.SplitN(string(out), "\n", 2)[0]
}

func readGolden(file string) (*tsharkGolden, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var g tsharkGolden
	return &g, json.NewDecoder(zr).Decode(&g)
}

func writeGolden(file string, g *tsharkGolden) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(g); err != nil {
		return err
	}
	zw.Close()
	return os.WriteFile(file, buf.Bytes(), 0o644)
}

// TestTsharkAgreement compares every field that both we and tshark produce, for every MQTT
// message of every capture: live where tshark is installed, from the golden files of the
// bundled captures where it is not. Each difference must be excused in
// testdata/tshark/exceptions.tsv as a tshark defect.
func TestTsharkAgreement(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	version := tsharkVersion()
	live := version != ""
	bundled := map[string]bool{}
	for _, f := range testcaps.Bundled(t) {
		bundled[f] = true
	}
	files := testcaps.Bundled(t)
	if live {
		files = testcaps.All(t)
	} else {
		t.Logf("tshark is not installed: comparing with the golden files of the bundled captures")
	}
	ex := loadExceptions(t)
	var nMsgs, nFields, nMismatch, nExcused, nOnlyOurs int
	for _, file := range files {
		name := testcaps.Name(file)
		rows, convs := dissectRows(t, file)
		var theirs []tsharkMsg
		if live {
			args := tsharkArgs(convs)
			theirs = runTshark(t, file, args)
			if *update && bundled[file] {
				if err := writeGolden(goldenPath(name), &tsharkGolden{Tshark: version, Args: args, Messages: theirs}); err != nil {
					t.Fatal(err)
				}
			}
		} else {
			g, err := readGolden(goldenPath(name))
			if errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: no golden file: run go test ./table -run TestTsharkAgreement -update with tshark installed", name)
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			theirs = g.Messages
		}
		ours := map[int][]ourMsg{}
		for _, r := range rows {
			if st := r.cols["mqzip.status"]; st == "truncated" || st == "skipped" {
				// tshark shows no MQTT for bytes that do not form a whole packet.
				nOnlyOurs++
				continue
			}
			ours[r.frame] = append(ours[r.frame], r)
		}
		tsByFrame := map[int][]tsharkMsg{}
		for _, m := range theirs {
			tsByFrame[m.Frame] = append(tsByFrame[m.Frame], m)
		}
		frames := map[int]bool{}
		for f := range ours {
			frames[f] = true
		}
		for f := range tsByFrame {
			frames[f] = true
		}
		mismatch := func(frame int, field, detail string) {
			if excused(ex, name, frame, field) {
				nExcused++
				return
			}
			nMismatch++
			if nMismatch <= 60 {
				t.Errorf("%s frame %d %s: %s", name, frame, field, detail)
			}
		}
		for frame := range frames {
			o, ts := ours[frame], tsByFrame[frame]
			if len(o) != len(ts) {
				mismatch(frame, "count", fmt.Sprintf("we have %d messages, tshark %d", len(o), len(ts)))
			}
			for i := 0; i < len(o) && i < len(ts); i++ {
				nMsgs++
				for col, ourVal := range o[i].cols {
					tv, ok := ts[i].Fields[col]
					if !ok {
						continue
					}
					nFields++
					theirVal := normalize(col, strings.Join(tv, ","))
					if ourVal != theirVal {
						mismatch(frame, col, fmt.Sprintf("ours %q, tshark %q", ourVal, theirVal))
					}
				}
			}
		}
	}
	for _, e := range ex {
		if e.used == 0 && live {
			t.Logf("exception not used: %s %s %s", e.capture, e.frame, e.field)
		}
	}
	src := "golden files"
	if live {
		src = version
	}
	fmt.Printf("tshark agreement (%s): %d captures, %d messages, %d fields compared, %d mismatches, %d excused as tshark defects; %d truncated or skipped rows that tshark does not show\n",
		src, len(files), nMsgs, nFields, nMismatch, nExcused, nOnlyOurs)
}
