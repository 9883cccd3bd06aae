// Package casework holds the rules of writ's domain that act on a demand
// as a whole: what the rulebook makes of a demand's facts (its case and
// its assessment). The store keeps the records and asks this package for
// the assessment whenever a demand changes, through the one-method
// interface store.Assessor, and records it in the change's transaction.
package casework

import (
	"slices"
	"writ"
	"writ/rules"
)

// CaseOf builds the rulebook's case for a demand of agency ag about
// customer c. The requesting authority counts as verified only when the
// agency is verified in the registry and the legal team (or the agency's
// own signed-in user) established that the requester speaks for it.
func CaseOf(d *writ.Demand, ag writ.Agency, c writ.Customer) (rules.Case, error) {
	k := rules.Case{
		Demand: rules.Demand{
			ReceivedAt: d.ReceivedAt,
			Channel:    d.Channel,
			Authority: rules.Authority{
				Name:     ag.Name,
				Country:  ag.Country,
				Kind:     ag.Kind,
				Verified: ag.Verified && d.RequesterVerified,
			},
			Instrument:             d.Instrument,
			IssuedBy:               d.IssuedBy,
			ValidatedBy:            d.ValidatedBy,
			OffenceMaxYears:        d.OffenceMaxYears,
			OffenceListed:          d.OffenceListed,
			OffenceInIssuingState:  d.OffenceInIssuingState,
			DataCategories:         slices.Clone(d.DataCategories),
			Accounts:               slices.Clone(d.Accounts),
			Due:                    d.Due,
			CustomerFirstException: d.CustomerFirstException,
			SubjectResidence:       d.SubjectResidence,
			SubjectLocation:        d.SubjectLocation,
			SubjectUSPerson:        d.SubjectUSPerson,
			DataLocationsSought:    SoughtLocations(d, c),
			NoticePermitted:        d.NoticePermitted,
		},
		Customer: rules.Customer{
			Kind:            c.Kind,
			HomeCountry:     c.HomeCountry,
			HomeSubdivision: c.HomeSubdivision,
			USPerson:        c.USPerson,
			DataLocations:   c.Countries(),
			KeyCustody:      c.KeyCustody,
			LegalContact:    c.LegalContact,
		},
	}
	if d.Nondisclosure != nil {
		n := &rules.Nondisclosure{Basis: d.Nondisclosure.Basis}
		if d.Nondisclosure.Until != "" {
			until, err := rules.ParseDate(d.Nondisclosure.Until)
			if err != nil {
				return k, writ.FieldErrorf("nondisclosure.until", "not a date (YYYY-MM-DD): %q", d.Nondisclosure.Until)
			}
			n.Until = &until
		}
		k.Demand.Nondisclosure = n
	}
	if d.Emergency != nil {
		k.Demand.Emergency = &rules.Emergency{Justification: d.Emergency.Justification, VerifiedByCallback: d.Emergency.VerifiedByCallback}
	}
	return k, nil
}

// SoughtLocations is what the rulebook takes for the regions a demand
// reaches: the countries it names that hold some of the customer's data.
// A demand that names none (or only places where the customer keeps
// nothing) is taken to reach every location, which weighs every law the
// customer's data answers to; the demand page says so.
func SoughtLocations(d *writ.Demand, c writ.Customer) []string {
	var out []string
	held := c.Countries()
	for _, country := range d.DataLocationsSought {
		if slices.Contains(held, country) && !slices.Contains(out, country) {
			out = append(out, country)
		}
	}
	return out
}

// Assessor assesses demands with a rulebook; it is writ's store.Assessor.
type Assessor struct {
	rules *rules.Rulebook
}

// NewAssessor returns an Assessor that assesses with rb.
func NewAssessor(rb *rules.Rulebook) *Assessor { return &Assessor{rules: rb} }

// Assess is the rulebook's assessment of a demand of agency ag about
// customer c. A demand with no customer names only accounts the provider
// does not hold (CustomerID 0): see noDataHeld. EINVALID when the demand's
// facts do not fit the rulebook (an unknown instrument, say).
func (s *Assessor) Assess(d *writ.Demand, ag writ.Agency, c writ.Customer) (rules.Assessment, error) {
	held := d.CustomerID != 0
	if !held {
		// No customer's facts apply; one of the authority's own country,
		// with no data abroad, raises none of the conflicts or notices
		// that noDataHeld then sets aside anyway.
		c = writ.Customer{Kind: "consumer", HomeCountry: ag.Country, KeyCustody: "provider_managed",
			DataLocations: []writ.DataLocation{{Region: "none", Country: ag.Country}}}
	}
	k, err := CaseOf(d, ag, c)
	if err != nil {
		return rules.Assessment{}, err
	}
	if err := s.rules.Validate(&k); err != nil {
		return rules.Assessment{}, err
	}
	a := s.rules.Assess(k)
	if !held {
		a = noDataHeld(a)
	}
	return a, nil
}

// noDataHeld is the assessment of a demand for accounts the provider does
// not hold, from the rulebook's assessment of its own facts (the
// instrument, the issuer, the requester, its dates): nothing is
// disclosable, since there is no data (rulebook §8), so the route is
// no_data unless a deficiency rejects it (§4 rules 1 and 5). There is no
// customer: no customer first, no notice to give, no data located
// anywhere for a law to protect, no comity. The deadlines to answer the
// authority stay.
func noDataHeld(a rules.Assessment) rules.Assessment {
	const why = "The provider holds none of the accounts named: "
	a.DisclosableCategories, a.ContentAccessible = []string{}, false
	a.Route = rules.RouteNoData
	if !a.LegallySufficient {
		a.Route = rules.RouteReject
	}
	a.CustomerFirst = rules.CustomerFirst{Message: why + "there is no customer to engage first."}
	a.Notice = rules.Notice{Timing: rules.NoticeNone, Message: why + "there is no customer to tell."}
	a.Conflicts, a.NotifyAuthorities = []rules.Conflict{}, []rules.NotifyAuthority{}
	a.Comity = rules.Comity{Message: why + "no comity challenge arises."}
	a.Deadlines = slices.DeleteFunc(a.Deadlines, func(dl rules.Deadline) bool {
		switch dl.Code {
		case rules.DeadlineNotice, rules.DeadlineEarliestDisclosure, rules.DeadlineConflictObjection, rules.DeadlineComityMotion, rules.DeadlinePreserveUntil:
			return true
		}
		return false
	})
	a.Flags = slices.DeleteFunc(a.Flags, func(f string) bool {
		return f == rules.FlagCrossBorder || f == rules.FlagContentTechnicallyUnavailable
	})
	return a
}
