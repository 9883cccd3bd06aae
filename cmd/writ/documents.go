package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

func runDocuments(ctx context.Context, sio *stdio, args []string) error {
	if len(args) == 0 || args[0] != "rotate-key" {
		fmt.Fprint(sio.err, "Usage: writ documents rotate-key [--db PATH|URL] [--documents-key FILE]\n\n"+
			"Seals every stored legal document and secret (TOTP and webhook secrets) with a new key and then drops the old ones.\n")
		return errUsage
	}
	fs := newFlagSet(sio, "documents rotate-key", "documents rotate-key [--db PATH|URL] [--documents-key FILE]")
	sf := addStoreFlags(fs, false)
	if err := parseFlags(fs, sio, args[1:]); err != nil {
		return err
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := sf.keys.Rotate(ctx, st)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(sio.out, "sealed %d documents with a new key; the old keys are gone from %s\n", n, sf.documentsKey)
	return err
}
