package table

// Category says which part of the traffic a column describes.
type Category int8

// The categories of columns.
const (
	Irrelevant     Category = iota // not part of the message's bytes: diagnostics, derived values
	Transport                      // capture, link, IP and TCP metadata
	FixedHeader                    // the MQTT fixed header
	VariableHeader                 // the MQTT variable header
	Payload                        // the MQTT payload
)

// String returns the category's name as the schema prints it.
func (c Category) String() string {
	switch c {
	case Transport:
		return "transport"
	case FixedHeader:
		return "fixed_header"
	case VariableHeader:
		return "variable_header"
	case Payload:
		return "payload"
	}
	return "irrelevant"
}
