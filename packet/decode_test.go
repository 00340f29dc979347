package packet

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/mqzip/mqzip/internal/testcaps"
)

var (
	mqttPing = []byte{0xc0, 0x00}                                      // PINGREQ
	mqttPub  = []byte{0x30, 0x07, 0x00, 0x01, 't', 'h', 'e', 'l', 'o'} // PUBLISH "t" "helo"
	tcpOpts  = []byte{2, 4, 0x05, 0xb4, 1, 3, 3, 7}                    // MSS 1460, NOP, window scale 7
)

func TestDecode(t *testing.T) {
	v4tcp := ip4(6, nil, tcp(FlagPSH|FlagACK, nil, mqttPub))
	v6tcp := ip6(6, tcp(FlagACK, nil, mqttPing))
	const (
		v4  = " ip4@%d 10.0.0.1>10.0.0.2"
		pub = `payload="0\a\x00\x01thelo"/9`
	)
	tests := []struct {
		name string
		link LinkType
		data []byte
		want string
	}{
		{"ethernet ipv4 tcp", LinkEthernet, cat(eth(0x0800), v4tcp),
			`link=14 et=0800 ip4@14 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@34 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"ethernet padding excluded", LinkEthernet, cat(eth(0x0800), ip4(6, nil, tcp(FlagACK, nil, nil)), make([]byte, 6)),
			`link=14 et=0800 ip4@14 10.0.0.1>10.0.0.2 hl=20 pl=20 proto=6 tcp@34 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload=""/0`},
		{"ethernet ipv6 tcp", LinkEthernet, cat(eth(0x86dd), v6tcp),
			`link=14 et=86dd ip6@14 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@54 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"802.1Q", LinkEthernet, cat(eth(0x0800, 0x8100, 100), v4tcp),
			`link=18 vlan=[100] et=0800 ip4@18 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@38 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"802.1ad QinQ", LinkEthernet, cat(eth(0x86dd, 0x88a8, 0x2005, 0x8100, 0xe007), ip6(17, udp([]byte("dns")))),
			`link=22 vlan=[5 7] et=86dd ip6@22 2001:db8::1>2001:db8::2 hl=40 pl=11 proto=17 udp@62 5353>53 payload="dns"/3`},
		{"0x9100 QinQ", LinkEthernet, cat(eth(0x0800, 0x9100, 1, 0x8100, 2), v4tcp),
			`link=22 vlan=[1 2] et=0800 ip4@22 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@42 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"five tags, four kept", LinkEthernet, cat(eth(0x0800, 0x88a8, 1, 0x8100, 2, 0x8100, 3, 0x8100, 4, 0x8100, 5), v4tcp),
			`link=34 vlan=[1 2 3 4] et=0800 ip4@34 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@54 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"arp is not ip", LinkEthernet, cat(eth(0x0806), make([]byte, 28)), `link=14 et=0806`},
		{"802.3 length frame", LinkEthernet, cat(eth(0x0026), []byte{0x42, 0x42, 3}, make([]byte, 35)), `link=14 et=0000`},
		{"mpls two labels", LinkEthernet, cat(eth(0x8847), []byte{0, 1, 0, 64, 0, 2, 1, 64}, v4tcp),
			`link=22 et=0800 ip4@22 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@42 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"mpls ethernet pseudowire", LinkEthernet, cat(eth(0x8847), []byte{0, 1, 1, 64}, make([]byte, 4), eth(0x0800), v4tcp), `link=18 et=0000`},
		{"pppoe ipv6", LinkEthernet, cat(eth(0x8864), []byte{0x11, 0, 0, 1}, be16(uint16(2+len(v6tcp))), be16(0x0057), v6tcp),
			`link=22 et=86dd ip6@22 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@62 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"pppoe lcp", LinkEthernet, cat(eth(0x8864), []byte{0x11, 0, 0, 1}, be16(6), be16(0xc021), make([]byte, 4)), `link=22 et=0000`},
		{"ipv4 in ipv6", LinkRaw, ip6(4, v4tcp),
			`link=0 et=0000 tunnels=1 ip4@40 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@60 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"ipv6 in ipv4 in ipv4", LinkEthernet, cat(eth(0x0800), ip4(4, nil, ip4(41, nil, v6tcp))),
			`link=14 et=0800 tunnels=2 ip6@54 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@94 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"sll ipv4", LinkLinuxSLL, cat(sll(0x0800), v4tcp),
			`link=16 et=0800 ip4@16 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@36 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"sll vlan", LinkLinuxSLL, cat(sll(0x8100), be16(42), be16(0x86dd), v6tcp),
			`link=20 vlan=[42] et=86dd ip6@20 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@60 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"sll netlink", LinkLinuxSLL, cat(sll(0x0000), make([]byte, 20)), `link=16 et=0000`},
		{"sll2 ipv6", LinkLinuxSLL2, cat(sll2(0x86dd), v6tcp),
			`link=20 et=86dd ip6@20 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@60 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"sll2 ipv4", LinkLinuxSLL2, cat(sll2(0x0800), v4tcp),
			`link=20 et=0800 ip4@20 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@40 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"null little-endian inet", LinkNull, cat(le32(2), v4tcp),
			`link=4 et=0000 ip4@4 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@24 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"null big-endian inet", LinkNull, cat(be32(2), v4tcp),
			`link=4 et=0000 ip4@4 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@24 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"null inet6 bsd", LinkNull, cat(le32(24), v6tcp),
			`link=4 et=0000 ip6@4 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@44 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"null inet6 freebsd", LinkNull, cat(be32(28), v6tcp),
			`link=4 et=0000 ip6@4 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@44 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"null inet6 darwin", LinkNull, cat(le32(30), v6tcp),
			`link=4 et=0000 ip6@4 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@44 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"null other family", LinkNull, cat(le32(7), v4tcp), `link=4 et=0000`},
		{"loop inet", LinkLoop, cat(be32(2), v4tcp),
			`link=4 et=0000 ip4@4 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@24 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"loop is big-endian only", LinkLoop, cat(le32(2), v4tcp), `link=4 et=0000`},
		{"raw ipv4", LinkRaw, v4tcp,
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@20 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"raw ipv6", LinkRaw, v6tcp,
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@40 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"dlt raw 12", 12, v6tcp,
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@40 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"dlt raw 14", 14, v4tcp,
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@20 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"linktype ipv4", LinkIPv4, v4tcp,
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@20 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"linktype ipv6", LinkIPv6, v6tcp,
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tcp@40 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"ipv4 options", LinkRaw, ip4(6, []byte{0x94, 4, 0, 0, 1, 0, 0, 0}, tcp(FlagACK, nil, mqttPing)),
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=28 pl=22 proto=6 tcp@28 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"ipv4 total length 0 (TSO)", LinkEthernet, cat(eth(0x0800), put16(v4tcp, 2, 0)),
			`link=14 et=0800 ip4@14 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tso tcp@34 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 ` + pub},
		{"ipv4 cut in the payload", LinkEthernet, cat(eth(0x0800), v4tcp[:len(v4tcp)-4]),
			`link=14 et=0800 ip4@14 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 tcp@34 1883>50000 seq=1000 ack=2000 flags=018 win=512 hl=20 opts=0 payload="0\a\x00\x01t"/9 truncated`},
		{"ipv4 first fragment", LinkRaw, put16(v4tcp, 6, 0x2000),
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 frag=0x1234/0+`},
		{"ipv4 last fragment", LinkRaw, put16(v4tcp, 6, 0x00b9),
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=29 proto=6 frag=0x1234/1480`},
		{"ipv4 icmp", LinkRaw, ip4(1, nil, []byte{8, 0, 0, 0, 0, 1, 0, 1}),
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=8 proto=1`},
		{"tcp options and all flags", LinkRaw, ip4(6, nil, tcp(0xfff, tcpOpts, mqttPing)),
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=30 proto=6 tcp@20 1883>50000 seq=1000 ack=2000 flags=fff win=512 hl=28 opts=8 payload="\xc0\x00"/2`},
		{"udp", LinkRaw, ip4(17, nil, udp([]byte("hello"))),
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=13 proto=17 udp@20 5353>53 payload="hello"/5`},
		{"udp length 0", LinkRaw, ip4(17, nil, put16(udp([]byte("hello")), 4, 0)),
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=13 proto=17 udp@20 5353>53 payload="hello"/5`},
		{"udp shorter than ip payload", LinkRaw, ip4(17, nil, put16(udp([]byte("hello")), 4, 10)),
			`link=0 et=0000 ip4@0 10.0.0.1>10.0.0.2 hl=20 pl=13 proto=17 udp@20 5353>53 payload="he"/2`},
		{"ipv6 hop-by-hop, destination, routing", LinkRaw, ip6(0, cat(ext(60, 1), ext(43, 2), ext(6, 1), tcp(FlagACK, nil, mqttPing))),
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=72 pl=22 proto=6 tcp@72 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"ipv6 authentication header", LinkRaw, ip6(51, cat([]byte{6, 4, 0, 0}, make([]byte, 20), tcp(FlagACK, nil, mqttPing))),
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=64 pl=22 proto=6 tcp@64 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"ipv6 esp stops", LinkRaw, ip6(0, cat(ext(50, 1), make([]byte, 24))),
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=48 pl=24 proto=50`},
		{"ipv6 no next header", LinkRaw, ip6(59, nil), `link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=40 pl=0 proto=59`},
		{"ipv6 atomic fragment", LinkRaw, ip6(44, cat(fragHdr(6, 0, false, 9), tcp(FlagACK, nil, mqttPing))),
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=48 pl=22 proto=6 tcp@48 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
		{"ipv6 first fragment", LinkRaw, ip6(60, cat(ext(44, 1), fragHdr(6, 0, true, 0xabcdef01), tcp(FlagACK, nil, mqttPing))),
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=56 pl=22 proto=6 frag=0xabcdef01/0+`},
		{"ipv6 later fragment", LinkRaw, ip6(44, cat(fragHdr(17, 1448, false, 7), []byte("tail"))),
			`link=0 et=0000 ip6@0 2001:db8::1>2001:db8::2 hl=48 pl=4 proto=17 frag=0x7/1448`},
		{"ipv6 payload length 0 (TSO)", LinkEthernet, cat(eth(0x86dd), put16(v6tcp, 4, 0)),
			`link=14 et=86dd ip6@14 2001:db8::1>2001:db8::2 hl=40 pl=22 proto=6 tso tcp@54 1883>50000 seq=1000 ack=2000 flags=010 win=512 hl=20 opts=0 payload="\xc0\x00"/2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			if err := Decode(tt.link, tt.data, &p); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := describe(&p); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if p.LinkType != tt.link {
				t.Errorf("LinkType = %v, want %v", p.LinkType, tt.link)
			}
		})
	}
}

func TestDecodeFields(t *testing.T) {
	data := cat(eth(0x0800), put16(ip4(6, nil, tcp(FlagSYN|FlagECE|FlagCWR, tcpOpts, nil)), 6, 0x4000))
	data[14+1] = 0xb8 // TOS
	var p Packet
	if err := Decode(LinkEthernet, data, &p); err != nil {
		t.Fatal(err)
	}
	if p.TOS != 0xb8 || p.TTL != 64 || p.IPID != 0x1234 || !p.DF || p.Fragment || p.Urgent != 7 || p.Window != 512 ||
		p.Flags != FlagSYN|FlagECE|FlagCWR || !bytes.Equal(p.TCPOptions, tcpOpts) || p.TCPHeaderLen != 28 {
		t.Errorf("fields: %+v", p)
	}
	data = cat(eth(0x86dd), ip6(17, udp(nil)))
	data[14], data[15] = 0x6b, 0x80 // traffic class 0xb8
	if err := Decode(LinkEthernet, data, &p); err != nil {
		t.Fatal(err)
	}
	if p.TOS != 0xb8 || p.TTL != 64 || p.DF || !p.HasUDP || p.HasTCP || p.Payload == nil || p.PayloadLen != 0 {
		t.Errorf("fields: %+v", p)
	}
}

func TestDecodeErrors(t *testing.T) {
	v4tcp := ip4(6, nil, tcp(FlagACK, tcpOpts, mqttPing))
	tests := []struct {
		name   string
		link   LinkType
		data   []byte
		want   error
		layer  string
		offset int
		msg    string // the whole message, when given
	}{
		{"unknown link type", 147, v4tcp, ErrUnsupported, "link", 0, "packet: link at offset 0: link type 147: unsupported"},
		{"empty ethernet", LinkEthernet, nil, ErrTruncated, "ethernet", 0, ""},
		{"short ethernet", LinkEthernet, make([]byte, 13), ErrTruncated, "ethernet", 0, "packet: ethernet at offset 0: header needs 14 bytes, have 13: truncated"},
		{"cut vlan tag", LinkEthernet, eth(0x0800, 0x8100, 1)[:16], ErrTruncated, "vlan", 14, ""},
		{"short sll", LinkLinuxSLL, sll(0x0800)[:15], ErrTruncated, "sll", 0, ""},
		{"short sll2", LinkLinuxSLL2, sll2(0x0800)[:19], ErrTruncated, "sll2", 0, ""},
		{"short null", LinkNull, []byte{2, 0, 0}, ErrTruncated, "null", 0, ""},
		{"short loop", LinkLoop, nil, ErrTruncated, "loop", 0, ""},
		{"empty raw", LinkRaw, nil, ErrTruncated, "raw", 0, ""},
		{"raw version 5", LinkRaw, []byte{0x50, 0, 0, 0}, ErrMalformed, "raw", 0, "packet: raw at offset 0: ip version 5: malformed"},
		{"ipv4 header length 4", LinkEthernet, cat(eth(0x0800), []byte{0x41}, v4tcp[1:]), ErrMalformed, "ipv4", 14,
			"packet: ipv4 at offset 14: header length 4 < 20: malformed"},
		{"ipv4 wrong version", LinkEthernet, cat(eth(0x0800), ip6(59, nil)), ErrMalformed, "ipv4", 14, ""},
		{"ipv4 total length < header", LinkRaw, put16(v4tcp, 2, 19), ErrMalformed, "ipv4", 0, ""},
		{"ipv4 cut in fixed header", LinkRaw, v4tcp[:19], ErrTruncated, "ipv4", 0, ""},
		{"ipv4 cut in options", LinkRaw, ip4(6, make([]byte, 8), nil)[:24], ErrTruncated, "ipv4", 0, ""},
		{"ipv4 version in linktype ipv6", LinkIPv6, v4tcp, ErrMalformed, "ipv6", 0, ""},
		{"ipv6 cut in fixed header", LinkIPv6, ip6(59, nil)[:39], ErrTruncated, "ipv6", 0, ""},
		{"ipv6 extension beyond payload length", LinkIPv6, put16(ip6(0, cat(ext(6, 2), tcp(0, nil, nil))), 4, 8), ErrMalformed, "ipv6", 40, ""},
		{"ipv6 extension cut by capture", LinkIPv6, ip6(0, cat(ext(6, 2), tcp(0, nil, nil)))[:50], ErrTruncated, "ipv6", 40, ""},
		{"tcp data offset 4", LinkRaw, ip4(6, nil, put16(tcp(0, nil, nil), 12, 0x4010)), ErrMalformed, "tcp", 20,
			"packet: tcp at offset 20: header length 16 < 20: malformed"},
		{"tcp data offset past segment", LinkRaw, ip4(6, nil, put16(tcp(0, nil, nil), 12, 0x6010)), ErrMalformed, "tcp", 20, ""},
		{"tcp segment < 20", LinkRaw, ip4(6, nil, make([]byte, 19)), ErrMalformed, "tcp", 20, ""},
		{"tcp cut in fixed header", LinkRaw, v4tcp[:39], ErrTruncated, "tcp", 20, ""},
		{"tcp cut in options", LinkRaw, v4tcp[:45], ErrTruncated, "tcp", 20,
			"packet: tcp at offset 20: header needs 28 bytes, have 25: truncated"},
		{"cut mpls label", LinkEthernet, cat(eth(0x8847), []byte{0, 1, 0, 64, 0, 2}), ErrTruncated, "mpls", 18, ""},
		{"cut pppoe", LinkEthernet, cat(eth(0x8864), []byte{0x11, 0, 0, 1, 0}), ErrTruncated, "pppoe", 14, ""},
		{"inner ip longer than outer", LinkRaw, ip4(4, nil, put16(v4tcp, 2, 100)), ErrMalformed, "ipv4", 20, ""},
		{"inner ip cut by capture", LinkRaw, ip4(4, nil, v4tcp)[:30], ErrTruncated, "ipv4", 20, ""},
		{"udp length 7", LinkRaw, ip4(17, nil, put16(udp(nil), 4, 7)), ErrMalformed, "udp", 20, ""},
		{"udp length past ip payload", LinkRaw, ip4(17, nil, put16(udp(nil), 4, 9)), ErrMalformed, "udp", 20, ""},
		{"udp cut", LinkRaw, ip4(17, nil, udp(nil))[:27], ErrTruncated, "udp", 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			err := Decode(tt.link, tt.data, &p)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, want a *DecodeError", err)
			}
			if !errors.Is(err, tt.want) || de.Layer != tt.layer || de.Offset != tt.offset {
				t.Errorf("Decode = %v (layer %q, offset %d), want %v at %s %d", err, de.Layer, de.Offset, tt.want, tt.layer, tt.offset)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message %q, want %q", err, tt.msg)
			}
			if errors.Is(err, ErrTruncated) != errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrTruncated) != p.Truncated {
				t.Errorf("ErrTruncated, io.ErrUnexpectedEOF and Truncated disagree: %v, %v", err, p.Truncated)
			}
		})
	}
}

// TestDecodeTCPCutKeepsIP checks that the IP fields stay filled when the TCP header is cut.
func TestDecodeTCPCutKeepsIP(t *testing.T) {
	data := cat(eth(0x0800), ip4(6, nil, tcp(FlagACK, nil, mqttPub)))[:14+20+10]
	var p Packet
	err := Decode(LinkEthernet, data, &p)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("Decode = %v, want ErrTruncated", err)
	}
	if p.IPVersion != 4 || p.Src.String() != "10.0.0.1" || p.Dst.String() != "10.0.0.2" || p.Protocol != 6 ||
		p.IPPayloadLen != 29 || len(p.IPPayload) != 10 || !p.Truncated || p.HasTCP {
		t.Errorf("after a cut TCP header: %s", describe(&p))
	}
}

// TestDecodeEveryPrefix decodes every prefix of real TCP frames: each must decode as a shorter
// frame or fail with ErrTruncated, never panic or report another error.
func TestDecodeEveryPrefix(t *testing.T) {
	for _, name := range []string{"arkime/mqtt_big.pcap", "suricata-verify/mqtt5-pub-qos1_input.pcap", "misc/verimqtt-mqtt.pcapng",
		"arkime/mqtt_synthetic.pcap", "mqttset/benign.pcap"} {
		t.Run(name, func(t *testing.T) {
			frames := readCapture(t, testcaps.Find(t, name))
			var full, p Packet
			for _, f := range frames {
				if err := Decode(f.link, f.data, &full); err != nil || !full.HasTCP || len(full.Payload) == 0 {
					continue
				}
				for n := range len(f.data) {
					err := Decode(f.link, f.data[:n], &p)
					if err != nil {
						var de *DecodeError
						if !errors.Is(err, ErrTruncated) || !errors.As(err, &de) || !p.Truncated {
							t.Fatalf("prefix %d of %d: %v", n, len(f.data), err)
						}
						if de.Offset >= full.IPOffset && de.Layer != "vlan" && p.IPVersion != full.IPVersion {
							t.Fatalf("prefix %d: %v, but IP version %d", n, err, p.IPVersion)
						}
						if de.Layer == "tcp" && (p.Src != full.Src || p.Dst != full.Dst || p.Protocol != 6) {
							t.Fatalf("prefix %d: %v, but IP fields lost: %s", n, err, describe(&p))
						}
						continue
					}
					if !p.HasTCP || p.SrcPort != full.SrcPort || p.Seq != full.Seq || p.PayloadLen != full.PayloadLen ||
						!bytes.HasPrefix(full.Payload, p.Payload) || p.Truncated != (len(p.Payload) < p.PayloadLen) {
						t.Fatalf("prefix %d of %d decodes as %s\nfull frame as %s", n, len(f.data), describe(&p), describe(&full))
					}
				}
				return // one frame per capture
			}
			t.Fatal("no TCP frame with payload")
		})
	}
}

func TestDecodeAllocs(t *testing.T) {
	var frames []frame
	for _, name := range []string{"mqttset/benign.pcap", "arkime/arkime_synthetic.pcap", "misc/verimqtt-mqtt.pcapng", "arkime/mqtt_synthetic.pcap"} {
		frames = append(frames, readCapture(t, testcaps.Find(t, name))...)
	}
	frames = append(frames, frame{LinkLinuxSLL2, cat(sll2(0x8100), be16(3), be16(0x86dd),
		ip6(0, cat(ext(60, 1), ext(6, 1), tcp(FlagACK, tcpOpts, mqttPub)))), 0})
	var p Packet
	i := 0
	allocs := testing.AllocsPerRun(len(frames), func() {
		f := frames[i%len(frames)]
		i++
		if err := Decode(f.link, f.data, &p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Decode allocates %.2f times per frame, want 0", allocs)
	}
}

func TestDecodeTransport(t *testing.T) {
	var p Packet
	if err := Decode(LinkRaw, ip4(6, nil, tcp(FlagACK, nil, mqttPub)), &p); err != nil {
		t.Fatal(err)
	}
	seg := tcp(FlagPSH|FlagACK, tcpOpts, mqttPing)
	if err := DecodeTransport(6, seg, &p); err != nil {
		t.Fatal(err)
	}
	if !p.HasTCP || p.TCPOffset != 0 || p.TCPHeaderLen != 28 || !bytes.Equal(p.Payload, mqttPing) || p.PayloadLen != 2 ||
		p.Flags != FlagPSH|FlagACK || p.Src.String() != "10.0.0.1" {
		t.Errorf("DecodeTransport: %s", describe(&p))
	}
	if err := DecodeTransport(17, udp([]byte("x")), &p); err != nil || !p.HasUDP || p.HasTCP || string(p.Payload) != "x" {
		t.Errorf("DecodeTransport udp: %v, %s", err, describe(&p))
	}
	if err := DecodeTransport(1, []byte{8, 0}, &p); err != nil || p.HasUDP || p.HasTCP || p.Payload != nil {
		t.Errorf("DecodeTransport icmp: %v, %s", err, describe(&p))
	}
	err := DecodeTransport(6, seg[:10], &p)
	var de *DecodeError
	if !errors.As(err, &de) || de.Layer != "tcp" || !errors.Is(err, ErrMalformed) {
		t.Errorf("DecodeTransport of 10 bytes: %v", err)
	}
}

func TestLinkTypeString(t *testing.T) {
	for lt, want := range map[LinkType]string{LinkNull: "null", LinkEthernet: "ethernet", 14: "raw", LinkLinuxSLL2: "linux-sll2", 147: "linktype(147)"} {
		if got := lt.String(); got != want {
			t.Errorf("LinkType(%d).String() = %q, want %q", uint32(lt), got, want)
		}
	}
}
