package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"writ"
	"writ/demo"
	"writ/identity"
)

func runDemo(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "demo", "demo [--demands N] [--db PATH|URL] | demo --token ROLE | demo --codes")
	sf := addStoreFlags(fs, true)
	sf.create = true
	n := fs.Int("demands", 300, "how many demo demands the database should hold")
	codes := fs.Bool("codes", false, "print the demo users' current sign-in codes and exit (the database is not touched)")
	role := fs.String("token", "", "print a new API token for the demo user of the `role` (admin, reviewer, approver, auditor, agency,\ncustomer) and exit, in a data directory the demo data set was loaded into")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if *role != "" {
		sf.create = false
		return printDemoToken(ctx, sio, sf, writ.Role(*role))
	}
	if *codes {
		return printDemoCodes(sio.out, time.Now())
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
	printDemoSignIns(sio.err)
	enc := json.NewEncoder(sio.out)
	enc.SetIndent("", "  ")
	return enc.Encode(tokens)
}

// printDemoToken prints a new API token for the demo user of role, alone
// on a line, for a shell to keep: TOKEN=$(writ demo --token reviewer).
func printDemoToken(ctx context.Context, sio *stdio, sf *storeFlags, role writ.Role) error {
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(sio.err, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	token, err := demo.Token(ctx, st, role)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(sio.out, token)
	return err
}

// printDemoSignIns tells, on standard error so that standard output stays
// the JSON of the API tokens, how each demo user signs in to the web
// application.
func printDemoSignIns(w io.Writer) {
	fmt.Fprintf(w, "\nSign in to the web application at the address \"writ serve\" prints, with password %q and:\n", demo.Password)
	for _, c := range demo.Credentials() {
		fmt.Fprintf(w, "  %-8s  %-26s", c.Role, c.Email)
		if c.TOTPSecret != "" {
			fmt.Fprintf(w, "  TOTP secret %s", c.TOTPSecret)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "The legal team, the auditor and the agency user also give a code: add the secret to an authenticator app, or run \"writ demo --codes\".")
}

// printDemoCodes prints each demo user's current TOTP code, computed from
// the published demo secrets.
func printDemoCodes(w io.Writer, now time.Time) error {
	for _, c := range demo.Credentials() {
		if c.TOTPSecret == "" {
			continue
		}
		code, err := identity.TOTPCode(c.TOTPSecret, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-8s  %-26s  %s\n", c.Role, c.Email, code)
	}
	fmt.Fprintf(w, "valid until %s (codes change every 30 seconds; each is accepted once)\n", now.Truncate(30*time.Second).Add(30*time.Second).Format("15:04:05"))
	return nil
}
