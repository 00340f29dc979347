// Package packet decodes the link, IP and transport headers of one captured frame: the layers
// between a pcap or pcapng record and the TCP byte stream that carries MQTT.
//
// Decode reads a frame in place. It does not copy or allocate (unless it returns an error),
// checks bounds before every read, and fills a caller-owned Packet whose byte slices are
// sub-slices of the frame. The link types handled are LINKTYPE_NULL and LOOP (BSD loopback),
// ETHERNET, RAW, IPV4, IPV6, LINUX_SLL and LINUX_SLL2 (https://www.tcpdump.org/linktypes.html),
// with 802.1Q, 802.1ad and QinQ tags, MPLS labels, PPPoE sessions and IP-in-IP tunnels on the
// way to the transport header. IPv4 follows RFC 791, IPv6 and its extension headers RFC 8200,
// TCP RFC 9293 and UDP RFC 768. Defragmenter reassembles IPv4 and IPv6 fragments within a
// memory budget; DecodeTransport then decodes the TCP or UDP header of the reassembled datagram.
//
// Truncation is reported per layer. A frame cut short by the capture's snapshot length inside a
// header yields an error wrapping ErrTruncated (a *DecodeError naming the layer and its offset)
// while the fields of the layers before it stay filled; a frame cut inside the TCP or UDP
// payload decodes without error, with Packet.Truncated set and Packet.PayloadLen larger than
// len(Packet.Payload). Frames that are not IP (ARP, LLDP, IEEE 802.3 length frames, ...) are not
// errors: Packet.IPVersion is 0.
//
// The package exists beside gopacket's DecodingLayerParser and layers package, which the tests
// use as the reference decoder, because mqzip needs what gopacket v1.1.19 lacks: Linux cooked capture v2
// (LINKTYPE_LINUX_SLL2, 276; gopacket's LinkType is a byte); truncation reported precisely, per
// layer, as typed errors rather than "packet too short" strings or recovered panics (its Linux
// SLL decoder slices past the frame on a large address length, which DecodingLayerParser turns
// into a "panic: ..." error); IP fragment reassembly with bounded memory; and speed: on the
// frames of the MQTTset capture, Decode is about three times as fast (compare BenchmarkDecode
// with BenchmarkGopacketDecodingLayerParser, which decode the same preloaded frames).
package packet
