// Command writ runs and administers writ, the system a provider's legal team
// uses to handle government demands for customer data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"writ"
)

const usage = `writ handles government demands for customer data.

Usage:
    writ <command> [flags] [arguments]

Commands:
    serve       run the HTTP server (applies migrations first)
    migrate     apply database migrations
    demo        load the demo data set and print the demo users' API tokens
    user        create users and API tokens; set passwords and second factors
    assess      assess a case file (or - for standard input)
    rulebook    check or show a rulebook
    log         the audit log: key, checkpoint, verify, monitor
    documents   rotate the key that seals legal documents and secrets at rest
    backup      copy the SQLite database consistently while writ runs
    restore     put a backup in place of the SQLite database
    report      compute, publish and verify transparency reports
    canary      sign or verify a warrant canary
    version     print the version

Every flag can also be set by an environment variable: --db is WRIT_DB,
--rulebook is WRIT_RULEBOOK, and so on. Run "writ <command> -h" for a
command's flags.
`

// command is one subcommand. Run gets the arguments after the command's
// name. A hidden one is for writ's own use, in no usage or list of
// commands.
type command struct {
	run    func(ctx context.Context, io *stdio, args []string) error
	hidden bool
}

// stdio carries the process's streams, so commands can be run in tests.
type stdio struct {
	in       io.Reader
	out, err io.Writer
	getenv   func(string) string
	// self is the program to start writ's own child processes from (the
	// hash workers of serve), or empty where commands run inside another
	// program (tests), which do their work in their own process.
	self string
}

var commands = map[string]command{
	"serve":     {run: runServe},
	"migrate":   {run: runMigrate},
	"demo":      {run: runDemo},
	"user":      {run: runUser},
	"assess":    {run: runAssess},
	"rulebook":  {run: runRulebook},
	"log":       {run: runLog},
	"documents": {run: runDocuments},
	"backup":    {run: runBackup},
	"restore":   {run: runRestore},
	"report":    {run: runReport},
	"canary":    {run: runCanary},
	"version":   {run: runVersion},
	// serve's password checks, each in a process of its own.
	"hash-worker": {run: runHashWorker, hidden: true},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv, self: selfProgram()}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit status:
// 0 on success, 2 for invalid input or usage, 1 for anything else.
func run(ctx context.Context, sio *stdio, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(sio.err, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		names := make([]string, 0, len(commands))
		for n, c := range commands {
			if !c.hidden {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		fmt.Fprintf(sio.err, "writ: error: unknown command %q\nwrit: hint: the commands are %s\n", args[0], strings.Join(names, ", "))
		return 2
	}
	err := cmd.run(ctx, sio, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(sio.err, "writ: error: %s\n", errorText(err))
	var h hinted
	if errors.As(err, &h) {
		fmt.Fprintf(sio.err, "writ: hint: %s\n", h.hint)
	}
	if writ.ErrorCode(err) == writ.EINVALID {
		return 2
	}
	return 1
}

// errorText is what the command line prints for err. Unlike the API, the
// operator running the command may see internal error text: it is their
// machine and their database.
func errorText(err error) string {
	var h hinted
	if errors.As(err, &h) {
		return h.err.Error()
	}
	return err.Error()
}

// errUsage reports a usage error whose message the flag package has printed.
var errUsage = errors.New("usage")

// hinted is an error with a suggestion printed after it.
type hinted struct {
	err  error
	hint string
}

func (h hinted) Error() string { return h.err.Error() }
func (h hinted) Unwrap() error { return h.err }

// newFlagSet returns a flag set for a command that writes its usage to
// sio.err and reports errors to the caller instead of exiting.
func newFlagSet(sio *stdio, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(sio.err)
	fs.Usage = func() {
		fmt.Fprintf(sio.err, "Usage: writ %s\n\nFlags (each also read from WRIT_<NAME>):\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args after setting every flag that was not given on the
// command line from its WRIT_* environment variable. A bad flag is one line of error and one of hint, not the whole usage;
// -h and --help print the usage.
func parseFlags(fs *flag.FlagSet, sio *stdio, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(sio.err)
	if errors.Is(err, flag.ErrHelp) {
		usage()
		return err
	}
	if err != nil {
		return hinted{err: writ.Errorf(writ.EINVALID, "%v", err), hint: fmt.Sprintf("run \"writ %s -h\" for its flags", fs.Name())}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		env := "WRIT_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := sio.getenv(env); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = writ.Errorf(writ.EINVALID, "%s: %v", env, e)
			}
		}
	})
	return err
}
