package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mqzip/mqzip/proxy"
)

func proxyCommand() *cli.Command {
	return &cli.Command{
		Name:      "proxy",
		Usage:     "compress MQTT between two sites: an edge beside the clients, a core beside the broker",
		ArgsUsage: "edge|core",
		Description: "Run \"mqzip proxy edge\" where the MQTT clients are and \"mqzip proxy core\" beside the broker:\n" +
			"\n" +
			"    mqzip proxy edge --listen 127.0.0.1:1883 --link core.example.net:7883 \\\n" +
			"        --tls-ca ca.pem --tls-cert edge.pem --tls-key edge-key.pem\n" +
			"    mqzip proxy core --listen :7883 --broker 127.0.0.1:1883 \\\n" +
			"        --tls-cert core.pem --tls-key core-key.pem --tls-client-ca ca.pem\n" +
			"\n" +
			"Clients connect to the edge as if it were the broker; the broker sees ordinary MQTT from the\n" +
			"core; only the link between the two carries compressed data, over TLS unless --plain. The\n" +
			"edge carries all its clients over one link connection (--links for more), each client a\n" +
			"stream with its own models: if the link or a proxy goes away, its clients are disconnected\n" +
			"and reconnect as MQTT clients do; if the broker does, so are the clients it served. The\n" +
			"edge's model flags and --window travel to the core, which accepts them within its own\n" +
			"--model-bits, --max-packet and --window.\n" +
			"Counters are logged every --log-every and on exit, and served in Prometheus text format on\n" +
			"--metrics-addr.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Usage: "accept MQTT clients (edge; default 127.0.0.1:1883) or links (core; default :7883) on `HOST:PORT`"},
			&cli.StringFlag{Name: "link", Usage: "the core's `HOST:PORT` (edge)"},
			&cli.StringFlag{Name: "broker", Usage: "the MQTT broker's `HOST:PORT` (core)", Value: "127.0.0.1:1883"},
			&cli.BoolFlag{Name: "plain", Usage: "no TLS on the link (only on a network you trust)"},
			&cli.StringFlag{Name: "tls-cert", Usage: "the certificate to present, in `FILE` (PEM; the core needs one)"},
			&cli.StringFlag{Name: "tls-key", Usage: "the private key of --tls-cert, in `FILE` (PEM)"},
			&cli.StringFlag{Name: "tls-ca", Usage: "verify the core's certificate with the CA certificates in `FILE` (edge; PEM; default: the system's)"},
			&cli.StringFlag{Name: "tls-server-name", Usage: "expect the core's certificate to name `NAME` (edge; default: the host of --link)"},
			&cli.StringFlag{Name: "tls-client-ca", Usage: "accept only edges whose certificate the CA certificates in `FILE` signed (core; PEM)"},
			&cli.DurationFlag{Name: "max-delay", Usage: "hold coded messages up to `DURATION` to send those of all clients in one link write and TLS record (0: write as soon as the link is free)"},
			&cli.IntFlag{Name: "links", Usage: "link connections to the core, `N` (edge; each carries many clients)", Value: proxy.DefaultLinks},
			&cli.IntFlag{Name: "window", Usage: "each client stream's receive window, `BYTES` of link data (edge: used; core: the most an edge may ask for)", Value: proxy.DefaultWindow},
			&cli.IntFlag{Name: "max-packet", Usage: "refuse MQTT packets longer than `BYTES`", Value: proxy.DefaultMaxPacket},
			&cli.UintFlag{Name: "model-bits", Usage: "log2 of the byte contexts per direction, 1 KiB each (edge: used; core: the most an edge may ask for)", Value: proxy.DefaultModelBits},
			&cli.IntFlag{Name: "model-limit", Usage: "send packets longer than `BYTES` with DEFLATE instead of the model (edge)", Value: proxy.DefaultModelLimit},
			&cli.IntFlag{Name: "check-every", Usage: "every `N`-th message carries a CRC-32 of the packets before it (edge; -1: never)", Value: proxy.DefaultCheckEvery},
			&cli.UintFlag{Name: "check-bits", Usage: "check `N` bits (0 to 16) of a hash of each message before forwarding it (edge; each bit costs 1/8 byte a message)"},
			&cli.DurationFlag{Name: "write-timeout", Usage: "disconnect a peer that takes no data for `DURATION` (0: never)"},
			&cli.StringFlag{Name: "metrics-addr", Usage: "serve the counters in Prometheus text format on `HOST:PORT` (any path)"},
			&cli.DurationFlag{Name: "log-every", Usage: "log the counters every `DURATION` (0: only on exit)", Value: time.Minute},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log every connection"},
		},
		Action: runProxy,
	}
}

func runProxy(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("proxy: say edge or core")
	}
	log := proxyLogger(c)
	switch role := c.Args().First(); role {
	case "edge":
		if c.String("link") == "" {
			return errors.New("proxy edge: --link is required")
		}
		tc, err := edgeTLS(c)
		if err != nil {
			return err
		}
		e, err := proxy.NewEdge(c.String("link"), tc, proxyConfig(c, log))
		if err != nil {
			return err
		}
		return serveProxy(c, log, listenAddr(c, "127.0.0.1:1883"), e.Serve, e.Close, e.Metrics())
	case "core":
		tc, err := coreTLS(c)
		if err != nil {
			return err
		}
		k, err := proxy.NewCore(c.String("broker"), tc, proxyConfig(c, log))
		if err != nil {
			return err
		}
		return serveProxy(c, log, listenAddr(c, ":7883"), k.Serve, k.Close, k.Metrics())
	default:
		return fmt.Errorf("proxy: unknown role %q: say edge or core", role)
	}
}

func listenAddr(c *cli.Context, def string) string {
	if a := c.String("listen"); a != "" {
		return a
	}
	return def
}

// proxyConfig turns the shared flags into a proxy.Config.
func proxyConfig(c *cli.Context, log *slog.Logger) proxy.Config {
	checkEvery := c.Int("check-every")
	if checkEvery == 0 {
		checkEvery = -1
	}
	return proxy.Config{
		MaxDelay:     c.Duration("max-delay"),
		Links:        c.Int("links"),
		Window:       c.Int("window"),
		MaxPacket:    c.Int("max-packet"),
		ModelBits:    c.Uint("model-bits"),
		ModelLimit:   c.Int("model-limit"),
		CheckEvery:   checkEvery,
		CheckBits:    c.Uint("check-bits"),
		WriteTimeout: c.Duration("write-timeout"),
		Logger:       log,
	}
}

func proxyLogger(c *cli.Context) *slog.Logger {
	level := slog.LevelInfo
	if c.Bool("verbose") {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// serveProxy listens, serves until SIGINT or SIGTERM, and logs the counters periodically and
// on exit.
func serveProxy(c *cli.Context, log *slog.Logger, listen string, serve func(net.Listener) error, stop func() error, m *proxy.Metrics) error {
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	if addr := c.String("metrics-addr"); addr != "" {
		ml, err := net.Listen("tcp", addr)
		if err != nil {
			l.Close()
			return err
		}
		log.Info("serving metrics", "addr", ml.Addr().String())
		go (&http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}).Serve(ml)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if every := c.Duration("log-every"); every > 0 {
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					m.Log(log, "counters")
				}
			}
		}()
	}
	log.Info("listening", "addr", l.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- serve(l) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("stopping")
	}
	stop()
	m.Log(log, "totals")
	if errors.Is(err, proxy.ErrServerClosed) {
		err = nil
	}
	return err
}

// edgeTLS returns the edge's TLS configuration: nil with --plain, else one that verifies the
// core and presents the edge's certificate, if given.
func edgeTLS(c *cli.Context) (*tls.Config, error) {
	if c.Bool("plain") {
		if c.String("tls-ca") != "" || c.String("tls-cert") != "" || c.String("tls-client-ca") != "" {
			return nil, errors.New("--plain and --tls-* flags together")
		}
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.String("tls-server-name")}
	if f := c.String("tls-ca"); f != "" {
		pool, err := certPool(f)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	if err := loadKeyPair(c, tc); err != nil {
		return nil, err
	}
	return tc, nil
}

// coreTLS returns the core's TLS configuration: nil with --plain, else its certificate and,
// with --tls-client-ca, the requirement that edges present a certificate that CA signed.
func coreTLS(c *cli.Context) (*tls.Config, error) {
	if c.Bool("plain") {
		if c.String("tls-ca") != "" || c.String("tls-cert") != "" || c.String("tls-client-ca") != "" {
			return nil, errors.New("--plain and --tls-* flags together")
		}
		return nil, nil
	}
	if c.String("tls-cert") == "" {
		return nil, errors.New("the core needs --tls-cert and --tls-key (or --plain for a link without TLS)")
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if err := loadKeyPair(c, tc); err != nil {
		return nil, err
	}
	if f := c.String("tls-client-ca"); f != "" {
		pool, err := certPool(f)
		if err != nil {
			return nil, err
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

func loadKeyPair(c *cli.Context, tc *tls.Config) error {
	cert, key := c.String("tls-cert"), c.String("tls-key")
	if cert == "" && key == "" {
		return nil
	}
	if cert == "" || key == "" {
		return errors.New("--tls-cert and --tls-key go together")
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return err
	}
	tc.Certificates = []tls.Certificate{pair}
	return nil
}

func certPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate", file)
	}
	return pool, nil
}
