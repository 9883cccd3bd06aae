package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"writ/store"
)

func runBackup(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "backup", "backup --out FILE [--db PATH]")
	sf := addStoreFlags(fs, false)
	out := fs.String("out", "", "the backup `file` to write (must not exist)")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errUsage
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, *out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(sio.out, "backed up %s to %s\n", sf.db, *out)
	return err
}

func runRestore(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "restore", "restore --from FILE [--db PATH] [--force]")
	sf := addStoreFlags(fs, true)
	from := fs.String("from", "", "the backup `file` to restore")
	force := fs.Bool("force", false, "replace an existing database (stop writ first)")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if *from == "" {
		fs.Usage()
		return errUsage
	}
	// The backup's documents are sealed with the key they were sealed with;
	// a restore without it would open them with a new, useless one.
	if err := sf.mustExist(false); err != nil {
		return err
	}
	if err := store.Restore(ctx, *from, sf.db, *force); err != nil {
		return err
	}
	// Opening applies any migrations the backup predates.
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = fmt.Fprintf(sio.out, "restored %s from %s; check it with: writ log verify --db %s\n", sf.db, *from, sf.db)
	return err
}
