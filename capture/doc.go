// Package capture reads and writes packet capture files in the pcap format (the libpcap file
// format, draft-ietf-opsawg-pcap) and the pcapng format (the PCAP Next Generation capture file
// format, draft-ietf-opsawg-pcapng), as a stream.
//
// A Reader detects the format by its magic number and then returns either the packets
// (Reader.Next) or every record of the file as raw bytes (Reader.NextBlock). Concatenating the
// Raw bytes of every Block reproduces the input byte for byte, which is what a lossless capture
// codec needs to restore a file exactly. The Reader reads through a bufio.Reader and keeps one
// buffer, for blocks larger than that reader's, that grows only to the largest block seen and is
// bounded by Config.MaxBlockSize: its memory does not grow with the length of the file, a hostile
// length field cannot make it allocate, and in steady state it does not allocate per frame.
//
// Frames are numbered from 1 over all packet records (pcap records; pcapng enhanced, simple and
// obsolete packet blocks, across sections), as Wireshark numbers them. Errors are *FormatError
// values that carry the file offset and the frame number and wrap one of ErrFormat,
// ErrUnsupported, ErrTooLarge or io.ErrUnexpectedEOF (a truncated file).
//
// Why not gopacket's pcapgo: its errors carry no file offset or frame number (a truncated record
// is a bare io.ErrUnexpectedEOF, a bad length a capitalised message no caller can match), it hides
// the raw block bytes (options, non-packet blocks, padding) that a lossless codec must restore, and
// its ReadPacketData allocates per packet. TestWhyNotPcapgo and BenchmarkPcapgo show each point;
// the tests still use pcapgo as the reference that this package must agree with.
//
// PcapWriter and NgWriter write the two formats; they are used by tests and to generate captures.
package capture
