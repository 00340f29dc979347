// Package mqtt frames and dissects MQTT control packets of versions 3.1 (protocol name
// "MQIsdp", level 3), 3.1.1 (level 4, OASIS Standard, 29 October 2014) and 5.0 (level 5,
// OASIS Standard, 7 March 2019): every packet type from CONNECT to AUTH and every MQTT 5.0
// property.
//
// ReadFixedHeader frames a byte stream: it reads the fixed header and tells how long the
// packet is. Parse and ParseInto dissect one complete packet. They are lenient, the way
// Wireshark's dissector is: they fill every field the bytes allow, and report separately the
// first rule of the specification that the packet breaks, as an *Error that cites the
// normative statement ("[MQTT-3.3.1-4]") or, where the rule has no numbered statement, the
// section ("2.2.3"). Clauses refer to the MQTT 3.1.1 specification when the packet is parsed
// as 3.1 or 3.1.1 (3.1 has no numbered statements of its own) and to MQTT 5.0 when it is
// parsed as 5.0.
//
// The byte slices of a Packet (Raw, Header, VarHeader, Payload, WillPayload, Password,
// ReasonCodes, Property.Bytes) alias the input; strings are copies.
package mqtt
