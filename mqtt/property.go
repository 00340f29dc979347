package mqtt

import "strconv"

// PropertyID identifies an MQTT 5.0 property (section 2.2.2.2, Table 2-4).
type PropertyID byte

// The MQTT 5.0 properties.
const (
	PropPayloadFormatIndicator          PropertyID = 0x01
	PropMessageExpiryInterval           PropertyID = 0x02
	PropContentType                     PropertyID = 0x03
	PropResponseTopic                   PropertyID = 0x08
	PropCorrelationData                 PropertyID = 0x09
	PropSubscriptionIdentifier          PropertyID = 0x0B
	PropSessionExpiryInterval           PropertyID = 0x11
	PropAssignedClientIdentifier        PropertyID = 0x12
	PropServerKeepAlive                 PropertyID = 0x13
	PropAuthenticationMethod            PropertyID = 0x15
	PropAuthenticationData              PropertyID = 0x16
	PropRequestProblemInformation       PropertyID = 0x17
	PropWillDelayInterval               PropertyID = 0x18
	PropRequestResponseInformation      PropertyID = 0x19
	PropResponseInformation             PropertyID = 0x1A
	PropServerReference                 PropertyID = 0x1C
	PropReasonString                    PropertyID = 0x1F
	PropReceiveMaximum                  PropertyID = 0x21
	PropTopicAliasMaximum               PropertyID = 0x22
	PropTopicAlias                      PropertyID = 0x23
	PropMaximumQoS                      PropertyID = 0x24
	PropRetainAvailable                 PropertyID = 0x25
	PropUserProperty                    PropertyID = 0x26
	PropMaximumPacketSize               PropertyID = 0x27
	PropWildcardSubscriptionAvailable   PropertyID = 0x28
	PropSubscriptionIdentifierAvailable PropertyID = 0x29
	PropSharedSubscriptionAvailable     PropertyID = 0x2A
)

// DataType is the type of a property's value (MQTT 5.0 section 1.5).
type DataType byte

// The data types of property values. DataInvalid is the type of an unknown PropertyID.
const (
	DataInvalid     DataType = iota
	DataByte                 // a single byte
	DataTwoByteInt           // a big-endian uint16 (1.5.2)
	DataFourByteInt          // a big-endian uint32 (1.5.3)
	DataVarInt               // a Variable Byte Integer (1.5.5)
	DataUTF8                 // a UTF-8 Encoded String (1.5.4)
	DataBinary               // Binary Data (1.5.6)
	DataStringPair           // a UTF-8 String Pair (1.5.7)
)

var dataTypeNames = [...]string{"invalid", "byte", "two-byte integer", "four-byte integer",
	"variable byte integer", "UTF-8 string", "binary data", "UTF-8 string pair"}

// String returns the name of the data type, such as "two-byte integer".
func (t DataType) String() string {
	if int(t) < len(dataTypeNames) {
		return dataTypeNames[t]
	}
	return "DataType(" + strconv.Itoa(int(t)) + ")"
}

type propInfo struct {
	name string
	typ  DataType
}

var propInfos = [PropSharedSubscriptionAvailable + 1]propInfo{
	PropPayloadFormatIndicator:          {"Payload Format Indicator", DataByte},
	PropMessageExpiryInterval:           {"Message Expiry Interval", DataFourByteInt},
	PropContentType:                     {"Content Type", DataUTF8},
	PropResponseTopic:                   {"Response Topic", DataUTF8},
	PropCorrelationData:                 {"Correlation Data", DataBinary},
	PropSubscriptionIdentifier:          {"Subscription Identifier", DataVarInt},
	PropSessionExpiryInterval:           {"Session Expiry Interval", DataFourByteInt},
	PropAssignedClientIdentifier:        {"Assigned Client Identifier", DataUTF8},
	PropServerKeepAlive:                 {"Server Keep Alive", DataTwoByteInt},
	PropAuthenticationMethod:            {"Authentication Method", DataUTF8},
	PropAuthenticationData:              {"Authentication Data", DataBinary},
	PropRequestProblemInformation:       {"Request Problem Information", DataByte},
	PropWillDelayInterval:               {"Will Delay Interval", DataFourByteInt},
	PropRequestResponseInformation:      {"Request Response Information", DataByte},
	PropResponseInformation:             {"Response Information", DataUTF8},
	PropServerReference:                 {"Server Reference", DataUTF8},
	PropReasonString:                    {"Reason String", DataUTF8},
	PropReceiveMaximum:                  {"Receive Maximum", DataTwoByteInt},
	PropTopicAliasMaximum:               {"Topic Alias Maximum", DataTwoByteInt},
	PropTopicAlias:                      {"Topic Alias", DataTwoByteInt},
	PropMaximumQoS:                      {"Maximum QoS", DataByte},
	PropRetainAvailable:                 {"Retain Available", DataByte},
	PropUserProperty:                    {"User Property", DataStringPair},
	PropMaximumPacketSize:               {"Maximum Packet Size", DataFourByteInt},
	PropWildcardSubscriptionAvailable:   {"Wildcard Subscription Available", DataByte},
	PropSubscriptionIdentifierAvailable: {"Subscription Identifier Available", DataByte},
	PropSharedSubscriptionAvailable:     {"Shared Subscription Available", DataByte},
}

func (id PropertyID) info() propInfo {
	if int(id) < len(propInfos) {
		return propInfos[id]
	}
	return propInfo{}
}

// String returns the property's name as the specification spells it, such as "Topic Alias",
// or "PropertyID(0x..)" for an unknown identifier.
func (id PropertyID) String() string {
	if n := id.info().name; n != "" {
		return n
	}
	return "PropertyID(0x" + strconv.FormatUint(uint64(id), 16) + ")"
}

// Type returns the data type of the property's value, or DataInvalid for an unknown
// identifier.
func (id PropertyID) Type() DataType { return id.info().typ }

// Property is one MQTT 5.0 property. Which field holds its value depends on ID.Type():
// Uint for the integer types, Str for a UTF-8 string, Bytes for binary data, Key and Value
// for a string pair. A property with an unknown identifier holds the rest of the property
// block in Bytes, as Wireshark shows it.
type Property struct {
	ID         PropertyID
	Uint       uint32
	Str        string
	Bytes      []byte
	Key, Value string
}

// Properties is a list of properties in the order of the packet.
type Properties []Property

// Get returns the first property with the given identifier.
func (ps Properties) Get(id PropertyID) (Property, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	return Property{}, false
}

// propCtx is where a property block sits: a packet type, or willCtx for the Will Properties
// of a CONNECT.
type propCtx byte

const willCtx propCtx = 16

func (c propCtx) String() string {
	if c == willCtx {
		return "Will Properties"
	}
	return Type(c).String()
}

// propSections lists, for every place a property block can sit, the properties allowed there
// in the order of the specification's subsections: the property at index i is described in
// section base + "." + (i+2), after base.1, Property Length.
var propSections = [willCtx + 1]struct {
	base  string
	props []PropertyID
}{
	Connect: {"3.1.2.11", []PropertyID{PropSessionExpiryInterval, PropReceiveMaximum,
		PropMaximumPacketSize, PropTopicAliasMaximum, PropRequestResponseInformation,
		PropRequestProblemInformation, PropUserProperty, PropAuthenticationMethod,
		PropAuthenticationData}},
	willCtx: {"3.1.3.2", []PropertyID{PropWillDelayInterval, PropPayloadFormatIndicator,
		PropMessageExpiryInterval, PropContentType, PropResponseTopic, PropCorrelationData,
		PropUserProperty}},
	Connack: {"3.2.2.3", []PropertyID{PropSessionExpiryInterval, PropReceiveMaximum,
		PropMaximumQoS, PropRetainAvailable, PropMaximumPacketSize, PropAssignedClientIdentifier,
		PropTopicAliasMaximum, PropReasonString, PropUserProperty,
		PropWildcardSubscriptionAvailable, PropSubscriptionIdentifierAvailable,
		PropSharedSubscriptionAvailable, PropServerKeepAlive, PropResponseInformation,
		PropServerReference, PropAuthenticationMethod, PropAuthenticationData}},
	Publish: {"3.3.2.3", []PropertyID{PropPayloadFormatIndicator, PropMessageExpiryInterval,
		PropTopicAlias, PropResponseTopic, PropCorrelationData, PropUserProperty,
		PropSubscriptionIdentifier, PropContentType}},
	Puback:      {"3.4.2.2", []PropertyID{PropReasonString, PropUserProperty}},
	Pubrec:      {"3.5.2.2", []PropertyID{PropReasonString, PropUserProperty}},
	Pubrel:      {"3.6.2.2", []PropertyID{PropReasonString, PropUserProperty}},
	Pubcomp:     {"3.7.2.2", []PropertyID{PropReasonString, PropUserProperty}},
	Subscribe:   {"3.8.2.1", []PropertyID{PropSubscriptionIdentifier, PropUserProperty}},
	Suback:      {"3.9.2.1", []PropertyID{PropReasonString, PropUserProperty}},
	Unsubscribe: {"3.10.2.1", []PropertyID{PropUserProperty}},
	Unsuback:    {"3.11.2.1", []PropertyID{PropReasonString, PropUserProperty}},
	Disconnect: {"3.14.2.2", []PropertyID{PropSessionExpiryInterval, PropReasonString,
		PropUserProperty, PropServerReference}},
	Auth: {"3.15.2.2", []PropertyID{PropAuthenticationMethod, PropAuthenticationData,
		PropReasonString, PropUserProperty}},
}

// propIndex returns the position of property id in propSections[c], or -1 when the
// property is not allowed in context c.
func propIndex(c propCtx, id PropertyID) int {
	if int(c) >= len(propSections) {
		return -1
	}
	for i, p := range propSections[c].props {
		if p == id {
			return i
		}
	}
	return -1
}

// propSection returns the section that describes the property at index i of context c.
func propSection(c propCtx, i int) string {
	return propSections[c].base + "." + strconv.Itoa(i+2)
}
