package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"writ"
	"writ/report"
)

const canaryUsage = `Usage:
    writ canary --period 2026-H2 [--expires YYYY-MM-DD] [--publish] [--db …] [--log-key FILE]
                sign a warrant canary: what the records, as of a checkpoint signed
                now, show was NOT received in the half-year, and US national-security
                process only in the bands the half-year's report gives
    writ canary verify [--log-key FILE | --verifier-key KEY] [--at TIME] CANARY
                check a canary's signature and that it has not expired
`

func runCanary(ctx context.Context, sio *stdio, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "verify":
			return runCanaryVerify(sio, args[1:])
		case "-h", "--help", "help":
			fmt.Fprint(sio.err, canaryUsage)
			return nil
		}
	}
	fs := newFlagSet(sio, "canary", "canary --period 2026-H2 [--expires YYYY-MM-DD] [--publish] [--db PATH|URL] [--log-key FILE]")
	sf := addStoreFlags(fs, true)
	kf := addLogKeyFlags(fs, true)
	periodFlag := fs.String("period", "", "the half-year the canary speaks of, as 2026-H2")
	expires := fs.String("expires", "", "the `date` the canary expires (default: a month after the end of the following half-year)")
	publish := fs.Bool("publish", false, "publish the canary: keep it for /transparency/canary and append its SHA-256 to the audit log")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *periodFlag == "" {
		return writ.FieldErrorf("period", "required: the half-year the canary speaks of, as 2026-H2")
	}
	period, err := report.ParsePeriod(*periodFlag)
	if err != nil {
		return err
	}
	var until time.Time
	if *expires != "" {
		if until, err = time.Parse(time.DateOnly, *expires); err != nil {
			return writ.FieldErrorf("expires", "not a date (YYYY-MM-DD): %q", *expires)
		}
	}
	if err := sf.mustExist(true); err != nil {
		return err
	}
	key, err := kf.load(sf.db)
	if err != nil {
		return err
	}
	st, rb, err := sf.open(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	reports := report.NewService(st, rb, nil)
	signed, err := st.IssueCheckpoint(ctx, key.Signer)
	if err != nil {
		return err
	}
	c, err := reports.BuildCanary(ctx, writ.System(), report.CanaryOptions{Period: period, Checkpoint: signed, Verifier: key.Verifier, Expires: until})
	if err != nil {
		return err
	}
	note, err := c.Sign(key.Signer)
	if err != nil {
		return err
	}
	if *publish {
		p, err := reports.PublishCanary(ctx, writ.System(), note, key.Verifier)
		if err != nil {
			return err
		}
		fmt.Fprintf(sio.err, "published the canary of %s (sha256 %s) at log entry %d\n", c.Period, p.SHA256, p.LogIndex)
	}
	_, err = sio.out.Write(note)
	return err
}

func runCanaryVerify(sio *stdio, args []string) error {
	fs := newFlagSet(sio, "canary verify", "canary verify [--log-key FILE | --verifier-key KEY] [--at TIME] CANARY")
	kf := addLogKeyFlags(fs, false)
	vkey := fs.String("verifier-key", "", "the audit log's verifier `key`, as \"writ log key\" prints it")
	at := fs.String("at", "", "check expiry as of this RFC 3339 `time` instead of now")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	signed, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return writ.Errorf(writ.EINVALID, "%v", err)
	}
	now := time.Now()
	if *at != "" {
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			return writ.FieldErrorf("at", "not an RFC 3339 time: %q", *at)
		}
	}
	verifier, err := verifierOf(*vkey, kf, defaultDB)
	if err != nil {
		return err
	}
	c, err := report.OpenCanary(signed, verifier, now)
	var expired *report.ExpiredError
	if errors.As(err, &expired) {
		return hinted{err: err, hint: "ask the provider for its current canary; a canary that is not renewed is a warning in itself"}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(sio.out, "canary of %s signed by %s, issued %s, valid until %s, as of log entry %d:\n",
		c.Period, verifier.Name(), c.Issued.Format(time.RFC3339), c.Expires.Format(time.RFC3339), c.Checkpoint.TreeSize)
	for _, s := range c.Statements {
		fmt.Fprintf(sio.out, "  %s: %s\n", s.Code, s.Text)
	}
	return nil
}
