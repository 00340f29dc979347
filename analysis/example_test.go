package analysis_test

import (
	"fmt"

	"github.com/mqzip/mqzip/analysis"
	"github.com/mqzip/mqzip/dissect"
	"github.com/mqzip/mqzip/sample"
)

func ExampleValues() {
	for _, p := range []string{"23.5", `{"env":{"t":21.5,"h":"40"},"ok":true}`, "t=21.5;bat=3.7V;rssi=-71"} {
		fmt.Println(analysis.Values([]byte(p)))
	}
	// Output:
	// [{ 23.5}]
	// [{env.t 21.5} {env.h 40}]
	// [{t 21.5} {rssi -71}]
}

func ExampleAnalyzer() {
	a, err := analysis.New(analysis.Config{})
	if err != nil {
		panic(err)
	}
	if _, err := a.Capture(sample.Capture(), sample.Name, dissect.Config{}); err != nil {
		panic(err)
	}
	r := a.Result()
	fmt.Println(r.Summary.Messages, "messages in", r.Summary.Conversations, "conversations")
	for _, f := range r.Fields {
		if f.Name == "mqtt.protoname" || f.Name == "tcp.seq" {
			fmt.Println(f.Name, f.Verdict, f.Rule)
		}
	}
	// Output:
	// 338 messages in 2 conversations
	// tcp.seq predictable previous+length
	// mqtt.protoname fixed
}
