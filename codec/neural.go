package codec

import (
	"encoding/binary"

	"github.com/mqzip/mqzip/conv"
	"github.com/mqzip/mqzip/dataset"
	"github.com/mqzip/mqzip/lstm"
	"github.com/mqzip/mqzip/mqtt"
)

// neural is the byte-level LSTM (package lstm, through dataset's per-conversation state) as an
// input of the payload model: it predicts the body bytes of the MQTT packets of each TCP
// conversation, with the conversation's own recurrent state, from the packet's fixed header
// (type, flags, remaining length), its direction, frame number and time since the
// conversation's previous packet. Its distribution over the 256 byte values is turned into a
// probability for each bit of the byte's bit tree (the frequencies under the node's 1-branch
// over those under the node), which the payload model's mixer weighs beside its context
// models: each predictor counts where it predicts well.
//
// The conversations' states live in a dataset.Store of storeCap states: a conversation whose
// state was dropped to make room starts afresh, identically on both sides. A conversation is
// the pair of flows of a TCP connection; a SYN starts a new one.
//
// The LSTM costs far more time per byte than the context models, and where they already
// predict well, or where no model can (random or encrypted payloads), it gains little: it
// sits out the packets whose body is longer than maxNeural, and those of a flow where it saved
// less than 1/minGain bit a body byte over the flow's last few hundred body bytes, but for one
// packet in probeEvery, which keeps the measure current. The saving of a bit is its cost
// under the shadow mixer, weights that mix the same inputs but the LSTM's and learn on the
// same bits (those that code when the LSTM sits out), less its cost under the mixer, in
// integer 1/256 bits. The packets it sits out do not step its state. All of this is integer bookkeeping
// that the decoder repeats.
type neural struct {
	store *dataset.Store
	freq  []uint32
	cum   [257]uint32        // cum[b]: the sum of the frequencies of the byte values below b
	gain  int32              // the saving on the byte being coded, in 1/256 bit
	cur   *dataset.ConvState // the state predict stepped, which push updates
}

// storeCap is the number of conversations whose LSTM state is kept.
const storeCap = 256

// The rules for the packets the LSTM sits out.
const (
	maxNeural  = 4096 // longest body the LSTM predicts
	probeEvery = 16   // packets of a flow where the LSTM gains little, one of which it predicts
	minTrials  = 64   // body bytes predicted before a flow can be judged
	maxTrials  = 512  // counts are halved beyond
	minGain    = 16   // the LSTM must save 1/minGain bit a body byte
)

// neuralFlow is what the neural model keeps of one direction of a conversation.
type neuralFlow struct {
	open    bool            // a packet's body is being coded by the LSTM
	msg     dataset.Message // its metadata
	lastMsg int64           // time of the flow's last packet start, ns
	gain    int64           // the saving over the body bytes predicted, in 1/256 bit
	trials  int64           // body bytes predicted
	packets uint32          // packets started
}

func newNeural(q *lstm.Quantized) (*neural, error) {
	st, err := dataset.NewStore(q, storeCap)
	if err != nil {
		return nil, err
	}
	return &neural{store: st, freq: make([]uint32, lstm.Symbols)}, nil
}

// convID returns the identity of the conversation of flow key k: the same for both directions.
func convID(k flowKey) uint64 {
	a, b := k.src, k.dst
	ap, bp := k.sport, k.dport
	if string(a[:]) > string(b[:]) || (a == b && ap > bp) {
		a, b, ap, bp = b, a, bp, ap
	}
	lo := hash(binary.BigEndian.Uint32(a[:]), binary.BigEndian.Uint32(b[:]), uint32(ap)<<16|uint32(bp), uint32(k.proto))
	return uint64(hash(lo, 0x6e6e))<<32 | uint64(lo)
}

// direction guesses a flow's direction from the MQTT ports.
func direction(k flowKey) conv.Direction {
	switch {
	case k.dport == 1883 || k.dport == 8883:
		return conv.ClientToBroker
	case k.sport == 1883 || k.sport == 8883:
		return conv.BrokerToClient
	}
	return conv.DirUnknown
}

// syn forgets the conversation of flow f, whose SYN starts a new connection.
func (n *neural) syn(f *flow) {
	n.store.Delete(convID(f.key))
	f.nn = neuralFlow{}
}

// state returns the conversation state of flow f, restarting its message if the state was
// dropped meanwhile.
func (n *neural) state(f *flow) *dataset.ConvState {
	cs, fresh := n.store.Get(convID(f.key))
	if fresh && f.nn.open {
		cs.StartMessage(&f.nn.msg)
	}
	return cs
}

// begin starts the body of the packet that flow f's framing has just entered, at time now
// (ns) in frame number frame, unless the LSTM sits it out.
func (n *neural) begin(f, rev *flow, now int64, frame int) {
	t := &f.mq
	nf := &f.nn
	nf.packets++
	if t.left > maxNeural || nf.trials >= minTrials && nf.gain*minGain < nf.trials*256 && nf.packets%probeEvery != 0 {
		return
	}
	last := f.nn.lastMsg
	if rev != nil {
		last = max(last, rev.nn.lastMsg)
	}
	delta := int64(0)
	if last != 0 && now > last {
		delta = now - last
	}
	f.nn.lastMsg = now
	f.nn.msg = dataset.Message{
		Dir:             direction(f.key),
		Type:            mqtt.Type(t.typ >> 4),
		Flags:           t.typ & 15,
		RemainingLength: int(t.left),
		Frame:           frame,
		Delta:           delta,
	}
	f.nn.open = true
	cs, _ := n.store.Get(convID(f.key))
	cs.StartMessage(&f.nn.msg)
}

// predict steps flow f's conversation and prepares the bit probabilities of its next body
// byte.
func (n *neural) predict(f *flow) {
	n.cur = n.state(f)
	freq := n.cur.Next(n.freq)
	var c uint32
	for b := range 256 {
		n.cum[b] = c
		c += freq[b]
	}
	n.cum[256] = c
	n.gain = 0
}

// p12 returns the probability, in 1/4096, that the next bit is 1 given node (the bits of the
// byte so far behind a leading 1, depth of them).
func (n *neural) p12(node uint32, depth int) int32 {
	lo := (node - 1<<depth) << (8 - depth)
	hi := lo + 1<<(8-depth)
	mid := lo + 1<<(7-depth)
	all := uint64(n.cum[hi] - n.cum[lo])
	one := uint64(n.cum[hi] - n.cum[mid])
	return int32(min(max((one<<12+all/2)/all, 1), 4095))
}

// push records the body byte that came, after predict.
func (n *neural) push(f *flow, b byte) {
	nf := &f.nn
	if nf.trials >= maxTrials {
		nf.gain, nf.trials = nf.gain/2, nf.trials/2
	}
	nf.trials++
	nf.gain += int64(n.gain)
	n.cur.Update(int(b)) // no other conversation's state was fetched since predict
}

// end ends the body of flow f's packet: the model takes its end-of-message step.
func (n *neural) end(f *flow) {
	cs := n.state(f)
	cs.Next(n.freq)
	cs.Update(lstm.EOM)
	f.nn.open = false
}
