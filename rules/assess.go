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
	a.Conflicts = rb.conflictsOf(f, a.LegallySufficient)
	a.ContentAccessible = f.contentAccessible
	a.DisclosableCategories = f.disclosable(a.LegallySufficient)
	a.CustomerFirst = rb.customerFirst(f)
	a.Route = rb.route(f, &a)
	a.Notice = rb.notice(f, a.Route)
	a.Comity = rb.comity(f, len(a.Conflicts) > 0)
	a.Deadlines = rb.deadlines(f, &a)
	a.NotifyAuthorities = rb.notifyAuthorities(f, &a)
	a.Flags = rb.flags(f, &a)
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
	verified  bool // ... and it was confirmed by call-back
	usPerson  bool // the customer is a US person
	inForce   bool // the instrument was in force at receipt (rulebook.md §1)

	// sought are the locations sought, each once, in the case's order:
	// data_locations_sought when given, otherwise every location of the
	// customer (rulebook.md §3).
	sought    []string
	soughtSet set

	// For EU orders: the effective issuer ("" for none) and whether an
	// emergency lets an order without one through (Art. 4(5)).
	effIssuer       string
	emergencyWaiver bool

	// wouldCompel is what the instrument compels if in force; permitted is
	// what it compels (nothing when not in force or preserving only).
	wouldCompel       []string
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
		soughtSet: set{},
	}
	f.verified = f.emergency && d.Emergency.VerifiedByCallback
	if f.inst == nil {
		// Only an unvalidated case gets here: an instrument nobody may use
		// and that compels nothing makes it deficient, not a crash.
		f.inst = &instrument{code: d.Instrument, name: d.Instrument, citation: "unknown instrument", countries: set{}, issuers: set{}, requesterKinds: set{}}
	}
	for _, cat := range d.DataCategories {
		if !f.askedSet[cat] {
			f.askedSet[cat] = true
			f.asked = append(f.asked, cat)
		}
	}
	cu := &c.Customer
	sought := cu.DataLocations
	if d.DataLocationsSought != nil {
		sought = d.DataLocationsSought
	}
	for _, loc := range sought {
		if !f.soughtSet[loc] {
			f.soughtSet[loc] = true
			f.sought = append(f.sought, loc)
		}
	}
	if cu.USPerson != nil {
		f.usPerson = *cu.USPerson
	} else {
		f.usPerson = rb.usPersonDefault[cu.HomeCountry]
	}
	f.inForce = (f.inst.inForceFrom == nil || !f.received.Before(*f.inst.inForceFrom)) &&
		(f.inst.inForceUntil == nil || f.received.Before(*f.inst.inForceUntil))
	f.contentAccessible = cu.KeyCustody != KeysCustomerHeld
	f.nationalSecurity = d.Authority.Kind == KindNationalSecurity || f.inst.nationalSecurity

	if eff := f.inst.eff; eff != nil {
		// The higher of issuer and validator (Art. 4(1)(b), 4(2)(b)).
		for _, rank := range eff.ranked {
			if d.IssuedBy == rank || d.ValidatedBy == rank {
				f.effIssuer = rank
				break
			}
		}
		f.emergencyWaiver = f.effIssuer == "" && f.emergency && eff.emergency != nil && f.askedWithin(eff.emergency)
	}
	f.wouldCompel = f.compels()
	f.permitted = []string{}
	if f.inForce {
		f.permitted = slices.Clone(f.wouldCompel)
	}
	return f
}

// compels is what the instrument can compel given its issuer, the
// requesting country's profile and a verified emergency, whatever was asked
// and whether or not it is in force (rulebook.md §1, §8).
func (f *facts) compels() []string {
	in := f.inst
	switch {
	case in.preserveOnly:
		return []string{}
	case in.eff != nil && f.effIssuer != "":
		return slices.Clone(in.eff.compels[f.effIssuer])
	case in.eff != nil && f.emergency && in.eff.emergency != nil:
		return slices.Clone(in.eff.emergencyCat)
	case in.eff != nil:
		return slices.Clone(in.eff.compels[noIssuer])
	}
	routine, inEmergency := in.compels, in.compelsInEmergency
	if p := in.profiles[f.d.Authority.Country]; p != nil {
		if p.compels != nil {
			// A country's own limits govern emergencies too, unless it
			// gives separate ones.
			routine, inEmergency = p.compels, nil
		}
		if p.compelsInEmergency != nil {
			inEmergency = p.compelsInEmergency
		}
	}
	if f.verified && inEmergency != nil {
		return slices.Clone(inEmergency)
	}
	return slices.Clone(routine)
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

// soughtIn reports whether some location sought is in s.
func (f *facts) soughtIn(s set) bool {
	for _, loc := range f.sought {
		if s[loc] {
			return true
		}
	}
	return false
}

// customerFirst is rulebook.md §4: whether customer-first applies, and the
// first exception that holds — national security, an emergency, then the
// one recorded.
func (rb *Rulebook) customerFirst(f *facts) CustomerFirst {
	cf := CustomerFirst{Applies: rb.customerFirstKinds[f.c.Customer.Kind]}
	switch {
	case f.nationalSecurity:
		cf.Exception = ExceptionNationalSecurity
	case f.emergency:
		cf.Exception = ExceptionEmergency
	default:
		cf.Exception = f.d.CustomerFirstException
	}
	t := rb.customerFirstText
	text := t.applies
	reason, automatic := rb.automaticReasons[cf.Exception]
	switch {
	case automatic:
		text = t.automatic
	case cf.Applies && cf.Exception != "":
		text = t.excepted
	case !cf.Applies && cf.Exception != "":
		text = t.notApplicableExcepted
	case !cf.Applies:
		text = t.notApplicable
	}
	cf.Message = text.render(f, "exception", cf.Exception, "exception_reason", reason, "customer_kind", kindWords(f.c.Customer.Kind))
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
		switch {
		case rb.decline[f.inst.code]:
			// A voluntary request colliding with foreign law: nothing
			// compels the provider, so it declines.
			return RouteReject
		case rb.challenge.authorityCountries[f.d.Authority.Country] || rb.challenge.instruments[f.inst.code]:
			return RouteChallenge
		}
		return RouteReferToMLAT
	case len(a.DisclosableCategories) == 0:
		return RouteNoData
	}
	return RouteRespond
}

// notifyAuthorities is rulebook.md §8: the data protection authority told
// when the provider resists a third country's order over GDPR Art. 48.
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
	dpa, ok := rb.competentDPA(f)
	if !ok {
		return out
	}
	contact := dpa.Address
	if dpa.Email != "" {
		contact = dpa.Email + ", " + dpa.Address
	}
	return append(out, NotifyAuthority{
		Code:      NotifyDPA,
		Country:   dpa.Country,
		Authority: dpa.Key,
		Message:   n.text.render(f, "country", dpa.Country, "authority", dpa.Key, "dpa_name", dpa.Name, "dpa_contact", contact),
	})
}

// competentDPA chooses the authority: for a customer at home in the EEA,
// its subdivision's authority where the directory has one and the customer
// is of a kind it supervises, otherwise its country's; for any other
// customer, that of the first EEA country among the locations sought.
func (rb *Rulebook) competentDPA(f *facts) (DPA, bool) {
	cu := &f.c.Customer
	if home, ok := rb.dpas[cu.HomeCountry]; ok {
		if sub, ok := rb.dpas[cu.HomeSubdivision]; ok && cu.HomeSubdivision != "" && rb.notifyDPA.subdivisionKinds[cu.Kind] {
			return sub, true
		}
		return home, true
	}
	for _, loc := range f.sought {
		if d, ok := rb.dpas[loc]; ok {
			return d, true
		}
	}
	return DPA{}, false
}

// flags is rulebook.md §8.
func (rb *Rulebook) flags(f *facts, a *Assessment) []string {
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
	for _, loc := range f.sought {
		if loc != d.Authority.Country {
			out = append(out, FlagCrossBorder)
			break
		}
	}
	if a.Notice.Timing == NoticeBeforeDisclosure {
		respond, earliest := findDeadline(a.Deadlines, DeadlineRespond), findDeadline(a.Deadlines, DeadlineEarliestDisclosure)
		if respond != nil && earliest != nil && earliest.Due.After(respond.Due) {
			out = append(out, FlagObjectionWindowExceedsDeadline)
		}
	}
	if f.inst.preserveUntilProduced && f.inForce {
		out = append(out, FlagPreserveUntilProduced)
	}
	slices.Sort(out)
	return out
}

func findDeadline(ds []Deadline, code string) *Deadline {
	for i := range ds {
		if ds[i].Code == code {
			return &ds[i]
		}
	}
	return nil
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
