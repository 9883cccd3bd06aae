package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"writ/rules"
)

// namedCase is a case as writ decoded it, with a name to report it by.
type namedCase struct {
	name string
	c    rules.Case
}

// loadCaseFiles reads the cases matched by the glob patterns (relative to
// root unless absolute), each decoded and validated by writ.
func loadCaseFiles(rb *rules.Rulebook, root string, patterns []string) ([]namedCase, error) {
	var out []namedCase
	seen := map[string]bool{}
	for _, pattern := range patterns {
		p := pattern
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		paths, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("case pattern %q: %w", pattern, err)
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("case pattern %q matches no file (under %s)", pattern, root)
		}
		for _, path := range paths {
			if seen[path] {
				continue
			}
			seen[path] = true
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			c, err := rb.DecodeCase(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			name := path
			if rel, err := filepath.Rel(root, path); err == nil {
				name = rel
			}
			out = append(out, namedCase{name: strings.TrimSuffix(name, ".case.json"), c: c})
		}
	}
	return out, nil
}

// generateCases makes n further cases, the same for the same seed, by
// varying the fields of the given cases: instrument, issuer and validator,
// authority and its kind, categories, accounts, offence, due date,
// non-disclosure order, emergency, customer-first exception, time of
// receipt (with its fraction of a second and zone, or one of the instants
// where v2's dates and calendars turn), customer kind, home and its
// subdivision, US person, the person's residence, location and US-person
// status, data locations and those sought, notice permitted and key
// custody. Only cases that writ's DecodeCase accepts are kept.
func generateCases(rb *rules.Rulebook, data *rulebookData, bases []namedCase, n int, seed uint64) ([]namedCase, error) {
	if n <= 0 {
		return nil, nil
	}
	if len(bases) == 0 {
		return nil, fmt.Errorf("no case to vary: give at least one case file")
	}
	g := &generator{
		rng:         rand.New(rand.NewPCG(seed, 0x77726974)),
		data:        data,
		instruments: rb.Instruments(),
		issuers:     rb.Issuers(),
		categories:  rb.Categories(),
		exceptions:  rb.CustomerFirstExceptions(),
		countries:   rb.Countries(),
		// The countries the rules single out (the provider's home and
		// representative, the executive-agreement states, EU and EEA
		// states, Denmark, Switzerland, China, the foreign police
		// profiles) and a few others.
		pool: []string{"US", "GB", "AU", "DE", "FR", "IE", "DK", "NL", "BE", "CH", "CN", "BR", "IS", "NO", "LI", "JP", "IN", "CA", "ES", "MX"},
		// The instants at which v2's dates and calendars turn: the first
		// days of the Agreements and of the e-Evidence Regulation, and
		// receipts whose enforcing-authority window ends on a weekend or
		// across a change of Irish summer time.
		instants: []string{
			"2022-10-02T23:59:59Z", "2022-10-03T00:00:00Z",
			"2024-01-30T23:59:59Z", "2024-01-31T00:00:00Z",
			"2026-08-17T23:30:00Z", "2026-08-18T00:00:00Z",
			"2026-08-20T23:30:00Z", "2026-11-18T10:00:00Z", "2026-11-19T10:00:00Z",
			"2026-11-20T23:59:59Z", "2026-11-21T00:00:00Z",
			"2026-10-15T12:00:00Z", "2026-10-22T23:30:00Z", "2027-03-18T12:00:00Z", "2027-03-27T00:30:00Z",
		},
	}
	out := make([]namedCase, 0, n)
	rejected := 0
	for len(out) < n {
		base := bases[g.rng.IntN(len(bases))]
		c := g.vary(base.c)
		text, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		decoded, err := rb.DecodeCase(text)
		if err != nil {
			if rejected++; rejected > 10*n {
				return nil, fmt.Errorf("generating cases: writ rejects too many (last: %v)", err)
			}
			continue
		}
		out = append(out, namedCase{name: fmt.Sprintf("generated-%04d (from %s)", len(out)+1, base.name), c: decoded})
	}
	return out, nil
}

type generator struct {
	rng         *rand.Rand
	data        *rulebookData
	instruments []string
	issuers     []string
	categories  []string
	exceptions  []string
	countries   []string
	pool        []string
	instants    []string
}

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// country is mostly one of the pool, sometimes any country writ knows.
func (g *generator) country() string {
	if g.chance(0.1) {
		return g.pick(g.countries)
	}
	return g.pick(g.pool)
}

// someOf returns 1 to max distinct members of list, in random order.
func (g *generator) someOf(list []string, maxN int) []string {
	k := 1 + g.rng.IntN(maxN)
	perm := g.rng.Perm(len(list))
	out := make([]string, 0, k)
	for _, i := range perm[:min(k, len(list))] {
		out = append(out, list[i])
	}
	return out
}

// moment is t moved by up to the given days, at a random nanosecond, in one
// of a few zones.
func (g *generator) moment(t time.Time, days int) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -5*3600), time.FixedZone("", 5*3600+1800)}
	shift := time.Duration(g.rng.Int64N(int64(2*days*24)))*time.Hour - time.Duration(days*24)*time.Hour
	return t.Add(shift + time.Duration(g.rng.Int64N(int64(time.Hour)))).In(zones[g.rng.IntN(len(zones))])
}

func (g *generator) optionalBool() *bool {
	switch g.rng.IntN(3) {
	case 0:
		return nil
	case 1:
		t := true
		return &t
	}
	f := false
	return &f
}

// vary returns a copy of c with some fields changed. It never changes what
// c's slices and pointers point to.
func (g *generator) vary(c rules.Case) rules.Case {
	d := &c.Demand
	switch {
	case g.chance(0.1):
		d.ReceivedAt = mustTime(g.pick(g.instants))
	case g.chance(0.15):
		d.ReceivedAt = g.moment(d.ReceivedAt, 400)
	}
	if g.chance(0.5) {
		d.Instrument = g.pick(g.instruments)
		// Mostly an authority that may use it, of a kind that may, and an
		// issuer who may issue it, so that the case goes further than
		// WRONG_JURISDICTION, WRONG_REQUESTER_KIND and JUDGE_REQUIRED.
		in := g.data.Instruments[d.Instrument]
		if valid := in.AuthorityCountries.sorted(); len(valid) > 0 && g.chance(0.8) {
			d.Authority.Country = g.pick(valid)
		} else {
			d.Authority.Country = g.country()
		}
		kinds := g.data.Requesters.DefaultKinds
		if in.RequesterKinds != nil {
			kinds = *in.RequesterKinds
		}
		if !slices.Contains(kinds, d.Authority.Kind) && g.chance(0.8) {
			d.Authority.Kind = g.pick(kinds)
		}
		if issuers, ok := in.IssuedBy.([]string); ok && g.chance(0.8) {
			d.IssuedBy = g.pick(issuers)
		} else if in.EffectiveIssuer != nil && g.chance(0.8) {
			d.IssuedBy = g.pick(in.EffectiveIssuer.Ranked)
		}
	} else if g.chance(0.2) {
		d.Authority.Country = g.country()
	}
	if g.chance(0.15) {
		d.Authority.Kind = g.pick([]string{rules.KindLawEnforcement, rules.KindNationalSecurity, rules.KindRegulator, rules.KindCourt, rules.KindPrivateParty})
	}
	if g.chance(0.05) {
		d.Authority.Verified = !d.Authority.Verified
	}
	if g.chance(0.15) {
		d.IssuedBy = g.pick(g.issuers)
	}
	if g.chance(0.25) {
		d.ValidatedBy = g.pick([]string{"", "judge", "prosecutor"})
	}
	if g.chance(0.25) {
		years := []float64{0, 1, 2, 2.5, 3, 5, 10}
		if i := g.rng.IntN(len(years) + 1); i == len(years) {
			d.OffenceMaxYears = nil
		} else {
			d.OffenceMaxYears = &years[i]
		}
	}
	if g.chance(0.15) {
		d.OffenceListed = !d.OffenceListed
	}
	if g.chance(0.25) {
		d.OffenceInIssuingState = g.optionalBool()
	}
	if g.chance(0.25) {
		d.SubjectResidence = g.pick([]string{"", d.Authority.Country, d.Authority.Country, "US", g.country()})
	}
	if g.chance(0.2) {
		d.SubjectLocation = g.pick([]string{"", d.Authority.Country, "US", g.country()})
	}
	if g.chance(0.2) {
		d.SubjectUSPerson = g.optionalBool()
	}
	switch {
	case g.chance(0.03):
		d.DataCategories = []string{}
	case g.chance(0.45):
		d.DataCategories = g.someOf(g.categories, len(g.categories))
		if g.chance(0.1) { // a category asked twice
			d.DataCategories = append(d.DataCategories, d.DataCategories[0])
		}
	}
	if g.chance(0.03) {
		d.Accounts = []string{}
	}
	if g.chance(0.25) {
		switch {
		case g.chance(0.3):
			d.Due = nil
		case g.chance(0.4):
			// A return date within three weeks: before or after the
			// objection deadlines, the objection window, or an EPOC's.
			due := d.ReceivedAt.Add(time.Duration(1+g.rng.IntN(21*24)) * time.Hour)
			d.Due = &due
		default:
			due := g.moment(d.ReceivedAt.Add(30*24*time.Hour), 25)
			d.Due = &due
		}
	}
	if g.chance(0.3) {
		switch g.rng.IntN(3) {
		case 0:
			d.Nondisclosure = nil
		case 1:
			d.Nondisclosure = &rules.Nondisclosure{Basis: "18 U.S.C. 2705(b)"}
		default:
			until := rules.DateOf(d.ReceivedAt.UTC().Add(time.Duration(30+g.rng.IntN(770)) * 24 * time.Hour))
			d.Nondisclosure = &rules.Nondisclosure{Basis: "court order", Until: &until}
		}
	}
	if g.chance(0.3) {
		switch g.rng.IntN(3) {
		case 0:
			d.Emergency = nil
		case 1:
			d.Emergency = &rules.Emergency{Justification: "threat to life", VerifiedByCallback: true}
		default:
			d.Emergency = &rules.Emergency{Justification: "threat to life", VerifiedByCallback: false}
		}
	}
	if g.chance(0.25) {
		d.CustomerFirstException = g.pick(append([]string{""}, g.exceptions...))
	}
	if g.chance(0.2) {
		d.NoticePermitted = !d.NoticePermitted
	}

	cu := &c.Customer
	if g.chance(0.3) {
		cu.Kind = g.pick([]string{rules.CustomerEnterprise, rules.CustomerPublicSector, rules.CustomerConsumer})
	}
	if g.chance(0.3) {
		cu.HomeCountry = g.country()
		cu.HomeSubdivision = ""
	}
	if g.chance(0.25) {
		cu.HomeSubdivision = g.subdivision(cu.HomeCountry)
	}
	if g.chance(0.2) {
		cu.USPerson = g.optionalBool()
	}
	if g.chance(0.35) {
		locations := make([]string, 1+g.rng.IntN(3))
		for i := range locations {
			locations[i] = g.country()
		}
		cu.DataLocations = slices.Compact(locations)
	}
	if g.chance(0.2) {
		cu.KeyCustody = g.pick([]string{rules.KeysProviderManaged, rules.KeysCustomerManaged, rules.KeysCustomerHeld})
	}
	// The regions sought are some of the customer's locations.
	switch {
	case g.chance(0.2):
		d.DataLocationsSought = g.someOf(cu.DataLocations, len(cu.DataLocations))
	case d.DataLocationsSought != nil && !subset(d.DataLocationsSought, cu.DataLocations):
		d.DataLocationsSought = nil
	}
	return c
}

// subdivision is a subdivision of country: mostly one the directory of data
// protection authorities lists, sometimes one it does not, or none.
func (g *generator) subdivision(country string) string {
	var listed []string
	for _, key := range slices.Sorted(maps.Keys(g.data.DPAs)) {
		if len(key) > 2 && key[:2] == country {
			listed = append(listed, key)
		}
	}
	switch {
	case len(listed) > 0 && g.chance(0.8):
		return g.pick(listed)
	case g.chance(0.5):
		return country + "-ZZ"
	}
	return ""
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
