package capture

import (
	"fmt"
	"strconv"
)

// LinkType is a LINKTYPE_* value from the tcpdump.org link-layer header types registry, as found
// in a pcap file header (its low 16 bits; the FCS bits above are reported in Interface.FCSLen) or a
// pcapng interface description block.
type LinkType uint32

// Common link types.
const (
	LinkNull      LinkType = 0   // BSD loopback: a 4-byte host-order protocol family
	LinkEthernet  LinkType = 1   // IEEE 802.3 Ethernet
	LinkRaw       LinkType = 101 // raw IPv4 or IPv6
	LinkLoop      LinkType = 108 // OpenBSD loopback: a 4-byte network-order protocol family
	LinkLinuxSLL  LinkType = 113 // Linux "cooked" capture, version 1
	LinkIPv4      LinkType = 228 // raw IPv4
	LinkIPv6      LinkType = 229 // raw IPv6
	LinkLinuxSLL2 LinkType = 276 // Linux "cooked" capture, version 2
)

// Format is a capture file format.
type Format int

// The formats a Reader detects.
const (
	FormatPcap   Format = iota + 1 // libpcap format (including the "modified" variant)
	FormatPcapNG                   // pcapng format
)

// String returns "pcap" or "pcapng".
func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNG:
		return "pcapng"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Frame is one captured packet.
type Frame struct {
	Number    int      // 1-based, consecutive over all packet records and blocks of the file
	Offset    int64    // file offset of the pcap record header or the pcapng block
	Time      int64    // nanoseconds since the Unix epoch (0 for a pcapng simple packet block)
	CapLen    int      // number of bytes captured, len(Data)
	OrigLen   int      // length of the packet on the wire
	LinkType  LinkType // link type of the packet's interface
	Interface int      // pcapng interface id within its section (0 for pcap)
	Data      []byte   // captured bytes; valid until the next call to Next or NextBlock
}

// BlockKind tells what a Block is.
type BlockKind uint8

// The kinds of blocks. A pcap file is a BlockPcapHeader followed by BlockPcapRecord records; a
// pcapng file is a sequence of blocks, each section starting with a BlockSectionHeader.
const (
	BlockUnknown           BlockKind = iota // pcapng block of a type this package does not know
	BlockPcapHeader                         // pcap file header
	BlockPcapRecord                         // pcap packet record (header and data)
	BlockSectionHeader                      // pcapng section header block (SHB)
	BlockInterface                          // pcapng interface description block (IDB)
	BlockEnhancedPacket                     // pcapng enhanced packet block (EPB)
	BlockSimplePacket                       // pcapng simple packet block (SPB)
	BlockPacket                             // pcapng obsolete packet block (PB)
	BlockNameResolution                     // pcapng name resolution block (NRB)
	BlockInterfaceStats                     // pcapng interface statistics block (ISB)
	BlockDecryptionSecrets                  // pcapng decryption secrets block (DSB)
	BlockCustom                             // pcapng custom block (CB)
)

var blockKindNames = [...]string{
	BlockUnknown:           "unknown block",
	BlockPcapHeader:        "pcap file header",
	BlockPcapRecord:        "pcap record",
	BlockSectionHeader:     "section header block",
	BlockInterface:         "interface description block",
	BlockEnhancedPacket:    "enhanced packet block",
	BlockSimplePacket:      "simple packet block",
	BlockPacket:            "packet block",
	BlockNameResolution:    "name resolution block",
	BlockInterfaceStats:    "interface statistics block",
	BlockDecryptionSecrets: "decryption secrets block",
	BlockCustom:            "custom block",
}

// String returns a readable name of the kind, such as "enhanced packet block".
func (k BlockKind) String() string {
	if int(k) < len(blockKindNames) {
		return blockKindNames[k]
	}
	return "BlockKind(" + strconv.Itoa(int(k)) + ")"
}

// Block is one record of a capture file, raw.
type Block struct {
	Offset int64     // file offset of the first byte of Raw
	Kind   BlockKind // what the block is
	Type   uint32    // pcapng block type (0 for pcap)
	Raw    []byte    // the exact bytes of the block including its header; valid until the next call
	Frame  *Frame    // the packet, for packet records and blocks; nil otherwise
}

// Interface describes a capture interface: the one of a pcap file, or a pcapng interface
// description block.
type Interface struct {
	LinkType LinkType
	SnapLen  int    // maximum captured length; 0 means no limit (pcapng)
	Name     string // if_name option (at most 256 bytes are kept); "" when absent
	TSResol  uint8  // if_tsresol: bit 7 clear, 10^-n s; set, 2^-n s (default 6; pcap 6 or 9)
	TSOffset int64  // if_tsoffset: seconds added to every timestamp
	FCSBits  int    // length of the frame check sequence ending each frame, in bits; -1 if unknown
}

// Config configures a Reader. The zero value is the default configuration.
type Config struct {
	// MaxBlockSize is the largest pcapng block or pcap record (header included) that the Reader
	// accepts; a larger one is an ErrTooLarge error, never an allocation. Zero means
	// DefaultMaxBlockSize; other values must be at least MinBlockSizeLimit.
	MaxBlockSize int
}

// DefaultMaxBlockSize is the block size limit of the zero Config: 64 MiB.
const DefaultMaxBlockSize = 64 << 20

// Verify reports whether c is a valid configuration.
func (c Config) Verify() error {
	if c.MaxBlockSize != 0 && c.MaxBlockSize < MinBlockSizeLimit {
		return fmt.Errorf("capture: MaxBlockSize %d below %d", c.MaxBlockSize, MinBlockSizeLimit)
	}
	return nil
}

func (c Config) maxBlockSize() int {
	if c.MaxBlockSize == 0 {
		return DefaultMaxBlockSize
	}
	return c.MaxBlockSize
}
