// Command ferretdb runs FerretDB v1 embedded, with its SQLite backend, as the local stack's
// MongoDB-wire server. Embedding the ferretdb package avoids the panic a `go install` of FerretDB's
// own cmd hits when its build-time version file is missing. The stack patches FerretDB's sources
// before building this (tools/stack/patches/ferretdb).
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -debug-addr
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("sqlite-dir", "./data/", "directory for the SQLite databases (trailing slash)")
	params := flag.String("sqlite-params", "", "query of the SQLite URI, e.g. _pragma=synchronous(normal)")
	debug := flag.String("debug-addr", "", "if set, serve Go's pprof (/debug/pprof/) on this address, to profile")
	flag.Parse()

	if *debug != "" {
		go func() { log.Print(http.ListenAndServe(*debug, nil)) }()
	}

	url := "file:" + *dir
	if *params != "" {
		url += "?" + *params
	}

	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}

	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: url,
		Logger:    logger,
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	log.Printf("ferretdb listening on %s, data in %s", *listen, *dir)
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
