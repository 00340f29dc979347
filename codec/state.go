package codec

import "encoding/binary"

// Field identifiers: the contexts of the byte models name the field a byte belongs to.
const (
	fGeneric uint32 = iota
	fFileHeader
	fBlockBody
	fTSSec
	fTSFrac
	fCapLen
	fOrigLen
	fLink
	fIPv4
	fIPv4Addr
	fIPv4Len
	fIPv4ID
	fIPv4Sum
	fTCP
	fTCPSeq
	fTCPAck
	fTCPOpt
	fTCPSum
	fUDP
	fUDPSum
	fPayload
	fMQTT
	fRest
	fNgType
	fNgLen
	fNgIface
	fNgPad
	fNgTrail
	fTail
	fIPv6
	fIPv6Addr
	fIPv6Len
	fKind
	fTCPPort
	fTCPWin
	fTCPUrg
	fTCPTSval
)

// state is the model of one coding session: the encoder and the decoder each build their own,
// identically, from the bytes coded so far.
type state struct {
	k coder

	bytes      *byteModels   // structured bytes: context = field, position, predicted byte
	generic    *byteModels   // bytes with no structure: context = field, previous bytes
	pay        *payloadModel // TCP payload bytes framed as MQTT
	nn         *neural       // the LSTM's input to pay, or nil
	frames     int           // frames seen so far
	hit        *symModel     // "equals the prediction" flags
	kinds      *symModel
	flowSym    *symModel
	flowOff    [8][256]bit // offsets within the rank buckets
	choiceBits [256]bit    // which of several predictions a field equals
	tsOK       bit
	hostIDs    map[[4]byte]uint16 // last IPv4 identifier sent by each host
	now        int64              // time of the current frame, ns (0 if unknown)
	newKey     *symModel          // which usual key a new flow has
	lastNewKey uint32
	tsBits     *symModel // bit length of time differences
	tsSign     [65]bit
	tsTop      [65][16]bit
	prevT      uint64 // time of the previous pcap record, in its units
	lastNb     uint8

	ctx      Context          // the structural facts of the blocks so far
	order    binary.ByteOrder // ctx's byte order (of the pcap file or the current section)
	prevKind uint32
	prevSym  uint32
	enc      bool // encoding: the block buffers hold the input
	maxBlock int  // decoding: the largest block the next one may be

	prevIface         uint32
	prevSec, prevFrac uint32
	prevCap           uint32
	prevTS            uint64 // pcapng timestamp

	flows   flowTable
	lastLnk []byte // link header of the last frame without a flow

	cov []bool // frame bytes coded so far
}

func newState(pool *Pool) *state {
	return &state{
		bytes:    newByteModels(13, 255, pool),
		generic:  newByteModels(14, 60, pool),
		pay:      newPayloadModel(14, pool),
		hit:      newSymModel(1, 4096),
		kinds:    newSymModel(3, 8),
		flowSym:  newSymModel(4, 16),
		tsBits:   newSymModel(7, 11*66*2+2),
		newKey:   newSymModel(3, 8),
		order:    binary.LittleEndian,
		flows:    newFlowTable(),
		hostIDs:  map[[4]byte]uint16{},
		maxBlock: MaxBlock,
	}
}

// release hands the state's large tables back to its pool; s must not be used after.
func (s *state) release() {
	s.bytes.release()
	s.generic.release()
	for _, t := range s.pay.tabs {
		t.release()
	}
}

// num codes a width-byte integer field against a prediction: a flag says whether it equals
// pred, and if not the difference is coded a byte at a time, most significant first.
func (s *state) num(field uint32, width int, pred, v uint64) uint64 {
	s.account(fieldCat(field), width)
	mask := uint64(1)<<(8*width) - 1
	if width == 8 {
		mask = ^uint64(0)
	}
	pred &= mask
	eq := 0
	if v&mask == pred {
		eq = 1
	}
	if s.k.bit(&s.hit.t[(field*7+uint32(width))%s.hit.ctxs*2+1], eq, 255) == 1 {
		return pred
	}
	r := (v - pred) & mask
	var out uint64
	lead := uint32(0) // 0: all bytes so far 0, 1: all 0xff, 2: other
	for i := width - 1; i >= 0; i-- {
		b := s.bytes.code(&s.k, hash(0x100|field, uint32(i), lead), byte(r>>(8*i)))
		out |= uint64(b) << (8 * i)
		switch {
		case lead == 0 && b == 0, lead == 1 && b == 0xff:
		case lead == 0 && b == 0xff && i == width-1:
			lead = 1
		default:
			lead = 2
		}
	}
	return (pred + out) & mask
}

// pbyte codes one structured byte with its predicted value.
func (s *state) pbyte(field, pos uint32, pred, v byte) byte {
	s.account(fieldCat(field), 1)
	return s.bytes.code(&s.k, hash(field, pos, uint32(pred)), v)
}

// gbytes codes bytes with an order-2 context model of the given field.
func (s *state) gbytes(field uint32, b []byte) {
	s.account(fieldCat(field), len(b))
	var p1, p2 byte
	for i := range b {
		b[i] = s.generic.code(&s.k, hash(field, uint32(p1), uint32(p2)), b[i])
		p2, p1 = p1, b[i]
	}
}

// account sets the category of what is coded next and counts its bytes.
func (s *state) account(c Category, n int) {
	s.k.cat = c
	if s.k.stats != nil {
		s.k.stats.Bytes[c] += int64(n)
	}
}
