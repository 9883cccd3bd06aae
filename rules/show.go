package rules

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Show writes the rulebook for a person: a summary of its settings,
// instruments and lists as the evaluator understood them, then every file
// as written.
func (rb *Rulebook) Show(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("rulebook %s\n", rb.version)
	ew.printf("provider: home country %s, EU representative in %s\n", rb.homeCountry, rb.euRepresentative)
	ew.printf("policy: objection window %s; long non-disclosure orders after %s; national-security bands of %d\n\n",
		rb.objectionWindow.Text, rb.longNDOAfter.Text, rb.nationalSecurityBand)

	ew.printf("Instruments\n")
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "code\tauthority countries\tissued by\tcompels\n")
	for _, code := range rb.instrumentCodes {
		in := rb.instruments[code]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", code, in.countriesText, in.issuerText(), in.compelsText())
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	ew.printf("\nConflicts of law\n")
	for _, c := range rb.conflicts {
		ew.printf("  %s\n", c.code)
	}

	ew.printf("\nLists\n")
	for _, name := range rb.listNames {
		members := rb.lists[name].sorted()
		if name == "countries" {
			ew.printf("  %s: %d codes\n", name, len(members))
			continue
		}
		ew.printf("  %s (%d): %s\n", name, len(members), strings.Join(members, " "))
	}

	for _, f := range rb.files {
		ew.printf("\n==> %s <==\n", f.name)
		ew.write(f.data)
		if len(f.data) > 0 && f.data[len(f.data)-1] != '\n' {
			ew.printf("\n")
		}
	}
	return ew.err
}

func (in *instrument) issuerText() string {
	switch {
	case in.eff != nil:
		return "effective issuer: " + strings.Join(in.eff.from.sorted(), " or ")
	case in.anyone:
		return "anyone"
	}
	return strings.Join(in.issuers.sorted(), " or ")
}

func (in *instrument) compelsText() string {
	switch {
	case in.preserveOnly:
		return "nothing (preserve only)"
	case in.eff != nil:
		var parts []string
		for _, k := range append(in.eff.from.sorted(), noIssuer) {
			parts = append(parts, k+": "+orNothing(in.eff.compels[k]))
		}
		return strings.Join(parts, "; ")
	}
	return orNothing(in.compels)
}

func orNothing(cats []string) string {
	if len(cats) == 0 {
		return "nothing"
	}
	return strings.Join(cats, ", ")
}

// errWriter keeps the first write error, so Show can write freely and
// report once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) write(p []byte) { _, _ = e.Write(p) }

func (e *errWriter) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(e, format, args...)
}
