package conv

// Direction says which way a message travels.
type Direction int8

// The directions of a message.
const (
	DirUnknown     Direction = iota // not decided
	ClientToBroker                  // from the MQTT client to the broker
	BrokerToClient                  // from the broker to the client
)

// String returns "client_to_broker", "broker_to_client" or "unknown".
func (d Direction) String() string {
	switch d {
	case ClientToBroker:
		return "client_to_broker"
	case BrokerToClient:
		return "broker_to_client"
	}
	return "unknown"
}

// Reverse returns the opposite direction.
func (d Direction) Reverse() Direction {
	switch d {
	case ClientToBroker:
		return BrokerToClient
	case BrokerToClient:
		return ClientToBroker
	}
	return DirUnknown
}

// Rule names the evidence that decided a conversation's direction.
type Rule int8

// The rules, in the order they are tried.
const (
	RuleNone    Rule = iota // no evidence yet
	RulePort                // one side uses a server port (1883, 8883, or configured)
	RuleSYN                 // the side that sent the SYN is the client
	RuleMsgType             // a packet type only one side may send
	RuleGuess               // no evidence: the side with the lower port is taken as the broker
)

// String returns "port", "syn", "msgtype", "guess" or "none".
func (r Rule) String() string {
	switch r {
	case RulePort:
		return "port"
	case RuleSYN:
		return "syn"
	case RuleMsgType:
		return "msgtype"
	case RuleGuess:
		return "guess"
	}
	return "none"
}
