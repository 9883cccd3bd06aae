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
// and version.
const CanaryHeader = "writ warrant canary v1"

// Canary is a warrant canary: statements of what the provider has NOT
// received in a period, each checked against the records as of a log
// checkpoint, signed with the log's key as a note, and valid until it
// expires. A statement that the records falsify is left out; readers are
// meant to notice the statement missing, or the canary not renewed.
type Canary struct {
	Period     Period
	Issued     time.Time
	Expires    time.Time
	Checkpoint Checkpoint // Origin, TreeSize and RootHash; Note unused
	Statements []Statement
}

// Statement is one thing the provider says it has not received.
type Statement struct {
	Code string // stable: readers compare canaries by it
	Text string
}

// CanaryFacts are what the statements of a canary are checked against:
// the groups of the period's demands, national-security ones included,
// how many came from a national-security authority, and how many carry a
// non-disclosure order without end or longer than a year.
type CanaryFacts struct {
	Groups                    []Group
	NationalSecurityAuthority int64
	LongGags                  int64
}

// any reports whether a group with demands satisfies pred.
func (f CanaryFacts) any(pred func(Group) bool) bool {
	return slices.ContainsFunc(f.Groups, func(g Group) bool { return g.Demands > 0 && pred(g) })
}

// canaryRule is a statement and what would falsify it.
type canaryRule struct {
	Statement
	falsifiedBy func(f CanaryFacts) bool
}

// canaryRules are the statements a canary may make, in order, written from
// the rulebook so that they cite what it cites.
func canaryRules(rb *rules.Rulebook) []canaryRule {
	var out []canaryRule
	for _, code := range rb.NationalSecurityInstruments() {
		name, citation := rb.InstrumentName(code)
		out = append(out, canaryRule{
			Statement:   Statement{Code: "no-" + strings.ReplaceAll(code, "_", "-"), Text: fmt.Sprintf("No %s (%s) was received.", name, citation)},
			falsifiedBy: func(f CanaryFacts) bool { return f.any(func(g Group) bool { return g.Instrument == code }) },
		})
	}
	out = append(out, canaryRule{
		Statement:   Statement{Code: "no-national-security-authority", Text: "No demand was received from a national-security or intelligence authority of any country."},
		falsifiedBy: func(f CanaryFacts) bool { return f.NationalSecurityAuthority > 0 },
	}, canaryRule{
		Statement:   Statement{Code: "no-long-gag", Text: "No demand was received under a non-disclosure order without end or longer than one year."},
		falsifiedBy: func(f CanaryFacts) bool { return f.LongGags > 0 },
	})
	home, agreements := rb.HomeCountry(), rb.ContentAgreementInstruments()
	foreignOutsideAgreement := func(g Group) bool {
		return g.Country != home && !slices.Contains(agreements, g.Instrument)
	}
	out = append(out, canaryRule{
		Statement: Statement{Code: "no-foreign-content-demand-outside-agreement",
			Text: fmt.Sprintf("No authority of a country other than %s asked for the content of communications except by %s.", home, oneOf(rb, agreements))},
		falsifiedBy: func(f CanaryFacts) bool {
			return f.any(func(g Group) bool { return foreignOutsideAgreement(g) && slices.Contains(g.Categories, "content") })
		},
	}, canaryRule{
		Statement: Statement{Code: "no-foreign-content-disclosed-outside-agreement",
			Text: fmt.Sprintf("No content was disclosed to an authority of a country other than %s except under %s.", home, oneOf(rb, agreements))},
		falsifiedBy: func(f CanaryFacts) bool {
			return f.any(func(g Group) bool { return foreignOutsideAgreement(g) && g.Outcome == writ.OutcomeContentDisclosed })
		},
	})
	return out
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

// CanaryStatements lists every statement a canary can make, whether or not
// the records allow it now.
func CanaryStatements(rb *rules.Rulebook) []Statement {
	var out []Statement
	for _, r := range canaryRules(rb) {
		out = append(out, r.Statement)
	}
	return out
}

// BuildCanary makes the canary of a period from the facts of its demands
// (national-security ones included): every statement that no demand
// falsifies.
func BuildCanary(rb *rules.Rulebook, p Period, issued, expires time.Time, cp Checkpoint, facts CanaryFacts) (*Canary, error) {
	if !expires.After(issued) {
		return nil, writ.FieldErrorf("expires", "the canary must expire after it is issued (%s)", issued.UTC().Format(time.RFC3339))
	}
	c := &Canary{Period: p, Issued: issued.UTC().Truncate(time.Second), Expires: expires.UTC().Truncate(time.Second),
		Checkpoint: Checkpoint{Origin: cp.Origin, TreeSize: cp.TreeSize, RootHash: cp.RootHash}, Statements: []Statement{}}
	for _, r := range canaryRules(rb) {
		if !r.falsifiedBy(facts) {
			c.Statements = append(c.Statements, r.Statement)
		}
	}
	return c, nil
}

// DefaultCanaryExpiry is when a canary of period p expires unless told
// otherwise: a month after the end of the following period, by when the
// next canary is due.
func DefaultCanaryExpiry(p Period) time.Time { return p.Next().End().AddDate(0, 1, 0) }

// Text is the canary's signed text:
//
//	writ warrant canary v1
//	period 2026-H2
//	issued 2027-01-15T10:00:00Z
//	expires 2027-08-01T00:00:00Z
//	log writ.example/log 4711 <base64 root hash>
//	statement no-us-nsl No US national security letter (18 U.S.C. 2709) was received.
//	…
//
// The statements are about the demands received in the period and
// committed to the log before entry 4711.
func (c *Canary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nperiod %s\nissued %s\nexpires %s\nlog %s %d %s\n", CanaryHeader, c.Period,
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
	if len(lines) < 5 || lines[0] != CanaryHeader {
		return nil, bad("the first line must be %q", CanaryHeader)
	}
	c := &Canary{Statements: []Statement{}}
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
