// Package table writes the per-message table of a capture as CSV: one row per MQTT message,
// with Wireshark's field names (frame.number, frame.time_delta, mqtt.msgtype, mqtt.hdrflags,
// mqtt.len, ...) for every value Wireshark also shows, and mqzip.-prefixed names for the
// project's own columns (the raw hex of the fixed header, the variable header and the payload,
// the direction and the rule that set it, status and error).
//
// Every column carries a [Category]: transport metadata, MQTT fixed header, variable header,
// payload, or irrelevant to the message's bytes (diagnostics). [Schema] lists them.
//
// Values follow tshark's -T fields output where a Wireshark field exists: integers in decimal,
// flag bytes as 0x-prefixed hex (mqtt.hdrflags 0x30, tcp.flags 0x0018), times as seconds with
// nine decimals, several values of one field in one message joined by commas. Strings that are
// not valid UTF-8 or hold control characters are escaped as \xNN. Binary values (mqtt.msg,
// mqtt.willmsg, mqtt.passwd when not text) are lower-case hex without separators; mqtt.msg_text
// holds a payload that is valid UTF-8 text.
//
// A second table, of the frames that carry no MQTT message (handshakes, bare
// acknowledgements, other protocols, frames that could not be decoded), is written by
// [FrameWriter].
package table
