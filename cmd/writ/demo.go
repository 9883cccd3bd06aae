package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"writ/demo"
)

func runDemo(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "demo", "demo [--demands N] [--db PATH|URL]")
	sf := addStoreFlags(fs)
	n := fs.Int("demands", 300, "how many demo demands the database should hold")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if *n < 0 {
		fs.Usage()
		return errUsage
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(sio.err, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := demo.Load(ctx, st, demo.Options{Demands: *n, Now: time.Now(), Progress: sio.err})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(sio.out)
	enc.SetIndent("", "  ")
	return enc.Encode(tokens)
}
