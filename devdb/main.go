// Command devdb runs an embedded, MongoDB-wire-compatible engine (FerretDB on
// SQLite) on a loopback port, for development and tests.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on (loopback by default)")
	port := flag.Int("port", 27017, "TCP port to listen on")
	dataDir := flag.String("data-dir", ".leeto/devdb", "directory that holds the SQLite files")
	logLevel := flag.String("log-level", "warn", "debug (every command), info, warn or error")
	withParent := flag.Bool("exit-with-parent", false, "stop when the process that started this one exits")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("bad --log-level %q", *logLevel)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		fail("bad data directory: %v", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fail("cannot create data directory: %v", err)
	}
	// FerretDB requires the SQLite URL to name a directory, with a trailing slash.
	url := "file:" + strings.TrimSuffix(dir, "/") + "/"

	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: fmt.Sprintf("%s:%d", *host, *port)},
		Handler:   "sqlite",
		SQLiteURL: url,
		Logger:    logger,
	})
	if err != nil {
		fail("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *withParent {
		go stopWhenOrphaned(ctx, stop)
	}

	fmt.Fprintf(os.Stderr, "devdb: listening on %s:%d, data in %s\n", *host, *port, dir)
	if err := fdb.Run(ctx); err != nil && ctx.Err() == nil {
		fail("%v", err)
	}
}

// stopWhenOrphaned cancels the engine once its parent is gone: a server that
// started it may be killed without the chance to stop it (uvicorn re-raises
// SIGTERM after shutdown, SIGKILL allows nothing), and an orphaned engine would
// keep the port and the data directory.
func stopWhenOrphaned(ctx context.Context, stop context.CancelFunc) {
	parent := os.Getppid()
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if os.Getppid() != parent {
				stop()
				return
			}
		}
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "devdb: "+format+"\n", args...)
	os.Exit(1)
}
