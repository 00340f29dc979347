package proxy_test

import (
	"crypto/tls"
	"log"
	"log/slog"
	"net"
	"os"

	"github.com/mqzip/mqzip/proxy"
)

// A core beside the broker and an edge beside the clients, as "mqzip proxy core" and "mqzip
// proxy edge" run them; on two machines, each with its own certificates.
func Example() {
	cfg := proxy.Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	var coreTLS, edgeTLS *tls.Config // certificates and CAs; see the package tests

	core, err := proxy.NewCore("127.0.0.1:1883", coreTLS, cfg)
	if err != nil {
		log.Fatal(err)
	}
	cl, err := net.Listen("tcp", ":7883")
	if err != nil {
		log.Fatal(err)
	}
	go core.Serve(cl)

	edge, err := proxy.NewEdge("core.example.net:7883", edgeTLS, cfg)
	if err != nil {
		log.Fatal(err)
	}
	el, err := net.Listen("tcp", "127.0.0.1:1884")
	if err != nil {
		log.Fatal(err)
	}
	defer edge.Close()
	go edge.Serve(el)
}
