package report

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
	"writ/rules"
)

// CanaryHeader is the first line of a warrant canary, naming its format
// and version. Version 2 speaks of US national-security process only in
// the bands of the report's structure, and of nothing the report leaves
// out; a canary of version 1 (canaryHeaderV1) made statements such as "No
// national security letter was received", which 50 U.S.C. 1874 does not
// allow, and is only read, to check old signatures.
const CanaryHeader = "writ warrant canary v2"

const canaryHeaderV1 = "writ warrant canary v1"

// Canary is a warrant canary: statements checked against the records as
// of a log checkpoint, signed with the log's key as a note, and valid
// until it expires. Most say what the provider has NOT received in a
// period; a statement that the records falsify is left out, and readers
// are meant to notice it missing, or the canary not renewed. The others
// are always there, so that their presence tells nothing: what the canary
// leaves out, and US national-security process as the report of the
// period gives it, in bands (or why it gives none).
type Canary struct {
	// Version is the format's: 2, or 1 for an old canary read back.
	Version    int
	Period     Period
	Issued     time.Time
	Expires    time.Time
	Checkpoint Checkpoint // Origin, TreeSize and RootHash; Note unused
	Statements []Statement
}

// Statement is one thing the canary says.
type Statement struct {
	Code string // stable: readers compare canaries by it
	Text string
}

// canaryRule is a statement of what was not received, and what would
// falsify it.
type canaryRule struct {
	Statement
	falsifiedBy func(exact []Group) bool
}

// anyGroup reports whether a group with demands satisfies pred.
func anyGroup(groups []Group, pred func(Group) bool) bool {
	return slices.ContainsFunc(groups, func(g Group) bool { return g.Demands > 0 && pred(g) })
}

// canaryRules are the statements of what was not received, in order,
// written from the rulebook so that they cite what it cites. They are
// checked against the demands the report counts in exact figures only, so
// that neither US national-security process nor a demand left out can
// falsify one: a statement dropped would tell of them more than the
// report's bands may.
func canaryRules(rb *rules.Rulebook) []canaryRule {
	home, agreements := rb.HomeCountry(), rb.ContentAgreementInstruments()
	foreignOutsideAgreement := func(g Group) bool {
		return g.Country != home && !slices.Contains(agreements, g.Instrument)
	}
	return []canaryRule{{
		Statement:   Statement{Code: "no-long-gag", Text: "No demand was received under a non-disclosure order without end or longer than one year."},
		falsifiedBy: func(exact []Group) bool { return anyGroup(exact, func(g Group) bool { return g.LongGags > 0 }) },
	}, {
		Statement: Statement{Code: "no-foreign-content-demand-outside-agreement",
			Text: fmt.Sprintf("No authority of a country other than %s asked for the content of communications except by %s.", home, oneOf(rb, agreements))},
		falsifiedBy: func(exact []Group) bool {
			return anyGroup(exact, func(g Group) bool { return foreignOutsideAgreement(g) && slices.Contains(g.Categories, "content") })
		},
	}, {
		Statement: Statement{Code: "no-foreign-content-disclosed-outside-agreement",
			Text: fmt.Sprintf("No content was disclosed to an authority of a country other than %s except under %s.", home, oneOf(rb, agreements))},
		falsifiedBy: func(exact []Group) bool {
			return anyGroup(exact, func(g Group) bool { return foreignOutsideAgreement(g) && g.Outcome == writ.OutcomeContentDisclosed })
		},
	}}
}

// oneOf names the instruments as "one of: A; B; C".
func oneOf(rb *rules.Rulebook, codes []string) string {
	if len(codes) == 0 {
		return "a treaty"
	}
	names := make([]string, len(codes))
	for i, code := range codes {
		names[i], _ = rb.InstrumentName(code)
	}
	return "one of: " + strings.Join(names, "; ")
}

// Codes of the statements a canary always makes.
const (
	statementNotIncluded = "not-included"
	// statementBandsLater and statementBandsAnnual stand for the band
	// statements when the report of the period gives no figures.
	statementBandsLater  = "us-national-security-after-half-year"
	statementBandsAnnual = "us-national-security-reported-annually"
)

// bandStatementCodes are the codes of the band statements, by process.
var bandStatementCodes = map[string]string{
	ProcessCombined:            "us-national-security-process-band",
	rules.ClassNSL:             "us-nsl-band",
	rules.ClassFISAContents:    "us-fisa-contents-band",
	rules.ClassFISANonContents: "us-fisa-non-contents-band",
}

// bandStatements say what the report of the period says of US
// national-security process, and nothing more: each of its band figures,
// or why it gives none.
func bandStatements(r *Report) []Statement {
	ns := r.NationalSecurity
	switch ns.Withheld {
	case WithheldAnnual:
		return []Statement{{Code: statementBandsAnnual, Text: fmt.Sprintf(
			"US national-security process is stated only in bands of %d (%s), once a year, in the canary for the second half of a year, for the calendar year before.",
			ns.BandWidth, ns.Citation)}}
	case WithheldHalfYearNotEnded:
		return []Statement{{Code: statementBandsLater, Text: fmt.Sprintf(
			"US national-security process is stated only in bands of %d (%s), in a canary issued once the half-year has ended, on %s or later; this one was issued before.",
			ns.BandWidth, ns.Citation, r.PeriodEnd.UTC().Format("2 January 2006"))}}
	}
	out := make([]Statement, len(ns.Figures))
	for i, f := range ns.Figures {
		out[i] = Statement{Code: bandStatementCodes[f.Process], Text: fmt.Sprintf("%s received in %s, in bands of %d (%s): %s, targeting %s selectors.",
			ProcessLabel(f.Process), f.Period, ns.BandWidth, ns.Citation, f.Demands, f.Selectors)}
	}
	return out
}

// BuildCanary makes the canary of a period from the input its report is
// built from, issued at in.AsOf: first what it leaves out, then every
// statement of what was not received that no demand counted in exact
// figures falsifies, then US national-security process as the report
// gives it. It fails as Build does when the records do not add up: a
// canary speaks only of records that do.
func BuildCanary(rb *rules.Rulebook, in Input, expires time.Time) (*Canary, error) {
	issued := in.AsOf.UTC().Truncate(time.Second)
	if !expires.After(issued) {
		return nil, writ.FieldErrorf("expires", "the canary must expire after it is issued (%s)", issued.Format(time.RFC3339))
	}
	r, exact, err := build(rb, in)
	if err != nil {
		return nil, err
	}
	cp := in.Checkpoint
	c := &Canary{Version: 2, Period: in.Period, Issued: issued, Expires: expires.UTC().Truncate(time.Second),
		Checkpoint: Checkpoint{Origin: cp.Origin, TreeSize: cp.TreeSize, RootHash: cp.RootHash},
		Statements: []Statement{{Code: statementNotIncluded, Text: notIncludedStatement(r.NotIncluded.Categories, "canary")}}}
	for _, rule := range canaryRules(rb) {
		if !rule.falsifiedBy(exact) {
			c.Statements = append(c.Statements, rule.Statement)
		}
	}
	c.Statements = append(c.Statements, bandStatements(r)...)
	return c, nil
}

// DefaultCanaryExpiry is when a canary of period p expires unless told
// otherwise: a month after the end of the following period, by when the
// next canary is due.
func DefaultCanaryExpiry(p Period) time.Time { return p.Next().End().AddDate(0, 1, 0) }

// Text is the canary's signed text:
//
//	writ warrant canary v2
//	period 2026-H2
//	issued 2027-01-15T10:00:00Z
//	expires 2027-08-01T00:00:00Z
//	log writ.example/log 4711 <base64 root hash>
//	statement not-included One category of demand is not included in this canary: …
//	statement no-long-gag No demand was received under a non-disclosure order …
//	…
//	statement us-national-security-process-band National security letters and FISA orders and directives received in 2026-H2, in bands of 250 (50 U.S.C. 1874(a)(3)): 0-249, targeting 0-249 selectors.
//
// The statements are about the demands received in the period (and, for a
// band that says so, another one) committed to the log before entry 4711.
func (c *Canary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "writ warrant canary v%d\nperiod %s\nissued %s\nexpires %s\nlog %s %d %s\n", c.Version, c.Period,
		c.Issued.UTC().Format(time.RFC3339), c.Expires.UTC().Format(time.RFC3339), c.Checkpoint.Origin, c.Checkpoint.TreeSize, c.Checkpoint.RootHash)
	for _, s := range c.Statements {
		fmt.Fprintf(&b, "statement %s %s\n", s.Code, s.Text)
	}
	return b.String()
}

// Sign signs the canary with the log's key.
func (c *Canary) Sign(signer note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: c.Text()}, signer)
}

// ParseCanaryText reads a canary's text (without signatures).
func ParseCanaryText(text string) (*Canary, error) {
	bad := func(format string, args ...any) error {
		return writ.Errorf(writ.EINVALID, "not a warrant canary: "+format, args...)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	c := &Canary{Statements: []Statement{}}
	switch {
	case len(lines) < 5:
		return nil, bad("the first line must be %q", CanaryHeader)
	case lines[0] == CanaryHeader:
		c.Version = 2
	case lines[0] == canaryHeaderV1:
		c.Version = 1
	default:
		return nil, bad("the first line must be %q", CanaryHeader)
	}
	field := func(line, name string) (string, error) {
		v, ok := strings.CutPrefix(line, name+" ")
		if !ok {
			return "", bad("expected a %s line, got %q", name, line)
		}
		return v, nil
	}
	v, err := field(lines[1], "period")
	if err != nil {
		return nil, err
	}
	if c.Period, err = ParsePeriod(v); err != nil {
		return nil, err
	}
	for i, t := range []*time.Time{&c.Issued, &c.Expires} {
		name := []string{"issued", "expires"}[i]
		v, err := field(lines[2+i], name)
		if err != nil {
			return nil, err
		}
		if *t, err = time.Parse(time.RFC3339, v); err != nil {
			return nil, bad("%s: %v", name, err)
		}
	}
	v, err = field(lines[4], "log")
	if err != nil {
		return nil, err
	}
	parts := strings.Fields(v)
	if len(parts) != 3 {
		return nil, bad("the log line needs an origin, a tree size and a root hash")
	}
	c.Checkpoint.Origin, c.Checkpoint.RootHash = parts[0], parts[2]
	if c.Checkpoint.TreeSize, err = strconv.ParseInt(parts[1], 10, 64); err != nil || c.Checkpoint.TreeSize < 0 {
		return nil, bad("bad tree size %q", parts[1])
	}
	for _, line := range lines[5:] {
		v, err := field(line, "statement")
		if err != nil {
			return nil, err
		}
		code, text, ok := strings.Cut(v, " ")
		if !ok || code == "" || text == "" {
			return nil, bad("a statement needs a code and a text: %q", line)
		}
		c.Statements = append(c.Statements, Statement{Code: code, Text: text})
	}
	return c, nil
}

// ExpiredError is a canary whose validity ended: its statements may no
// longer hold, whatever they say.
type ExpiredError struct{ Expires time.Time }

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("the canary expired at %s: its statements can no longer be relied on", e.Expires.UTC().Format(time.RFC3339))
}

// OpenCanary checks a signed canary: the signature must be the verifier's
// key's, the canary's log must be that key's log, and now must be before
// it expires (an *ExpiredError otherwise, with the canary).
func OpenCanary(signed []byte, verifier note.Verifier, now time.Time) (*Canary, error) {
	n, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return nil, writ.Errorf(writ.EINVALID, "the canary is not signed by the key of %s", verifier.Name())
		}
		return nil, writ.Errorf(writ.EINVALID, "the canary's signature does not verify: %v", err)
	}
	c, err := ParseCanaryText(n.Text)
	if err != nil {
		return nil, err
	}
	if c.Checkpoint.Origin != verifier.Name() {
		return c, writ.Errorf(writ.EINVALID, "the canary is about log %q, not the key's %q", c.Checkpoint.Origin, verifier.Name())
	}
	if !now.Before(c.Expires) {
		return c, &ExpiredError{Expires: c.Expires}
	}
	return c, nil
}
