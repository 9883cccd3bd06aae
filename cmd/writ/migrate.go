package main

import (
	"context"
	"fmt"
	"log/slog"
)

func runMigrate(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "migrate", "migrate [--db PATH|URL]")
	sf := addStoreFlags(fs, true)
	sf.create = true
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(sio.err, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = fmt.Fprintln(sio.out, "the database is up to date")
	return err
}
