package rules

import (
	"fmt"
	"io"
	"slices"
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
	ew.printf("policy: objection window %s; long non-disclosure orders after %s; delayed notices reviewed at %02d:00 UTC the day after the order ends\n",
		rb.objectionWindow.Text, rb.longNDOAfter.Text, rb.noticeReviewHour)
	t := rb.transparency
	ew.printf("transparency: US national-security process in bands of %d (%s, %s)", t.Structure.Band, t.Structure.Code, t.Structure.Citation)
	if !t.IncludeForeignNationalSecurity {
		ew.printf("; demands of foreign national-security authorities left out")
	}
	ew.printf("\n\n")

	ew.printf("Instruments\n")
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "code\tauthority countries\tissued by\tin force\tcompels\n")
	for _, code := range rb.instrumentCodes {
		in := rb.instruments[code]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", code, in.countriesText, in.issuerText(), in.inForceText, in.compelsText())
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
		return "effective issuer: the higher of " + strings.Join(in.eff.ranked, " > ")
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
		for _, k := range append(slices.Clone(in.eff.ranked), noIssuer) {
			parts = append(parts, k+": "+orNothing(in.eff.compels[k]))
		}
		return strings.Join(parts, "; ")
	}
	text := orNothing(in.compels)
	if in.compelsInEmergency != nil {
		text += " (verified emergency: " + orNothing(in.compelsInEmergency) + ")"
	}
	for _, country := range sortedKeys(in.profiles) {
		p := in.profiles[country]
		if p.compels != nil {
			text += "; " + country + ": " + orNothing(p.compels)
		}
		if p.compelsInEmergency != nil {
			text += "; " + country + " (verified emergency): " + orNothing(p.compelsInEmergency)
		}
	}
	return text
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
