package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is writ's release; a build may override it with
// -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func runVersion(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "version", "version")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	goVersion := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	_, err := fmt.Fprintf(sio.out, "writ %s (%s)\n", version, goVersion)
	return err
}
