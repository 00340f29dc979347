package analysis

// Result is everything the analysis found; it is what summary.json holds.
type Result struct {
	Captures      []Capture        `json:"captures"`
	Summary       Summary          `json:"summary"`
	Thresholds    Thresholds       `json:"thresholds"`
	Fields        []Field          `json:"fields"`
	Conversations []Conversation   `json:"conversations"` // the largest ones, by messages
	Similarity    Similarity       `json:"similarity"`
	Autocorr      []Autocorr       `json:"autocorrelation"`
	LengthSim     LengthSimilarity `json:"length_similarity"`
	Sensors       []Sensor         `json:"sensors"`
	Timing        Timing           `json:"timing"`
}

// Capture describes one input capture.
type Capture struct {
	Name     string  `json:"name"`
	Frames   int     `json:"frames"`
	Bytes    int64   `json:"bytes"`
	Messages int     `json:"messages"`
	Duration float64 `json:"duration_s"` // from the first to the last frame
	Error    string  `json:"error,omitempty"`
}

// Summary counts what the captures hold.
type Summary struct {
	Frames         int            `json:"frames"`
	Messages       int            `json:"messages"`
	Conversations  int            `json:"conversations"`   // TCP connections that carry MQTT
	TCPConnections int            `json:"tcp_connections"` // all TCP connections
	Clients        int            `json:"clients"`         // distinct client identifiers (the client's address when there is no CONNECT)
	Topics         int            `json:"topics"`          // distinct PUBLISH topic names
	Versions       map[string]int `json:"versions"`        // conversations by MQTT version
	Types          map[string]int `json:"types"`           // messages by packet type
	Status         map[string]int `json:"status"`          // messages by status (ok, malformed, ...)
	Bytes          []ByteShare    `json:"bytes"`           // captured bytes by category
	TotalBytes     int64          `json:"total_bytes"`
}

// The byte categories of Summary.Bytes.
const (
	BytesTransport = "transport metadata"   // link, IP and TCP headers of the MQTT connections, their acknowledgements and retransmissions
	BytesFixed     = "MQTT fixed header"    // the fixed headers
	BytesVariable  = "MQTT variable header" // the variable headers
	BytesPayload   = "MQTT payload"         // the payloads
	BytesUnparsed  = "unparsed MQTT bytes"  // truncated messages and bytes that do not frame as MQTT
	BytesOther     = "other traffic"        // frames of other protocols and connections
)

// ByteShare is the captured bytes of one category and their share of all captured bytes.
type ByteShare struct {
	Category string  `json:"category"`
	Bytes    int64   `json:"bytes"`
	Share    float64 `json:"share"`
}

// Thresholds records the verdict thresholds used.
type Thresholds struct {
	MinHitRate   float64  `json:"min_hit_rate"`
	MaxCostRatio float64  `json:"max_cost_ratio"`
	MaxDistinct  int      `json:"max_distinct"`
	Rules        []string `json:"rules"` // the rules, in the order of Field.Hits
}

// Field is one row of the field table.
type Field struct {
	Name           string            `json:"name"` // the message table's column name, or mqzip.properties[Name]
	Category       string            `json:"category"`
	Description    string            `json:"description"`
	Present        int               `json:"present"` // messages that carry the field
	Distinct       int               `json:"distinct"`
	DistinctCapped bool              `json:"distinct_capped,omitempty"` // Distinct and Entropy are upper bounds: past MaxDistinct values, each new one counts as unique
	Entropy        float64           `json:"entropy_bits"`              // H(X)
	CondPrev       float64           `json:"cond_prev_bits"`            // H(X | previous value in the conversation and direction)
	CondType       float64           `json:"cond_type_bits"`            // H(X | packet type)
	Hits           [NumRules]float64 `json:"hit_rates"`                 // share predicted exactly by each rule of RuleNames
	Verdict        string            `json:"verdict"`                   // fixed, predictable or raw
	Rule           string            `json:"rule,omitempty"`            // the rule of a predictable field
	Bits           float64           `json:"bits"`                      // cost per message that carries the field
	BitsPerMessage float64           `json:"bits_per_message"`          // cost averaged over all messages
}

// Conversation describes one MQTT conversation.
type Conversation struct {
	Capture   string `json:"capture"`
	ID        int    `json:"id"` // tcp.stream within its capture
	Client    string `json:"client"`
	Broker    string `json:"broker"`
	ClientID  string `json:"client_id"`
	Version   string `json:"version"`
	Messages  int    `json:"messages"`
	Bytes     int64  `json:"bytes"` // MQTT bytes
	MainTopic string `json:"main_topic"`
	Label     string `json:"label"` // short name for figures: client id (or address) and main topic, after capture#id when there are several captures
}

// Similarity is the payload similarity matrix between conversations.
type Similarity struct {
	Method        string      `json:"method"`
	Conversations []int       `json:"conversations"` // indexes into Result.Conversations
	Labels        []string    `json:"labels"`
	Distance      [][]float64 `json:"distance"`     // NCD: 0 alike .. 1 unrelated
	SampleBytes   []int       `json:"sample_bytes"` // payload bytes compared per conversation
}

// Autocorr is the autocorrelation of message lengths of one conversation and direction.
type Autocorr struct {
	Conversation int       `json:"conversation"` // index into Result.Conversations
	Direction    string    `json:"direction"`
	N            int       `json:"n"` // lengths used (the first ones)
	MeanLen      float64   `json:"mean_length"`
	ACF          []float64 `json:"acf"`        // lags 1..len(ACF)
	Band         []float64 `json:"band"`       // 95% Bartlett band half-width per lag
	Noise        float64   `json:"noise_band"` // 95% white-noise band, 1.96/sqrt(N)
	Period       int       `json:"period"`     // dominant period in messages, 0 when none
	PeriodACF    float64   `json:"period_acf"`
	Constant     bool      `json:"constant,omitempty"` // every length is the same
}

// Point is one point of a scatter plot or sample.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// LengthSimilarity samples message length (X, bytes) against similarity (Y, 0..1) to the
// previous message of the same topic (PUBLISH) and of the same conversation and direction.
type LengthSimilarity struct {
	SameTopic      []Point `json:"same_topic"`
	SameConv       []Point `json:"same_conversation"`
	SameTopicTotal int     `json:"same_topic_total"` // points before sampling
	SameConvTotal  int     `json:"same_conversation_total"`
	SameTopicMean  float64 `json:"same_topic_mean"`
	SameConvMean   float64 `json:"same_conversation_mean"`
}

// Sensor is the numeric values found in the payloads of one topic.
type Sensor struct {
	Capture  string         `json:"capture"`
	Topic    string         `json:"topic"`
	Messages int            `json:"messages"` // PUBLISH messages with at least one value
	Series   []SensorSeries `json:"series"`
}

// SensorSeries is one key's values over time (seconds since the capture's first frame),
// thinned to Config.SeriesLen points.
type SensorSeries struct {
	Key   string    `json:"key"` // "" for a payload that is a plain number
	Count int       `json:"count"`
	Min   float64   `json:"min"`
	Max   float64   `json:"max"`
	T     []float64 `json:"t"`
	V     []float64 `json:"v"`
}

// Timing describes the time between messages.
type Timing struct {
	Edges     []float64   `json:"edges_s"` // histogram bin edges, seconds, logarithmic
	Counts    [2][]int    `json:"counts"`  // per direction (client to broker, broker to client)
	Zero      int         `json:"zero"`    // gaps of 0 s (messages completed by the same frame)
	Gaps      []GapSeries `json:"gaps"`    // per conversation over time
	KeepAlive []KeepAlive `json:"keep_alive"`
	Publish   []Period    `json:"publish_periods"`
}

// GapSeries is the time since the previous message of a conversation, over time.
type GapSeries struct {
	Conversation int       `json:"conversation"` // index into Result.Conversations
	T            []float64 `json:"t"`            // seconds since the capture's first frame
	Gap          []float64 `json:"gap"`          // seconds
}

// KeepAlive is the keep-alive of one conversation: declared in its CONNECT and seen between
// its PINGREQs.
type KeepAlive struct {
	Capture      string  `json:"capture"`
	ID           int     `json:"id"`           // the conversation's tcp.stream within its capture
	Conversation string  `json:"conversation"` // its label
	Declared     int     `json:"declared_s"`   // -1 without a CONNECT
	Pings        int     `json:"pings"`
	Observed     float64 `json:"observed_s"` // median interval between PINGREQs, 0 with fewer than two
	Regularity   float64 `json:"regularity"` // share of intervals within 10% of the median
}

// Period is the publish period of one topic in one conversation and direction.
type Period struct {
	Capture      string  `json:"capture"`
	ID           int     `json:"id"`           // the conversation's tcp.stream within its capture
	Conversation string  `json:"conversation"` // its label
	Direction    string  `json:"direction"`
	Topic        string  `json:"topic"`
	Messages     int     `json:"messages"`
	Median       float64 `json:"median_s"`
	Regularity   float64 `json:"regularity"` // share of intervals within 10% of the median
	Periodic     bool    `json:"periodic"`   // at least 3 intervals, a median above 0, half of them within 10% of it
}
