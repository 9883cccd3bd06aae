package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"writ"
)

// maxCaseSize bounds a case file: a case is a few kilobytes, so anything
// near this is a mistake, not a case.
const maxCaseSize = 1 << 20

func runAssess(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "assess", "assess [--rulebook DIR] FILE|-")
	dir := fs.String("rulebook", "", "a rulebook `folder` to use instead of the built-in one")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(sio.err, "writ: error: assess takes one case file, or - for standard input")
		fs.Usage()
		return errUsage
	}
	rb, err := loadRulebook(*dir)
	if err != nil {
		return err
	}
	data, err := readCase(sio, fs.Arg(0))
	if err != nil {
		return err
	}
	c, err := rb.DecodeCase(data)
	if err != nil {
		return err
	}
	if c.AsOf == nil {
		now := time.Now().UTC()
		c.AsOf = &now
	}
	out, err := json.MarshalIndent(rb.Assess(c), "", "  ")
	if err != nil {
		return err
	}
	_, err = sio.out.Write(append(out, '\n'))
	return err
}

// readCase reads the case file, or standard input for "-".
func readCase(sio *stdio, name string) ([]byte, error) {
	r := sio.in
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCaseSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCaseSize {
		return nil, writ.Errorf(writ.ETOOLARGE, "the case is over %d bytes", maxCaseSize)
	}
	return data, nil
}
