package main

import (
	"context"
	"errors"
	"fmt"

	"writ/rules"
)

const rulebookUsage = `Usage:
    writ rulebook check DIR                 check the rulebook in DIR
    writ rulebook show [--rulebook DIR]     print the rulebook in use

A rulebook is a folder of YAML files laid out like the built-in one (see
"writ rulebook show"). Every problem is reported as FILE:LINE: message.
`

func runRulebook(ctx context.Context, sio *stdio, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(sio.err, rulebookUsage)
		return errUsage
	}
	switch args[0] {
	case "check":
		return runRulebookCheck(sio, args[1:])
	case "show":
		return runRulebookShow(sio, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(sio.err, rulebookUsage)
		return nil
	}
	fmt.Fprintf(sio.err, "writ: error: unknown rulebook command %q\n%s", args[0], rulebookUsage)
	return errUsage
}

func runRulebookCheck(sio *stdio, args []string) error {
	fs := newFlagSet(sio, "rulebook check", "rulebook check DIR")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	dir := fs.Arg(0)
	rb, err := loadRulebook(dir)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(sio.out, "rulebook %s in %s: ok\n", rb.Version(), dir)
	return err
}

func runRulebookShow(sio *stdio, args []string) error {
	fs := newFlagSet(sio, "rulebook show", "rulebook show [--rulebook DIR]")
	dir := fs.String("rulebook", "", "a rulebook `folder` to show instead of the built-in one")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	rb, err := loadRulebook(*dir)
	if err != nil {
		return err
	}
	return rb.Show(sio.out)
}

// loadRulebook loads the rulebook in dir, or the built-in one when dir is
// empty. Commands with a --rulebook flag (WRIT_RULEBOOK) call it.
func loadRulebook(dir string) (*rules.Rulebook, error) {
	if dir == "" {
		return rules.Default()
	}
	rb, err := rules.LoadDir(dir)
	if err != nil {
		var le *rules.LoadError
		if errors.As(err, &le) {
			return nil, fmt.Errorf("rulebook %s has %d problem(s):\n%w", dir, len(le.Problems), err)
		}
		return nil, fmt.Errorf("rulebook %s: %w", dir, err)
	}
	return rb, nil
}
