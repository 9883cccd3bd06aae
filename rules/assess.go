package rules

import (
	"slices"
	"time"
)

// Assess applies the rulebook to a case. It is pure: the same case and
// rulebook always give the same assessment, and the clock is the case's
// own (received_at, and as_of for later rules).
//
// Assess expects a case that passed Validate (DecodeCase validates). It
// does not fail on one that did not, but its conclusions about codes the
// rulebook does not know are only that the demand is deficient.
func (rb *Rulebook) Assess(c Case) Assessment {
	f := rb.newFacts(&c)
	a := Assessment{Rulebook: rb.version}

	a.PermittedCategories = f.permitted
	a.Deficiencies = rb.deficiencies(f)
	a.LegallySufficient = len(a.Deficiencies) == 0
	a.Conflicts = rb.conflictsOf(f)
	a.ContentAccessible = f.contentAccessible
	a.DisclosableCategories = f.disclosable(a.LegallySufficient)
	a.CustomerFirst = rb.customerFirst(f)
	a.Route = rb.route(f, &a)
	a.Notice = rb.notice(f, a.Route)
	a.Comity = rb.comity(f, len(a.Conflicts) > 0)
	a.Deadlines = rb.deadlines(f, &a)
	a.NotifyAuthorities = rb.notifyAuthorities(f, &a)
	a.Flags = rb.flags(f)
	return a
}

// facts are what the rules ask of a case, worked out once.
type facts struct {
	rb   *Rulebook
	c    *Case
	d    *Demand
	inst *instrument

	received  time.Time // UTC, to the second: the origin of every deadline
	asked     []string  // the categories asked, each once, in the case's order
	askedSet  set
	emergency bool // the demand carries an emergency object, verified or not
	usPerson  bool

	// For EU orders: the effective issuer ("" for none) and whether an
	// emergency lets an order without one through (Art. 4(5)).
	effIssuer       string
	emergencyWaiver bool

	permitted         []string
	contentAccessible bool
	nationalSecurity  bool
}

func (rb *Rulebook) newFacts(c *Case) *facts {
	d := &c.Demand
	f := &facts{
		rb:        rb,
		c:         c,
		d:         d,
		inst:      rb.instruments[d.Instrument],
		received:  d.ReceivedAt.UTC().Truncate(time.Second),
		askedSet:  set{},
		emergency: d.Emergency != nil,
	}
	if f.inst == nil {
		// Only an unvalidated case gets here: an instrument nobody may use
		// and that compels nothing makes it deficient, not a crash.
		f.inst = &instrument{code: d.Instrument, name: d.Instrument, citation: "unknown instrument", countries: set{}, issuers: set{}}
	}
	for _, cat := range d.DataCategories {
		if !f.askedSet[cat] {
			f.askedSet[cat] = true
			f.asked = append(f.asked, cat)
		}
	}
	cu := &c.Customer
	if cu.USPerson != nil {
		f.usPerson = *cu.USPerson
	} else {
		f.usPerson = rb.usPersonDefault[cu.HomeCountry]
	}
	f.contentAccessible = cu.KeyCustody != KeysCustomerManaged
	f.nationalSecurity = d.Authority.Kind == KindNationalSecurity || f.inst.nationalSecurity

	if eff := f.inst.eff; eff != nil {
		switch {
		case eff.from[d.IssuedBy]:
			f.effIssuer = d.IssuedBy
		case d.ValidatedBy != "" && eff.from[d.ValidatedBy]:
			f.effIssuer = d.ValidatedBy
		}
		f.emergencyWaiver = f.effIssuer == "" && f.emergency && eff.emergency != nil && f.askedWithin(eff.emergency)
	}
	f.permitted = f.permittedCategories()
	return f
}

// permittedCategories is what the instrument can compel given its issuer,
// whatever was asked (rulebook.md §8).
func (f *facts) permittedCategories() []string {
	in := f.inst
	switch {
	case in.preserveOnly:
		return []string{}
	case in.eff == nil:
		return slices.Clone(in.compels)
	case f.effIssuer != "":
		return slices.Clone(in.eff.compels[f.effIssuer])
	case f.emergency && in.eff.emergency != nil:
		return slices.Clone(in.eff.emergencyCat)
	}
	return slices.Clone(in.eff.compels[noIssuer])
}

// disclosable is what may be handed over: nothing from a deficient demand,
// otherwise what was asked and can be compelled, less content the provider
// cannot read.
func (f *facts) disclosable(sufficient bool) []string {
	out := []string{}
	if !sufficient {
		return out
	}
	for _, cat := range f.permitted {
		if f.askedSet[cat] && (cat != categoryContent || f.contentAccessible) {
			out = append(out, cat)
		}
	}
	slices.Sort(out)
	return out
}

// askedWithin reports whether every category asked is in s.
func (f *facts) askedWithin(s set) bool {
	for _, cat := range f.asked {
		if !s[cat] {
			return false
		}
	}
	return true
}

// asksAny reports whether some category asked is in s.
func (f *facts) asksAny(s set) bool {
	for _, cat := range f.asked {
		if s[cat] {
			return true
		}
	}
	return false
}

// storedIn reports whether some of the customer's data is stored in s.
func (f *facts) storedIn(s set) bool {
	for _, loc := range f.c.Customer.DataLocations {
		if s[loc] {
			return true
		}
	}
	return false
}

func (rb *Rulebook) customerFirst(f *facts) CustomerFirst {
	cf := CustomerFirst{Applies: rb.customerFirstKinds[f.c.Customer.Kind]}
	switch {
	case f.emergency:
		cf.Exception = ExceptionEmergency
	default:
		cf.Exception = f.d.CustomerFirstException
	}
	t := rb.customerFirstText
	text := t.applies
	switch {
	case cf.Applies && cf.Exception != "":
		text = t.excepted
	case !cf.Applies && cf.Exception != "":
		text = t.notApplicableExcepted
	case !cf.Applies:
		text = t.notApplicable
	}
	cf.Message = text.render(f, "exception", cf.Exception, "customer_kind", kindWords(f.c.Customer.Kind))
	return cf
}

// route is rulebook.md §4: the first that applies.
func (rb *Rulebook) route(f *facts, a *Assessment) string {
	switch {
	case len(a.Deficiencies) > 0:
		return RouteReject
	case f.inst.preserveOnly:
		return RoutePreserve
	case a.CustomerFirst.Applies && a.CustomerFirst.Exception == "":
		return RouteRedirectToCustomer
	case len(a.Conflicts) > 0:
		if rb.challenge.authorityCountries[f.d.Authority.Country] || rb.challenge.instruments[f.inst.code] {
			return RouteChallenge
		}
		return RouteReferToMLAT
	case len(a.DisclosableCategories) == 0:
		return RouteNoData
	}
	return RouteRespond
}

func (rb *Rulebook) notifyAuthorities(f *facts, a *Assessment) []NotifyAuthority {
	out := []NotifyAuthority{}
	n := &rb.notifyDPA
	if !n.routes[a.Route] || n.unlessNotice[a.Notice.Timing] {
		return out
	}
	triggered := false
	for _, c := range a.Conflicts {
		triggered = triggered || n.conflicts[c.Code]
	}
	if !triggered {
		return out
	}
	// The authority of the customer's home country when it has one, else
	// of the first place its data is stored that has one.
	country := ""
	if _, ok := rb.dpas[f.c.Customer.HomeCountry]; ok {
		country = f.c.Customer.HomeCountry
	} else {
		for _, loc := range f.c.Customer.DataLocations {
			if _, ok := rb.dpas[loc]; ok {
				country = loc
				break
			}
		}
	}
	if country == "" {
		return out
	}
	dpa := rb.dpas[country]
	contact := dpa.Address
	if dpa.Email != "" {
		contact = dpa.Email + ", " + dpa.Address
	}
	return append(out, NotifyAuthority{
		Code:    NotifyDPA,
		Country: country,
		Message: n.text.render(f, "country", country, "dpa_name", dpa.Name, "dpa_contact", contact),
	})
}

func (rb *Rulebook) flags(f *facts) []string {
	out := []string{}
	d := f.d
	if f.nationalSecurity {
		out = append(out, FlagNationalSecurity)
	}
	if nd := d.Nondisclosure; nd != nil {
		if nd.Until == nil {
			out = append(out, FlagIndefiniteNDO)
		} else if nd.Until.Time().Sub(f.received) > rb.longNDOAfter.D {
			out = append(out, FlagNDOOverOneYear)
		}
	}
	if f.emergency {
		out = append(out, FlagEmergency)
	}
	if f.askedSet[categoryContent] && !f.contentAccessible {
		out = append(out, FlagContentTechnicallyUnavailable)
	}
	for _, loc := range f.c.Customer.DataLocations {
		if loc != d.Authority.Country {
			out = append(out, FlagCrossBorder)
			break
		}
	}
	slices.Sort(out)
	return out
}

// kindWords writes a code for a sentence: public_sector → public-sector.
func kindWords(code string) string {
	b := []byte(code)
	for i, c := range b {
		if c == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}
