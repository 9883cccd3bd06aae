package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"writ"
	"writ/identity"
)

// runUserPassword sets the password a user signs in to the web
// application with. The password is read from standard input (its first
// line), never from the command line, where other users of the machine
// could see it in the process list.
func runUserPassword(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "user password", "user password --email EMAIL [--db PATH|URL] < file-with-the-password")
	sf := addStoreFlags(fs, false)
	email := fs.String("email", "", "the user's e-mail `address`")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *email == "" {
		fs.Usage()
		return errUsage
	}
	// A last line without a newline is still a password.
	line, err := bufio.NewReader(sio.in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return hinted{err: writ.Errorf(writ.EINVALID, "no password on standard input"),
			hint: fmt.Sprintf("pipe it in: printf '%%s\\n' \"$PASSWORD\" | writ user password --email %s (at least %d characters)", *email, identity.MinPasswordLength)}
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(sio.err, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	if err := identity.New(st).SetPassword(ctx, writ.System(), u.ID, password); err != nil {
		return err
	}
	fmt.Fprintf(sio.out, "password set for %s; their web sessions were ended\n", u.Email)
	return nil
}

// runUserTOTP enrols a user's second factor: it makes a new secret and
// prints it with the otpauth:// URI an authenticator app reads.
func runUserTOTP(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "user totp", "user totp --email EMAIL [--remove] [--db PATH|URL]")
	sf := addStoreFlags(fs, false)
	email := fs.String("email", "", "the user's e-mail `address`")
	remove := fs.Bool("remove", false, "remove the user's second factor instead")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *email == "" {
		fs.Usage()
		return errUsage
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(sio.err, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	identities := identity.New(st)
	if *remove {
		if err := identities.SetTOTP(ctx, writ.System(), u.ID, ""); err != nil {
			return err
		}
		fmt.Fprintf(sio.out, "second factor removed for %s\n", u.Email)
		return nil
	}
	secret, err := identity.NewTOTPSecret()
	if err != nil {
		return err
	}
	if err := identities.SetTOTP(ctx, writ.System(), u.ID, secret); err != nil {
		return err
	}
	fmt.Fprintf(sio.out, "%s\nsecret %s\n", identity.TOTPURI(u.Email, secret), secret)
	return nil
}
