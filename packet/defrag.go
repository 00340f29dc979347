package packet

import (
	"bytes"
	"fmt"
	"net/netip"
)

// DefragConfig sets the limits of a Defragmenter. Zero (or negative) fields take the defaults.
type DefragConfig struct {
	// MaxBytes caps the memory held by incomplete datagrams, buffers and bookkeeping. The
	// default is 16 MiB; room for one largest datagram (about 65 KiB) is always kept.
	MaxBytes int
	// MaxDatagrams caps the number of incomplete datagrams. The default is 4096.
	MaxDatagrams int
	// Timeout is how long, in nanoseconds of capture time, an incomplete datagram waits for
	// its missing fragments after its first one arrived. The default is 30 s, as on Linux.
	Timeout int64
}

// Defaults and limits of a Defragmenter.
const (
	DefaultDefragMaxBytes     = 16 << 20
	DefaultDefragMaxDatagrams = 4096
	DefaultDefragTimeout      = 30e9

	maxDatagram      = 65535                          // largest reassembled IP payload
	datagramOverhead = 1280                           // bytes charged per datagram besides its buffer
	minDefragBytes   = maxDatagram + datagramOverhead // one datagram always fits
)

// DefragStats counts what a Defragmenter did.
type DefragStats struct {
	Fragments   int64 // fragments given to Add
	Reassembled int64 // datagrams completed
	Duplicates  int64 // fragments whose bytes had all been received already
	Overlaps    int64 // fragments that overlapped bytes received already, which are kept
	Conflicts   int64 // duplicates and overlaps whose bytes differed from those kept
	Malformed   int64 // inconsistent fragments, rejected with their datagram
	Truncated   int64 // fragments cut short by the capture, ignored
	TimedOut    int64 // incomplete datagrams dropped after Timeout
	Evicted     int64 // incomplete datagrams dropped, oldest first, to stay within the limits
	Pending     int   // incomplete datagrams held now
	Bytes       int   // memory they hold, as counted against MaxBytes
}

// A Defragmenter reassembles IPv4 (RFC 791) and IPv6 (RFC 8200, section 4.5) datagrams from
// their fragments, which may arrive out of order, duplicated or overlapping. Where fragments
// overlap, the bytes received first are kept (and differences counted as conflicts). An
// incomplete datagram is dropped once Timeout has passed since its first fragment; when a
// limit is reached, the oldest incomplete datagrams are evicted. Each drop is counted in Stats.
// A Defragmenter is not safe for concurrent use.
type Defragmenter struct {
	cfg        DefragConfig
	table      map[fragKey]*datagram
	head, tail *datagram // incomplete datagrams, oldest first
	stats      DefragStats
}

// fragKey identifies the datagram a fragment belongs to: source, destination, identification,
// and for IPv4 the protocol.
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

// datagram is a datagram being reassembled.
type datagram struct {
	key        fragKey
	created    int64
	buf        []byte                       // fragment data at its offset
	total      int                          // datagram length, once the last fragment arrived; else -1
	high       int                          // end of the furthest fragment
	blocks     int                          // 8-byte blocks received
	have       [maxDatagram/8/64 + 1]uint64 // bitmap of blocks received
	prev, next *datagram
}

// NewDefragmenter returns a Defragmenter with limits c.
func NewDefragmenter(c DefragConfig) *Defragmenter {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultDefragMaxBytes
	}
	c.MaxBytes = max(c.MaxBytes, minDefragBytes)
	if c.MaxDatagrams <= 0 {
		c.MaxDatagrams = DefaultDefragMaxDatagrams
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultDefragTimeout
	}
	return &Defragmenter{cfg: c, table: make(map[fragKey]*datagram)}
}

// Add adds the fragment that Decode left in p, captured at time now (in nanoseconds). Once the
// datagram is complete, it returns its IP payload (fragmentable part) with done true; pass it to
// DecodeTransport with p.Protocol. The payload belongs to the caller. For a packet that is not
// a fragment, Add returns p.IPPayload and true. An inconsistent fragment is rejected with an
// error wrapping ErrMalformed, and its datagram dropped; a fragment cut short by the capture is
// ignored with an error wrapping ErrTruncated.
func (d *Defragmenter) Add(p *Packet, now int64) (payload []byte, done bool, err error) {
	if !p.Fragment {
		return p.IPPayload, true, nil
	}
	d.expire(now)
	d.stats.Fragments++
	data := p.IPPayload
	if len(data) < p.IPPayloadLen {
		d.stats.Truncated++
		return nil, false, fmt.Errorf("packet: defragment: fragment of %d bytes cut to %d by the capture: %w",
			p.IPPayloadLen, len(data), ErrTruncated)
	}
	k := fragKey{src: p.Src, dst: p.Dst, id: p.FragID}
	if p.IPVersion == 4 {
		k.proto = p.Protocol
	}
	dg := d.table[k]
	start, end := p.FragOffset, p.FragOffset+len(data)
	if err := check(dg, p, start, end); err != nil {
		if dg != nil {
			d.remove(dg)
		}
		d.stats.Malformed++
		return nil, false, err
	}
	if dg == nil {
		dg = d.create(k, now)
	}
	if !p.MoreFragments {
		dg.total = end
	}
	d.grow(dg, end)
	d.merge(dg, start, data)
	dg.high = max(dg.high, end)
	if dg.total < 0 || dg.blocks < (dg.total+7)/8 {
		return nil, false, nil
	}
	d.remove(dg)
	d.stats.Reassembled++
	return dg.buf[:dg.total:dg.total], true, nil
}

// Stats returns the counts so far.
func (d *Defragmenter) Stats() DefragStats {
	s := d.stats
	s.Pending = len(d.table)
	return s
}

// check returns an error if fragment p, covering [start, end) of the datagram, does not fit
// the datagram dg received so far (nil if none) or the limits of IP.
func check(dg *datagram, p *Packet, start, end int) error {
	limit := maxDatagram - max(p.IPHeaderLen-48, 0) // IPv6: less unfragmentable extension headers
	if p.IPVersion == 4 {
		limit = maxDatagram - max(p.IPHeaderLen, 20)
	}
	switch {
	case p.IPVersion != 4 && p.IPVersion != 6:
		return defragError("fragment of IP version %d", p.IPVersion)
	case start < 0 || start%8 != 0:
		return defragError("fragment offset %d not a multiple of 8", start)
	case end > limit:
		return defragError("fragment ends at %d, beyond %d", end, limit)
	case p.MoreFragments && (end == start || end%8 != 0):
		return defragError("fragment of %d bytes before the last not a positive multiple of 8", end-start)
	case dg == nil:
		return nil
	case !p.MoreFragments && dg.total >= 0 && end != dg.total:
		return defragError("last fragment ends at %d, an earlier one at %d", end, dg.total)
	case !p.MoreFragments && end < dg.high:
		return defragError("last fragment ends at %d, before data at %d", end, dg.high)
	case p.MoreFragments && dg.total >= 0 && end > dg.total:
		return defragError("fragment ends at %d, past the last one at %d", end, dg.total)
	}
	return nil
}

func defragError(format string, args ...any) error {
	return fmt.Errorf("packet: defragment: "+format+": %w", append(args, ErrMalformed)...)
}

// create starts datagram k, evicting the oldest ones as needed.
func (d *Defragmenter) create(k fragKey, now int64) *datagram {
	for len(d.table) >= d.cfg.MaxDatagrams {
		d.evict(nil)
	}
	d.makeRoom(datagramOverhead, nil)
	dg := &datagram{key: k, created: now, total: -1, prev: d.tail}
	if d.tail != nil {
		d.tail.next = dg
	} else {
		d.head = dg
	}
	d.tail = dg
	d.table[k] = dg
	d.stats.Bytes += datagramOverhead
	return dg
}

// grow makes dg's buffer hold end bytes: exactly the datagram's length once known, else
// doubling.
func (d *Defragmenter) grow(dg *datagram, end int) {
	if end <= len(dg.buf) {
		return
	}
	n := dg.total
	if n < 0 {
		n = min(max(end, 2*len(dg.buf)), maxDatagram)
	}
	d.makeRoom(n-len(dg.buf), dg)
	d.stats.Bytes += n - len(dg.buf)
	buf := make([]byte, n)
	copy(buf, dg.buf)
	dg.buf = buf
}

// makeRoom evicts the oldest datagrams other than keep until need more bytes fit.
func (d *Defragmenter) makeRoom(need int, keep *datagram) {
	for d.stats.Bytes+need > d.cfg.MaxBytes && d.evict(keep) {
	}
}

// evict drops the oldest datagram other than keep, reporting whether there was one.
func (d *Defragmenter) evict(keep *datagram) bool {
	dg := d.head
	if dg == keep && dg != nil {
		dg = dg.next
	}
	if dg == nil {
		return false
	}
	d.remove(dg)
	d.stats.Evicted++
	return true
}

// expire drops the datagrams whose first fragment came Timeout or more before now.
func (d *Defragmenter) expire(now int64) {
	for d.head != nil && now-d.head.created >= d.cfg.Timeout {
		d.remove(d.head)
		d.stats.TimedOut++
	}
}

// remove forgets dg.
func (d *Defragmenter) remove(dg *datagram) {
	if dg.prev != nil {
		dg.prev.next = dg.next
	} else {
		d.head = dg.next
	}
	if dg.next != nil {
		dg.next.prev = dg.prev
	} else {
		d.tail = dg.prev
	}
	dg.prev, dg.next = nil, nil
	delete(d.table, dg.key)
	d.stats.Bytes -= datagramOverhead + len(dg.buf)
}

// merge copies the bytes of data, at offset start, that dg lacks, and counts the others.
func (d *Defragmenter) merge(dg *datagram, start int, data []byte) {
	end := start + len(data)
	seen, fresh, conflict := false, false, false
	for b := start / 8; b*8 < end; b++ {
		lo, hi := max(b*8, start), min(b*8+8, end)
		word, bit := b/64, uint64(1)<<(b%64)
		if dg.have[word]&bit != 0 {
			seen = true
			conflict = conflict || !bytes.Equal(dg.buf[lo:hi], data[lo-start:hi-start])
			continue
		}
		dg.have[word] |= bit
		dg.blocks++
		fresh = true
		copy(dg.buf[lo:hi], data[lo-start:hi-start])
	}
	switch {
	case seen && !fresh:
		d.stats.Duplicates++
	case seen:
		d.stats.Overlaps++
	}
	if conflict {
		d.stats.Conflicts++
	}
}
