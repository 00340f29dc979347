// Package analysis measures MQTT traffic before anyone trusts a predictive codec with it. It
// reads the messages and frames that package dissect streams past and reports:
//
//   - for every field of the message table (package table, under Wireshark's names) and every
//     MQTT 5 property: its empirical entropy, its conditional entropy given the same field in the
//     previous message of the same conversation and direction and given the packet type, how
//     often simple rules predict it exactly, and a verdict (fixed, predictable by a rule, or
//     raw) with the bits per message it would cost;
//   - the payload similarity between conversations (normalized compression distance);
//   - the autocorrelation of message lengths per conversation and direction, with its dominant
//     period;
//   - message length against similarity to the previous message of the same topic and of the
//     same conversation;
//   - the numeric values that payloads carry (plain numbers, JSON fields, key=value pairs);
//   - the time between messages, with the keep-alive and publish periods it shows;
//   - a summary: messages, conversations, clients, topics, versions and bytes by category.
//
// Memory is bounded: fields are counted by hash up to Config.MaxDistinct distinct values (later
// new values are counted as unique), series are thinned, scatter points are reservoir samples,
// and per-conversation state is kept for Config.MaxConversations conversations at a time (the
// least recently active are retired first) and for the Config.KeepConversations largest ones
// afterwards.
//
// # Entropies and verdicts
//
// All entropies are plug-in (maximum likelihood) estimates in bits, over the messages that carry
// the field. H(X|prev) conditions on the field's previous value in the same conversation and
// direction, H(X|type) on the MQTT packet type. Conditional plug-in estimates are optimistic when
// a field has nearly as many distinct values as samples (a timestamp determines the next one in
// a finite sample), so the verdict rests on the rules, which are scored on every message:
//
//   - constant: the field's most common value;
//   - same as last: the previous value in the conversation and direction;
//   - previous+1: the previous value plus one (packet identifiers);
//   - previous+length: the previous value plus the previous message's length in the same
//     direction (TCP sequence numbers, stream offsets);
//   - payload length: the previous offset between the field and the message's length (or its
//     MQTT payload's length) still holds (frame.len, tcp.len, mqtt.len);
//   - other direction: the value, or the mirrored field's value (ip.src/ip.dst, ports,
//     seq/ack), of the last message in the opposite direction, or that plus its TCP length
//     (acknowledgement numbers, the packet identifier a PUBACK echoes).
//
// A rule that hits a fraction p of the messages costs h(p) + (1-p)·H(X) bits per message: a
// hit/miss flag coded at its binary entropy h(p), and the value coded at the field's entropy
// on a miss. The verdict is:
//
//   - fixed: the field has a single value; it costs nothing once known;
//   - predictable (rule): the cheapest rule hits at least MinHitRate of the messages and costs
//     at most MaxCostRatio of H(X); it costs that rule's bits (an earlier rule of the list
//     above is preferred when it costs at most 0.02 bits more);
//   - raw: otherwise; it costs H(X) bits.
//
// These thresholds are the same for every capture; Result.Thresholds records them.
package analysis
