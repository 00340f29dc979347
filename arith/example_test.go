package arith_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/mqzip/mqzip/arith"
)

// codeMessage is a coding loop written once for both directions: with an Encoder it codes
// msg, with a Decoder it ignores msg and returns what it decodes. A real model would give a
// new table at each step; this one uses a fixed table where symbol 256 ends the message.
func codeMessage(c arith.MessageCoder, flags *arith.Prob, t *arith.Table, urgent int, msg []byte) (int, []byte, error) {
	urgent, err := c.CodeBit(flags, urgent)
	if err != nil {
		return 0, nil, err
	}
	var out []byte
	for i := 0; ; i++ {
		want := 256
		if i < len(msg) {
			want = int(msg[i])
		}
		sym, err := c.Code(t, want)
		if err != nil {
			return 0, nil, err
		}
		if sym == 256 {
			return urgent, out, c.EndMessage()
		}
		out = append(out, byte(sym))
	}
}

func Example() {
	freq := make([]uint32, 257)
	for i := range freq {
		freq[i] = 1
	}
	for _, b := range []byte("temperature/kitchen 21.5") {
		freq[b] += 100
	}
	freq[256] = 50
	t, err := arith.NewTable(freq)
	if err != nil {
		log.Fatal(err)
	}

	messages := []string{"temperature/kitchen 21.5", "temperature/kitchen 21.6", ""}
	var link bytes.Buffer
	e := arith.NewEncoder(&link)
	var encFlags arith.Prob
	for i, m := range messages {
		if _, _, err := codeMessage(e, &encFlags, t, i%2, []byte(m)); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("message %d: %d bytes -> stream at %d bytes\n", i, len(m), e.Offset())
	}

	d := arith.NewDecoder(bytes.NewReader(link.Bytes()))
	var decFlags arith.Prob
	for range messages {
		urgent, m, err := codeMessage(d, &decFlags, t, 0, nil)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("decoded %q (urgent %d), ends at %d\n", m, urgent, d.Offset())
	}
	// Output:
	// message 0: 24 bytes -> stream at 14 bytes
	// message 1: 24 bytes -> stream at 29 bytes
	// message 2: 0 bytes -> stream at 30 bytes
	// decoded "temperature/kitchen 21.5" (urgent 0), ends at 14
	// decoded "temperature/kitchen 21.6" (urgent 1), ends at 29
	// decoded "" (urgent 0), ends at 30
}
