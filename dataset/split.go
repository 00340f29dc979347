package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/fnv"
)

// Split divides convs between training and validation, whole conversations only: a
// conversation goes to validation when a hash of its capture's name, its ID and seed falls in
// the share valShare (0 to 1) of the hash's range. The same seed gives the same split, and a
// conversation's side does not depend on the other conversations.
func Split(convs []Conversation, valShare float64, seed uint64) (train, val []Conversation) {
	cut := uint64(min(max(valShare, 0), 1) * (1 << 32))
	for i := range convs {
		if convHash(&convs[i], seed)>>32 < cut {
			val = append(val, convs[i])
		} else {
			train = append(train, convs[i])
		}
	}
	return train, val
}

func convHash(c *Conversation, seed uint64) uint64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	binary.LittleEndian.PutUint64(b[8:], uint64(c.ID))
	h.Write(b[:])
	h.Write([]byte(c.Capture))
	return h.Sum64()
}

// Dedup returns convs without the conversations whose messages (direction, header and body)
// are the same as those of an earlier one, as when one capture is bundled under two names:
// otherwise a conversation could be on both sides of a split.
func Dedup(convs []Conversation) []Conversation {
	seen := map[[32]byte]bool{}
	var out []Conversation
	for i := range convs {
		h := sha256.New()
		for _, m := range convs[i].Messages {
			var n [9]byte
			n[0] = byte(m.Dir)
			binary.LittleEndian.PutUint64(n[1:], uint64(len(m.Header)+len(m.Body)))
			h.Write(n[:])
			h.Write(m.Header)
			h.Write(m.Body)
		}
		sum := [32]byte(h.Sum(nil))
		if !seen[sum] {
			seen[sum] = true
			out = append(out, convs[i])
		}
	}
	return out
}
