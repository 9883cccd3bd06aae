package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"writ"
	"writ/identity"
)

func runUser(ctx context.Context, sio *stdio, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "password":
			return runUserPassword(ctx, sio, args[1:])
		case "totp":
			return runUserTOTP(ctx, sio, args[1:])
		}
	}
	fs := newFlagSet(sio, "user", "user --name NAME --email EMAIL --role ROLE [--agency ID] [--customer ID] [--db PATH|URL]\n       writ user password --email EMAIL < password\n       writ user totp --email EMAIL [--remove]")
	sf := addStoreFlags(fs, false)
	name := fs.String("name", "", "the user's `name`")
	email := fs.String("email", "", "the user's e-mail `address`")
	role := fs.String("role", "", "one of admin, reviewer, approver, auditor, agency, customer")
	agency := fs.Int64("agency", 0, "the agency `id` of an agency user")
	customer := fs.Int64("customer", 0, "the customer `id` of a customer user")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(sio.err, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	in := identity.UserInput{Name: *name, Email: *email, Role: writ.Role(*role)}
	if *agency != 0 {
		in.AgencyID = agency
	}
	if *customer != 0 {
		in.CustomerID = customer
	}
	identities := identity.New(st)
	u, err := identities.CreateUser(ctx, writ.System(), in)
	if err != nil {
		return hintField(err)
	}
	token, err := identities.CreateToken(ctx, writ.System(), u.ID, writ.TokenInput{Label: "created by writ user"})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(sio.out)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		writ.User
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"token_expires_at"`
	}{u, token.Secret, token.ExpiresAt})
}

// hintField points a field error at the flag of the same name.
func hintField(err error) error {
	switch writ.ErrorField(err) {
	case "agency_id":
		return hinted{err: err, hint: "give --agency ID for an agency user, and only for one"}
	case "customer_id":
		return hinted{err: err, hint: "give --customer ID for a customer user, and only for one"}
	}
	return err
}
