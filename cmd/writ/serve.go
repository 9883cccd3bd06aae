package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"writ/httpapi"
)

func runServe(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "serve", "serve [--addr HOST:PORT] [--db PATH|URL] [--rulebook DIR]")
	sf := addStoreFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "the `address` to listen on (port 0 picks a free port)")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(sio.err, nil))
	st, rb, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return hinted{err: fmt.Errorf("listen on %s: %w", *addr, err), hint: "choose another address with --addr, or stop what is using it"}
	}
	api := httpapi.New(httpapi.Options{Store: st, Rules: rb, Logger: log})
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// The address line is printed first and alone, so that scripts and
	// tests starting writ on port 0 can read where it listens.
	fmt.Fprintf(sio.out, "writ listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "rulebook", rb.Version(), "postgres", st.Postgres())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
