package main

import (
	"context"
	"os"

	"writ"
	"writ/identity"
)

// runHashWorker is writ hash-worker, which serve starts to check sign-ins'
// passwords in a process of their own: it answers the requests of its
// standard input, in identity.ServeHashWorker's binary protocol, until
// that input ends. It is for writ alone, in no usage. SIGINT and SIGTERM
// do not end it (main catches them into ctx, which it leaves alone): a
// server that stops gracefully still checks the sign-ins under way, and
// its workers end with their input when it exits.
func runHashWorker(_ context.Context, sio *stdio, args []string) error {
	if len(args) > 0 {
		return writ.Errorf(writ.EINVALID, "hash-worker takes no arguments")
	}
	return identity.ServeHashWorker(sio.in, sio.out)
}

// selfProgram is the file of the running writ, for the processes it
// starts: on Linux /proc/self/exe, which stays this very binary after an
// upgrade has replaced the file it was started from, so that a server
// never starts a worker of another version; elsewhere, or without /proc,
// the file it was started from.
func selfProgram() string {
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		return "/proc/self/exe"
	}
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	return path
}
