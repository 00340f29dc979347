package dataset

import (
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/model"
)

// BenchmarkConvState measures the whole per-byte path of the coder with the default model: the
// features and hints (Context), the experts' tables, the LSTM step and the mixed frequencies,
// over the messages of a real capture. "one" runs one conversation; "interleaved" runs every
// conversation of the capture, message after message, through a Store (one core), as the
// codec does; "parallel" runs one interleaved Store per core. MB/s is megabytes of MQTT
// message bodies (and EOMs) predicted a second.
func BenchmarkConvState(b *testing.B) {
	q, err := model.Default()
	if err != nil {
		b.Fatal(err)
	}
	convs := read(b, testcaps.Find(b, "misc/riskyduha-mqtt.pcap"))
	steps := 0
	for i := range convs {
		steps += convs[i].Steps()
	}
	run := func(st *Store, freq []uint32, convs []Conversation) {
		for i := range convs {
			c := &convs[i]
			for j := range c.Messages {
				m := &c.Messages[j]
				cs, _ := st.Get(uint64(c.ID))
				cs.StartMessage(m)
				for _, x := range m.Body {
					cs.Next(freq)
					cs.Update(int(x))
				}
				cs.Next(freq)
				cs.Update(lstm.EOM)
			}
		}
	}
	b.Run("one", func(b *testing.B) {
		c := &convs[0]
		for i := range convs {
			if convs[i].Steps() > c.Steps() {
				c = &convs[i]
			}
		}
		st, _ := NewStore(q, 1)
		freq := make([]uint32, lstm.Symbols)
		b.SetBytes(int64(c.Steps()))
		for b.Loop() {
			run(st, freq, []Conversation{*c})
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		st, _ := NewStore(q, 64)
		freq := make([]uint32, lstm.Symbols)
		b.SetBytes(int64(steps))
		for b.Loop() {
			run(st, freq, convs)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(int64(steps))
		b.RunParallel(func(pb *testing.PB) {
			st, _ := NewStore(q, 64)
			freq := make([]uint32, lstm.Symbols)
			for pb.Next() {
				run(st, freq, convs)
			}
		})
	})
}
