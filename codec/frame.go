package codec

import "encoding/binary"

// Link types whose headers the frame model knows (pcap LINKTYPE_ values).
const (
	linkNull     = 0
	linkEthernet = 1
	linkRaw      = 101
	linkLoop     = 108
	linkSLL      = 113
	linkIPv4     = 228
	linkSLL2     = 276
)

// linkHeader returns the length of the link-layer header that starts b and whether what
// follows is IPv4, reading only the bytes before the ones it needs: it is called by the
// decoder on bytes decoded so far. need is how many bytes it must see to decide.
func linkHeader(link uint32, b []byte) (n int, ipv4 bool, need int) {
	switch link {
	case linkEthernet:
		off := 12
		for {
			if len(b) < off+2 {
				return 0, false, off + 2
			}
			et := binary.BigEndian.Uint16(b[off:])
			if et == 0x8100 || et == 0x88a8 || et == 0x9100 {
				off += 4
				continue
			}
			return off + 2, et == 0x0800, 0
		}
	case linkNull, linkLoop:
		if len(b) < 4 {
			return 0, false, 4
		}
		return 4, b[0] == 2 && b[1]|b[2]|b[3] == 0 || b[3] == 2 && b[0]|b[1]|b[2] == 0, 0
	case linkSLL:
		if len(b) < 16 {
			return 0, false, 16
		}
		return 16, binary.BigEndian.Uint16(b[14:]) == 0x0800, 0
	case linkSLL2:
		if len(b) < 20 {
			return 0, false, 20
		}
		return 20, binary.BigEndian.Uint16(b[0:]) == 0x0800, 0
	case linkRaw, 12, 14, linkIPv4:
		if len(b) < 1 {
			return 0, false, 1
		}
		return 0, b[0]>>4 == 4, 0
	}
	return 0, false, 0
}

// flowOf returns the flow key of an IPv4 TCP or UDP frame whose headers are all captured.
func flowOf(link uint32, b []byte) (flowKey, bool) {
	off, ip, need := linkHeader(link, b)
	if need > 0 || !ip || len(b) < off+20 || b[off]>>4 != 4 {
		return flowKey{}, false
	}
	ihl := int(b[off]&15) * 4
	proto := b[off+9]
	if ihl < 20 || proto != 6 && proto != 17 || binary.BigEndian.Uint16(b[off+6:])&0x3fff != 0 {
		return flowKey{}, false
	}
	t := off + ihl
	hl := 8
	if proto == 6 {
		if len(b) < t+13 {
			return flowKey{}, false
		}
		hl = int(b[t+12]>>4) * 4
		if hl < 20 {
			return flowKey{}, false
		}
	}
	if len(b) < t+hl {
		return flowKey{}, false
	}
	var k flowKey
	copy(k.src[:], b[off+12:])
	copy(k.dst[:], b[off+16:])
	k.proto = proto
	k.sport = binary.BigEndian.Uint16(b[t:])
	k.dport = binary.BigEndian.Uint16(b[t+2:])
	return k, true
}

func (s *state) mark(off, n int) {
	for i := off; i < off+n && i < len(s.cov); i++ {
		s.cov[i] = true
	}
}

// tbytes codes b[off:off+n] as structured bytes predicted by the template tpl (missing
// template bytes predict 0).
func (s *state) tbytes(field uint32, b []byte, off, n int, tpl []byte) {
	for i := 0; i < n; i++ {
		var p byte
		if i < len(tpl) {
			p = tpl[i]
		}
		b[off+i] = s.pbyte(field, uint32(i), p, b[off+i])
	}
	s.mark(off, n)
}

// numAt codes the big-endian width-byte field at b[off:] against pred.
func (s *state) numAt(field uint32, b []byte, off, width int, pred uint64) uint64 {
	var v uint64
	for i := 0; i < width; i++ {
		v = v<<8 | uint64(b[off+i])
	}
	v = s.num(field, width, pred, v)
	for i := width - 1; i >= 0; i-- {
		b[off+i] = byte(v)
		v >>= 8
	}
	s.mark(off, width)
	return binary.BigEndian.Uint64(append(make([]byte, 8-width), b[off:off+width]...))
}

// flowSymbol codes which flow the next frame belongs to: its rank among the recent flows,
// "a new flow" or "no flow" (not IPv4 TCP/UDP with complete headers). The encoder passes the
// frame's bytes; the decoder passes nil and gets the symbol. Ranks are coded as a bucket (rank
// 0, 1, 2-3, 4-7, ...) and the offset in it.
func (s *state) flowSymbol(b []byte, link uint32) uint32 {
	sym := uint32(symNone)
	if s.enc {
		if k, ok := flowOf(link, b); ok {
			sym = symNew
			if i := s.flows.index(k); i >= 0 {
				sym = uint32(i)
			}
		}
	}
	bucket, off, nbits := uint32(0), uint32(0), uint(0)
	switch {
	case sym == symNone:
		bucket = 10
	case sym == symNew:
		bucket = 9
	case sym == 0:
		bucket = 0
	default:
		nbits = uint(bitsLen(sym) - 1)
		bucket, off = uint32(nbits)+1, sym-1<<nbits
	}
	s.account(CatIPTCP, 0)
	bucket = s.flowSym.code(&s.k, s.prevSym, bucket)
	s.prevSym = bucket
	switch {
	case bucket == 10:
		return symNone
	case bucket == 9:
		return symNew
	case bucket == 0:
		return 0
	case bucket > 10:
		s.k.fail(errCorrupt("flow symbol bucket %d", bucket))
		return symNone
	}
	nbits = uint(bucket - 1)
	off = s.k.tree(s.flowOff[nbits][:], nbits, off, 60)
	sym = 1<<nbits + off
	if int(sym) >= len(s.flows.mru) {
		s.k.fail(errCorrupt("flow symbol %d names no recent flow", sym))
		return symNone
	}
	return sym
}

func bitsLen(v uint32) int {
	n := 0
	for ; v != 0; v >>= 1 {
		n++
	}
	return n
}

// The flow symbols that are not ranks.
const (
	symNew  = 1 << 20
	symNone = 1<<20 + 1
)

// symFlow returns the flow the symbol names, nil for a new flow.
func (s *state) symFlow(sym uint32) *flow {
	if sym < uint32(len(s.flows.mru)) {
		return s.flows.mru[sym]
	}
	return nil
}

// frame codes the captured bytes b of one packet (len(b) is known to both sides) whose flow
// symbol sym was coded before its length.
func (s *state) frame(b []byte, link uint32, sym uint32) {
	s.frames++
	n := len(b)
	if cap(s.cov) < n {
		s.cov = make([]bool, n)
	}
	s.cov = s.cov[:n]
	clear(s.cov)
	if s.k.err != nil {
		return
	}
	if sym == symNone {
		s.other(b, link)
		return
	}
	tpl := s.symFlow(sym)
	if tpl == nil {
		if len(s.flows.mru) > 0 {
			tpl = s.flows.mru[0]
		} else {
			tpl = &flow{}
		}
	}
	s.flowFrame(b, link, sym, tpl)
}

// newFlowKey codes the key of a new flow as one of the keys that new flows usually have, given
// the most recent flow's key k: the reverse of it (the reply to a SYN), or either with the
// client's port (the higher one) one more (the next connection of a client), or, failing
// those, k itself as the prediction of the key's bytes.
func (s *state) newFlowKey(b []byte, link uint32, k flowKey) (flowKey, bool) {
	next := func(k flowKey) flowKey {
		if k.sport > k.dport {
			k.sport++
		} else {
			k.dport++
		}
		return k
	}
	cands := [4]flowKey{k.reverse(), k, next(k.reverse()), next(k)}
	c := uint32(len(cands))
	if s.enc {
		if actual, ok := flowOf(link, b); ok {
			for i, x := range cands {
				if x == actual {
					c = uint32(i)
					break
				}
			}
		}
	}
	c = s.newKey.code(&s.k, s.lastNewKey, c)
	s.lastNewKey = c
	switch {
	case c < uint32(len(cands)):
		return cands[c], c%2 == 0
	case c > uint32(len(cands)):
		// The encoder never writes these symbols: a stream holding one is not canonical.
		s.k.fail(errCorrupt("new flow symbol %d", c))
	}
	return k, false
}

// other codes a frame that is not IPv4 TCP/UDP with complete headers.
func (s *state) other(b []byte, link uint32) {
	for i := range b {
		var p byte
		if i < len(s.lastLnk) {
			p = s.lastLnk[i]
		}
		b[i] = s.pbyte(fRest, uint32(min(i, 63)), p, b[i])
	}
	s.lastLnk = append(s.lastLnk[:0], b[:min(len(b), 64)]...)
}

// flowFrame codes an IPv4 TCP or UDP frame of a known or new flow; tpl is the flow whose
// headers predict this frame's.
func (s *state) flowFrame(b []byte, link uint32, sym uint32, tpl *flow) {
	n := len(b)
	pk, linkTpl := tpl.key, tpl.link
	if sym == symNew {
		var reversed bool
		pk, reversed = s.newFlowKey(b, link, tpl.key)
		if reversed && link == linkEthernet && len(linkTpl) >= 12 {
			// The reply's frames swap the MAC addresses of the request's.
			sw := append([]byte(nil), linkTpl...)
			copy(sw[0:6], linkTpl[6:12])
			copy(sw[6:12], linkTpl[0:6])
			linkTpl = sw
		}
	}
	// Link-layer header, progressively: its length depends on its bytes.
	off, ipv4 := 0, false
	for {
		l, ip, need := linkHeader(link, b[:off])
		if need == 0 {
			off, ipv4 = l, ip
			break
		}
		if need > n || need <= off {
			s.k.fail(errCorrupt("frame too short for its link header"))
			return
		}
		s.tbytes(fLink, b, off, need-off, tail(linkTpl, off))
		off = need
	}
	if !ipv4 || n < off+20 {
		s.k.fail(errCorrupt("flow frame without an IPv4 header"))
		return
	}
	// IPv4: version and header length, addresses, protocol, ports first: they name the flow.
	b[off] = s.pbyte(fIPv4, 0, tpl.ip[0], b[off])
	s.mark(off, 1)
	ihl := int(b[off]&15) * 4
	t := off + ihl

	for i := 0; i < 4; i++ {
		b[off+12+i] = s.pbyte(fIPv4Addr, uint32(i), pk.src[i], b[off+12+i])
		b[off+16+i] = s.pbyte(fIPv4Addr, uint32(4+i), pk.dst[i], b[off+16+i])
	}
	s.mark(off+12, 8)
	b[off+9] = s.pbyte(fIPv4, 9, pk.proto, b[off+9])
	s.mark(off+9, 1)
	proto := b[off+9]
	if ihl < 20 || proto != 6 && proto != 17 || n < t+8 || sym != symNew && s.symFlow(sym) == nil {
		s.k.fail(errCorrupt("flow frame with header length %d, protocol %d", ihl, proto))
		return
	}
	s.numAt(fTCPPort, b, t, 2, uint64(pk.sport))
	s.numAt(fTCPPort, b, t+2, 2, uint64(pk.dport))
	var key flowKey
	copy(key.src[:], b[off+12:])
	copy(key.dst[:], b[off+16:])
	key.proto = proto
	key.sport = binary.BigEndian.Uint16(b[t:])
	key.dport = binary.BigEndian.Uint16(b[t+2:])
	f := s.flows.get(key)
	s.flows.touch(f)
	rev := s.flows.m[key.reverse()]
	if f.link == nil {
		// A new flow: its first headers are predicted by the template flow's.
		f.link = append([]byte(nil), tpl.link...)
		f.ip, f.tcp = tpl.ip, tpl.tcp
	}
	// The rest of the IPv4 header.
	b[off+1] = s.pbyte(fIPv4, 1, f.ip[1], b[off+1])
	s.mark(off+1, 1)
	total := int(s.numAt(fIPv4Len, b, off+2, 2, uint64(min(n-off, 65535))))
	// The identifier: the flow's last plus one, the sending host's last plus one (a counter
	// shared by its flows), zero (often with DF), or the flow's last.
	lastID := binary.BigEndian.Uint16(f.ip[4:])
	hostID, ok := s.hostIDs[key.src]
	if !ok {
		hostID = lastID
	}
	s.choiceAt(fIPv4ID, b, off+4, []uint64{uint64(lastID + 1), uint64(hostID + 1), 0, uint64(lastID)})
	if len(s.hostIDs) >= maxFlows && !ok {
		clear(s.hostIDs)
	}
	s.hostIDs[key.src] = binary.BigEndian.Uint16(b[off+4:])
	s.tbytes(fIPv4, b, off+6, 3, f.ip[6:9])
	if ihl > 20 {
		if n < t {
			s.k.fail(errCorrupt("truncated IPv4 options"))
			return
		}
		s.tbytes(fIPv4, b, off+20, ihl-20, f.ip[20:ihl])
	}
	end := min(n, off+total)
	if total < ihl {
		end = t
	}
	// Transport header.
	hl := 8
	var seq uint32
	var flags byte
	if proto == 6 {
		if n < t+20 {
			s.k.fail(errCorrupt("truncated TCP header"))
			return
		}
		b[t+12] = s.pbyte(fTCP, 12, f.tcp[12], b[t+12])
		s.mark(t+12, 1)
		hl = int(b[t+12]>>4) * 4
		if hl < 20 || n < t+hl {
			s.k.fail(errCorrupt("bad TCP header length %d", hl))
			return
		}
		predSeq := uint64(binary.BigEndian.Uint32(f.tcp[4:]))
		if f.seqOK {
			predSeq = uint64(f.nextSeq)
		}
		seq = uint32(s.numAt(fTCPSeq, b, t+4, 4, predSeq))
		predAck := uint64(binary.BigEndian.Uint32(f.tcp[8:]))
		if rev != nil && rev.seqOK {
			predAck = uint64(rev.nextSeq)
		}
		s.numAt(fTCPAck, b, t+8, 4, predAck)
		b[t+13] = s.pbyte(fTCP, 13, f.tcp[13], b[t+13])
		s.mark(t+13, 1)
		flags = b[t+13]
		s.numAt(fTCPWin, b, t+14, 2, uint64(binary.BigEndian.Uint16(f.tcp[14:])))
		s.numAt(fTCPUrg, b, t+18, 2, uint64(binary.BigEndian.Uint16(f.tcp[18:])))
		s.tcpOptions(b, t, hl, f, rev)
	} else {
		s.numAt(fUDP, b, t+4, 2, uint64(max(total-ihl, 0)))
	}
	if s.nn != nil && proto == 6 && flags&0x12 == 0x02 {
		s.nn.syn(f) // a new connection: a new conversation
	}
	// Payload.
	pay := t + hl
	if end > pay {
		if proto == 6 && (!f.seqOK || seq == f.nextSeq) {
			for i := pay; i < end; i++ {
				s.account(f.mq.category(), 1)
				var nn *neural
				if s.nn != nil && f.nn.open {
					nn = s.nn
					nn.predict(f)
				}
				b[i] = s.pay.code(&s.k, &f.mq, 0, b[i], nn)
				if s.k.err != nil {
					return
				}
				if nn != nil {
					nn.push(f, b[i])
				}
				entered := f.mq.st == 1
				ended := f.mq.push(b[i])
				if s.nn != nil && entered && f.mq.st == 2 {
					s.nn.begin(f, rev, s.now, s.frames)
				}
				if ended {
					if s.nn != nil && f.nn.open {
						s.nn.end(f)
					}
					f.mq.end()
					if s.k.stats != nil {
						s.k.stats.Messages++
					}
				}
			}
		} else {
			s.gbytes(fPayload, b[pay:end])
		}
		s.mark(pay, end-pay)
	}
	// Whatever is left (Ethernet padding, bytes past the IP length).
	var p1 byte
	for i := range b {
		if !s.cov[i] && i != off+10 && i != off+11 && !(proto == 6 && (i == t+16 || i == t+17)) && !(proto == 17 && (i == t+6 || i == t+7)) {
			s.account(CatOther, 1)
			b[i] = s.generic.code(&s.k, hash(fRest, uint32(p1)), b[i])
			p1 = b[i]
		}
	}
	// Checksums last: they are predicted by recomputing them.
	s.numAt(fIPv4Sum, b, off+10, 2, uint64(checksumIPv4(b[off:t])))
	sumOff := t + 16
	if proto == 17 {
		sumOff = t + 6
	}
	// Three predictions: the right checksum; the partial one that checksum offload leaves
	// (the pseudo-header sum, when capturing on the sending host); the flow's last one.
	last := uint64(binary.BigEndian.Uint16(f.tcp[sumOff-t:]))
	preds := [3]uint64{last, last, last}
	if total >= ihl {
		preds[1] = uint64(pseudoSum(b[off+12:off+20], proto, total-ihl))
	}
	if off+total <= n && total >= ihl+hl {
		preds[0] = uint64(checksumL4(b[off+12:off+20], proto, b[t:off+total], sumOff-t))
	}
	s.choiceAt(fTCPSum, b, sumOff, preds[:])
	f.capLen = uint32(n)

	// Remember this frame's headers for the next of the flow.
	f.link = append(f.link[:0], b[:off]...)
	copy(f.ip[:], b[off:t])
	copy(f.tcp[:], b[t:t+hl])
	if proto == 6 {
		f.nextSeq = seq + uint32(max(end-pay, 0))
		if end < off+total {
			f.nextSeq = seq + uint32(max(total-ihl-hl, 0))
		}
		if flags&0x03 != 0 { // SYN or FIN
			f.nextSeq++
		}
		f.seqOK = true
	}
}

func tail(b []byte, off int) []byte {
	if off >= len(b) {
		return nil
	}
	return b[off:]
}

// tcpOptions codes the TCP options of the header at b[t:t+hl]; timestamps are predicted from
// the flow's last ones.
func (s *state) tcpOptions(b []byte, t, hl int, f, rev *flow) {
	i := t + 20
	for i < t+hl {
		b[i] = s.pbyte(fTCPOpt, uint32(i-t), f.tcp[i-t], b[i])
		s.mark(i, 1)
		kind := b[i]
		i++
		if kind == 0 || kind == 1 || i >= t+hl {
			continue
		}
		b[i] = s.pbyte(fTCPOpt, 0x100|uint32(kind), f.tcp[i-t], b[i])
		s.mark(i, 1)
		l := int(b[i])
		i++
		if l < 2 || i+l-2 > t+hl {
			continue // malformed: the remaining bytes are coded one by one
		}
		if kind == 8 && l == 10 {
			// TSval: the flow's last advanced by the time since at 1000 Hz (Linux), or
			// unchanged; a new flow's by its template's.
			pv := uint64(f.tsval)
			if !f.tsOK {
				pv = uint64(binary.BigEndian.Uint32(f.tcp[i-t:]))
			}
			ms := uint64(max(s.now-f.tsTime, 0) / 1e6)
			s.choice4(fTCPTSval, b, i, []uint64{(pv + ms) & 0xffffffff, pv})
			f.tsval = binary.BigEndian.Uint32(b[i:])
			f.tsTime = s.now
			f.tsOK = true
			pe := uint64(binary.BigEndian.Uint32(f.tcp[i+4-t:]))
			if rev != nil && rev.tsOK {
				pe = uint64(rev.tsval)
			}
			s.numAt(fTCPOpt, b, i+4, 4, pe)
		} else {
			s.tbytes(fTCPOpt, b, i, l-2, f.tcp[i-t:])
		}
		i += l - 2
	}
}

// choice4 is choiceAt for 4-byte fields.
func (s *state) choice4(field uint32, b []byte, off int, preds []uint64) {
	s.choice(field, b, off, 4, preds)
}

// choiceAt codes the big-endian 2-byte field at b[off:] as one of several predictions or,
// if it is none of them, as a difference from the first.
func (s *state) choiceAt(field uint32, b []byte, off int, preds []uint64) {
	s.choice(field, b, off, 2, preds)
}

// choice codes the big-endian width-byte field at b[off:] as one of several predictions (a
// flag for each, in order) or, if it is none of them, as a difference from the first.
func (s *state) choice(field uint32, b []byte, off, width int, preds []uint64) {
	var v uint64
	for i := 0; i < width; i++ {
		v = v<<8 | uint64(b[off+i])
	}
	s.account(fieldCat(field), width)
	for i, p := range preds {
		eq := 0
		if v == p {
			eq = 1
		}
		if s.k.bit(&s.choiceBits[(field*4+uint32(i))%uint32(len(s.choiceBits))], eq, 255) == 1 {
			for j := width - 1; j >= 0; j-- {
				b[off+j] = byte(p)
				p >>= 8
			}
			s.mark(off, width)
			return
		}
	}
	s.numAt(field, b, off, width, preds[0])
}

// pseudoSum is the folded, uncomplemented sum of the TCP/UDP pseudo header: what the stack
// leaves in the checksum field for the network card to complete (checksum offload).
func pseudoSum(addrs []byte, proto byte, l4len int) uint16 {
	var sum uint32
	for i := 0; i < 8; i += 2 {
		sum += uint32(addrs[i])<<8 | uint32(addrs[i+1])
	}
	sum += uint32(proto) + uint32(l4len)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// checksumIPv4 computes the header checksum of h with the checksum field taken as zero.
func checksumIPv4(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		if i == 10 {
			continue
		}
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// checksumL4 computes a TCP or UDP checksum over the pseudo header (addrs: source and
// destination) and the segment seg, with the checksum field at sumOff taken as zero.
func checksumL4(addrs []byte, proto byte, seg []byte, sumOff int) uint16 {
	var sum uint32
	for i := 0; i < 8; i += 2 {
		sum += uint32(addrs[i])<<8 | uint32(addrs[i+1])
	}
	sum += uint32(proto) + uint32(len(seg))
	for i := 0; i < len(seg); i += 2 {
		if i == sumOff {
			continue
		}
		hi := uint32(seg[i]) << 8
		if i+1 < len(seg) {
			hi |= uint32(seg[i+1])
		}
		sum += hi
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	s := ^uint16(sum)
	if proto == 17 && s == 0 {
		s = 0xffff
	}
	return s
}
