package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"writ/rules"
)

// exercise is one case of the mix on which writ and OPA agree, with writ's
// conclusions: what a check of TestV2ChangesAreExercised looks at.
type exercise struct {
	s      *suite
	name   string
	c      rules.Case
	a      rules.Assessment
	counts map[string]counting
}

func (x *exercise) instrument(codes ...string) bool {
	return slices.Contains(codes, x.c.Demand.Instrument)
}

func (x *exercise) deficient(code string) bool {
	for _, d := range x.a.Deficiencies {
		if d.Code == code {
			return true
		}
	}
	return false
}

func (x *exercise) notPermitted(category string) bool {
	for _, d := range x.a.Deficiencies {
		if d.Code == rules.DeficiencyCategoryNotPermitted && d.Category == category {
			return true
		}
	}
	return false
}

func (x *exercise) conflict(code string) bool {
	for _, c := range x.a.Conflicts {
		if c.Code == code {
			return true
		}
	}
	return false
}

func (x *exercise) flag(f string) bool { return slices.Contains(x.a.Flags, f) }

// deadline is the due time of a deadline, or the zero time.
func (x *exercise) deadline(code string) time.Time {
	for _, d := range x.a.Deadlines {
		if d.Code == code {
			return d.Due
		}
	}
	return time.Time{}
}

// after is receipt (to the second, in UTC) plus d.
func (x *exercise) after(d time.Duration) time.Time {
	return x.c.Demand.ReceivedAt.UTC().Truncate(time.Second).Add(d)
}

func (x *exercise) asks(category string) bool {
	return slices.Contains(x.c.Demand.DataCategories, category)
}

func (x *exercise) verified() bool {
	return x.c.Demand.Emergency != nil && x.c.Demand.Emergency.VerifiedByCallback
}

// usPerson is the customer's status as rulebook.md §2 reads it.
func (x *exercise) usPerson() bool {
	if p := x.c.Customer.USPerson; p != nil {
		return *p
	}
	return x.s.data.USPersons.DefaultHomeCountries[x.c.Customer.HomeCountry]
}

func (x *exercise) qualifying(country string) bool {
	return x.s.data.Comity.StatutoryMotion.QualifyingGovernments[country]
}

// otherwise is writ's assessment of the same case changed by e: to show
// that a field of the case decided a conclusion.
func (x *exercise) otherwise(e edit) rules.Assessment {
	c := x.c
	e(&c)
	return x.s.rb.Assess(c)
}

func (x *exercise) notifiedAuthority() string {
	if len(x.a.NotifyAuthorities) == 0 {
		return ""
	}
	return x.a.NotifyAuthorities[0].Authority
}

// windowDays is the number of Irish calendar days from the day of receipt
// to the day on which the enforcing authority's window ends (at 00:00
// there): 11 for a 10th day on a weekday, more when it falls on a weekend.
func (x *exercise) windowDays(t *testing.T) int {
	dublin, err := time.LoadLocation(x.s.data.Provider.EURepresentativeTimezone)
	if err != nil {
		t.Fatal(err)
	}
	day := func(at time.Time) time.Time {
		y, m, d := at.In(dublin).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(day(x.deadline(rules.DeadlineEnforcingAuthorityWindow)).Sub(day(x.c.Demand.ReceivedAt)) / (24 * time.Hour))
}

const day = 24 * time.Hour

// TestV2ChangesAreExercised checks that the agreement covers every change of
// rulebook v2 (rulebook.md, "Changes from v1", items 1–27): for each, at
// least one case of the mix on which writ and OPA agree has that rule
// decide a conclusion. Where a field of the case is what v2 added, the
// check also shows that without it writ would conclude otherwise. The
// probes (probes.go) are written for these checks; with -v the test lists
// how many cases exercise each and the first of them.
func TestV2ChangesAreExercised(t *testing.T) {
	s := testSuite(t)
	_, diffs, err := s.agreement(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	disagree := map[string]bool{}
	for _, d := range diffs {
		disagree[d.name] = true
	}
	var agreed []*exercise
	for i, c := range s.cases {
		if !disagree[s.names[i]] {
			agreed = append(agreed, &exercise{s: s, name: s.names[i], c: c, a: s.rb.Assess(c), counts: writCounting(s.rb, s.transparency, c)})
		}
	}

	euOrder := func(x *exercise) bool { return x.instrument("eu_epoc", "eu_epoc_pr") }
	agreement := func(x *exercise) bool { return x.instrument("uk_copo", "au_ipo") }
	tests := []struct {
		change int
		what   string
		holds  func(x *exercise) bool
	}{
		{1, "national-security process for an enterprise customer is not redirected (exception national_security)", func(x *exercise) bool {
			return x.a.CustomerFirst.Applies && x.a.CustomerFirst.Exception == rules.ExceptionNationalSecurity &&
				x.a.Route != rules.RouteRedirectToCustomer && x.c.Demand.Emergency == nil && x.c.Demand.CustomerFirstException == ""
		}},
		{1, "national_security is reported before emergency", func(x *exercise) bool {
			return x.a.CustomerFirst.Exception == rules.ExceptionNationalSecurity && x.c.Demand.Emergency != nil
		}},
		{2, "an NSL cannot compel traffic or identification data", func(x *exercise) bool {
			return x.instrument("us_nsl") && (x.notPermitted("traffic") || x.notPermitted("identification"))
		}},
		{2, "an NSL for subscriber records is sufficient", func(x *exercise) bool {
			return x.instrument("us_nsl") && x.a.LegallySufficient && slices.Equal(x.a.PermittedCategories, []string{"subscriber"})
		}},
		{3, "a prosecutor's EPOC validated by a judge may order traffic or content", func(x *exercise) bool {
			return x.instrument("eu_epoc") && x.c.Demand.IssuedBy == "prosecutor" && x.c.Demand.ValidatedBy == "judge" &&
				(x.asks("traffic") || x.asks("content")) && !x.deficient(rules.DeficiencyJudgeRequired) && slices.Contains(x.a.PermittedCategories, "content")
		}},
		{3, "an EPOC of another issuer validated by a prosecutor has a prosecutor as effective issuer", func(x *exercise) bool {
			return x.instrument("eu_epoc") && !slices.Contains([]string{"judge", "prosecutor"}, x.c.Demand.IssuedBy) && x.c.Demand.ValidatedBy == "prosecutor" &&
				!x.deficient(rules.DeficiencyValidationRequired) && slices.Equal(x.a.PermittedCategories, []string{"identification", "subscriber"})
		}},
		{4, "an instrument received before its first day is INSTRUMENT_NOT_IN_FORCE and compels nothing", func(x *exercise) bool {
			return x.deficient(rules.DeficiencyInstrumentNotInForce) && len(x.a.PermittedCategories) == 0 && !x.instrument("us_preservation_2703f", "eu_epoc_pr", "foreign_preservation_request")
		}},
		{4, "an EU order not in force runs none of its own deadlines", func(x *exercise) bool {
			own := []string{rules.DeadlineEnforcingAuthorityWindow, rules.DeadlineConflictObjection, rules.DeadlinePreserveUntil, rules.DeadlineValidation}
			for _, d := range x.a.Deadlines {
				if slices.Contains(own, d.Code) || (d.Code == rules.DeadlineRespond && x.c.Demand.Due == nil) {
					return false
				}
			}
			return euOrder(x) && x.deficient(rules.DeficiencyInstrumentNotInForce) && (x.asks("traffic") || x.instrument("eu_epoc_pr"))
		}},
		{4, "an instrument is in force from 00:00 UTC of its first day", func(x *exercise) bool {
			from := x.s.data.Instruments[x.c.Demand.Instrument].InForceFrom
			return from != "" && x.c.Demand.ReceivedAt.UTC().Format(time.RFC3339) == from+"T00:00:00Z" && !x.deficient(rules.DeficiencyInstrumentNotInForce)
		}},
		{5, "an agreement order about a person located in the US is AGREEMENT_EXCLUDES_US_PERSONS", func(x *exercise) bool {
			return agreement(x) && x.deficient(rules.DeficiencyAgreementExcludesUSPersons) && !x.usPerson() &&
				x.c.Demand.SubjectLocation == "US" && (x.c.Demand.SubjectUSPerson == nil || !*x.c.Demand.SubjectUSPerson)
		}},
		{5, "an agreement order for an offence under 3 years, or none stated, is SERIOUS_CRIME_THRESHOLD", func(x *exercise) bool {
			return agreement(x) && x.deficient(rules.DeficiencySeriousCrimeThreshold)
		}},
		{5, "an agreement order for exactly 3 years meets the threshold", func(x *exercise) bool {
			return agreement(x) && x.c.Demand.OffenceMaxYears != nil && *x.c.Demand.OffenceMaxYears == 3 && !x.deficient(rules.DeficiencySeriousCrimeThreshold)
		}},
		{5, "a deficient agreement order for content collides with the SCA", func(x *exercise) bool {
			return agreement(x) && !x.a.LegallySufficient && x.conflict("US_SCA_2702A")
		}},
		{6, "no statutory motion when the person resides in the US", func(x *exercise) bool {
			return x.c.Demand.SubjectResidence == "US" && !x.a.Comity.StatutoryMotion &&
				x.otherwise(residentIn("")).Comity.StatutoryMotion
		}},
		{7, "a verified us_emergency raises no GDPR_ART48", func(x *exercise) bool {
			unverified := func(c *rules.Case) { c.Demand.Emergency = &rules.Emergency{VerifiedByCallback: false} }
			return x.instrument("us_emergency") && x.verified() && !x.conflict("GDPR_ART48") &&
				slices.ContainsFunc(x.otherwise(unverified).Conflicts, func(c rules.Conflict) bool { return c.Code == "GDPR_ART48" })
		}},
		{7, "a verified emergency lets foreign police obtain traffic data", func(x *exercise) bool {
			return x.instrument("foreign_police_request") && x.verified() && slices.Contains(x.a.PermittedCategories, "traffic") &&
				!slices.Contains(x.otherwise(func(c *rules.Case) { c.Demand.Emergency = nil }).PermittedCategories, "traffic")
		}},
		{8, "a private party's civil subpoena is sufficient", func(x *exercise) bool {
			return x.instrument("us_civil_subpoena") && x.c.Demand.Authority.Kind == rules.KindPrivateParty && x.a.LegallySufficient
		}},
		{8, "WRONG_REQUESTER_KIND: a civil subpoena of a governmental requester", func(x *exercise) bool {
			return x.instrument("us_civil_subpoena") && x.c.Demand.Authority.Kind != rules.KindPrivateParty && x.deficient(rules.DeficiencyWrongRequesterKind)
		}},
		{8, "WRONG_REQUESTER_KIND: a private party using another instrument", func(x *exercise) bool {
			return !x.instrument("us_civil_subpoena") && x.c.Demand.Authority.Kind == rules.KindPrivateParty && x.deficient(rules.DeficiencyWrongRequesterKind)
		}},
		{8, "WRONG_REQUESTER_KIND: a private party claiming an emergency", func(x *exercise) bool {
			return x.instrument("us_civil_subpoena") && x.c.Demand.Authority.Kind == rules.KindPrivateParty && x.c.Demand.Emergency != nil && x.deficient(rules.DeficiencyWrongRequesterKind)
		}},
		{8, "a civil subpoena for content: CATEGORY_NOT_PERMITTED, and no conflict of law", func(x *exercise) bool {
			return x.instrument("us_civil_subpoena") && x.notPermitted("content") && !x.conflict("US_SCA_2702A")
		}},
		{8, "common-law comity covers a civil subpoena", func(x *exercise) bool {
			return x.instrument("us_civil_subpoena") && x.a.Comity.CommonLawChallenge
		}},
		{9, "a foreign preservation request is kept for the default 90 days", func(x *exercise) bool {
			return x.instrument("foreign_preservation_request") && x.a.Route == rules.RoutePreserve && x.deadline(rules.DeadlinePreserveUntil).Equal(x.after(90*day))
		}},
		{9, "a Brazilian foreign preservation request is kept 60 days", func(x *exercise) bool {
			return x.instrument("foreign_preservation_request") && x.c.Demand.Authority.Country == "BR" && x.deadline(rules.DeadlinePreserveUntil).Equal(x.after(60*day))
		}},
		{10, "Canadian police may obtain subscriber data only", func(x *exercise) bool {
			return x.instrument("foreign_police_request") && x.c.Demand.Authority.Country == "CA" && slices.Equal(x.a.PermittedCategories, []string{"subscriber"})
		}},
		{10, "Brazilian police may obtain subscriber data only", func(x *exercise) bool {
			return x.instrument("foreign_police_request") && x.c.Demand.Authority.Country == "BR" && slices.Equal(x.a.PermittedCategories, []string{"subscriber"})
		}},
		{10, "a country's own limit holds in a verified emergency", func(x *exercise) bool {
			return x.instrument("foreign_police_request") && x.verified() && slices.Contains([]string{"CA", "BR"}, x.c.Demand.Authority.Country) &&
				slices.Equal(x.a.PermittedCategories, []string{"subscriber"})
		}},
		{10, "Indian police without a due date are answered within 72 hours", func(x *exercise) bool {
			return x.instrument("foreign_police_request") && x.c.Demand.Authority.Country == "IN" && x.c.Demand.Due == nil &&
				x.deadline(rules.DeadlineRespond).Equal(x.after(72*time.Hour))
		}},
		{10, "OBJECTION_WINDOW_EXCEEDS_DEADLINE", func(x *exercise) bool { return x.flag(rules.FlagObjectionWindowExceedsDeadline) }},
		{11, "customer_held keys put content out of reach", func(x *exercise) bool {
			return x.c.Customer.KeyCustody == rules.KeysCustomerHeld && !x.a.ContentAccessible && x.flag(rules.FlagContentTechnicallyUnavailable)
		}},
		{12, "the locations sought decide a conflict of law", func(x *exercise) bool {
			return x.c.Demand.DataLocationsSought != nil && !slices.Equal(conflictCodes(x.a), conflictCodes(x.otherwise(seeks())))
		}},
		{12, "the locations sought decide CROSS_BORDER", func(x *exercise) bool {
			return x.c.Demand.DataLocationsSought != nil && !x.flag(rules.FlagCrossBorder) &&
				slices.Contains(x.otherwise(seeks()).Flags, rules.FlagCrossBorder)
		}},
		{12, "the locations sought decide which DPA is told", func(x *exercise) bool {
			other := x.otherwise(seeks())
			return x.c.Demand.DataLocationsSought != nil && x.notifiedAuthority() != "" && len(other.NotifyAuthorities) == 1 &&
				other.NotifyAuthorities[0].Authority != x.notifiedAuthority()
		}},
		{13, "US national-security process in a1's separate figure for NSLs", func(x *exercise) bool {
			return x.counts["a1"].Counted == countedBands && *x.counts["a1"].Figure == rules.ClassNSL
		}},
		{13, "US national-security process in a2's separate figure for FISA contents", func(x *exercise) bool {
			return x.counts["a2"].Counted == countedBands && *x.counts["a2"].Figure == rules.ClassFISAContents
		}},
		{13, "US national-security process in a1's separate figure for FISA non-contents", func(x *exercise) bool {
			return x.counts["a1"].Counted == countedBands && *x.counts["a1"].Figure == rules.ClassFISANonContents
		}},
		{13, "US national-security process in a3's combined bands of 250", func(x *exercise) bool {
			return x.counts["a3"].Counted == countedBands && *x.counts["a3"].Band == 250
		}},
		{13, "US national-security process in a4's annual bands", func(x *exercise) bool {
			return x.counts["a4"].Counted == countedBands && *x.counts["a4"].Period == rules.PeriodPreviousYear
		}},
		{13, "ordinary process of a US national-security authority is counted in exact figures", func(x *exercise) bool {
			return x.c.Demand.Authority.Kind == rules.KindNationalSecurity && x.c.Demand.Authority.Country == "US" &&
				x.a.Notice.Timing == rules.NoticeProhibited && x.counts["a3"].Counted == countedExact
		}},
		{14, "a subdivision's authority is told (a German Land)", func(x *exercise) bool {
			return x.notifiedAuthority() != "" && x.notifiedAuthority() != x.a.NotifyAuthorities[0].Country
		}},
		{14, "a public body is reported to its country's entry although its subdivision is listed", func(x *exercise) bool {
			_, listed := x.s.data.DPAs[x.c.Customer.HomeSubdivision]
			return x.c.Customer.Kind == rules.CustomerPublicSector && listed && x.notifiedAuthority() == x.c.Customer.HomeCountry
		}},
		{14, "a subdivision the directory does not list gets its country's authority", func(x *exercise) bool {
			_, listed := x.s.data.DPAs[x.c.Customer.HomeSubdivision]
			return x.c.Customer.HomeSubdivision != "" && !listed && x.notifiedAuthority() == x.c.Customer.HomeCountry
		}},
		{15, `the assessment says "rulebook": "v2"`, func(x *exercise) bool { return x.a.Rulebook == "v2" }},
		{16, "a delayed notice is reviewed at 12:00 UTC on the day after the order's last day", func(x *exercise) bool {
			nd := x.c.Demand.Nondisclosure
			return x.a.Notice.Timing == rules.NoticeDelayed && nd != nil && nd.Until != nil &&
				x.deadline(rules.DeadlineNotice).Equal(nd.Until.Time().Add(day+12*time.Hour))
		}},
		{17, "an EU order is kept confidential: notice delayed without end, no INDEFINITE_NDO", func(x *exercise) bool {
			return euOrder(x) && x.c.Demand.Nondisclosure == nil && !x.c.Demand.NoticePermitted && x.a.Notice.Timing == rules.NoticeDelayed &&
				x.a.Notice.Until == nil && !x.flag(rules.FlagIndefiniteNDO)
		}},
		{17, "a redirected EU order is still kept confidential", func(x *exercise) bool {
			return euOrder(x) && x.a.Route == rules.RouteRedirectToCustomer && x.a.Notice.Timing == rules.NoticeDelayed
		}},
		{17, "an EU order whose issuer permits notice is noticed", func(x *exercise) bool {
			return euOrder(x) && x.c.Demand.NoticePermitted && x.a.Notice.Timing != rules.NoticeDelayed &&
				x.otherwise(func(c *rules.Case) { c.Demand.NoticePermitted = false }).Notice.Timing == rules.NoticeDelayed
		}},
		{18, "the enforcing authority's window ends with a calendar day in Ireland, not 240 hours after receipt", func(x *exercise) bool {
			eaw := x.deadline(rules.DeadlineEnforcingAuthorityWindow)
			return x.c.Demand.Emergency == nil && !eaw.IsZero() && !eaw.Equal(x.after(10*day))
		}},
		{18, "in Irish summer time the window ends at 23:00 UTC", func(x *exercise) bool {
			eaw := x.deadline(rules.DeadlineEnforcingAuthorityWindow)
			return x.c.Demand.Emergency == nil && !eaw.IsZero() && eaw.Hour() == 23 && eaw.Minute() == 0
		}},
		{18, "a 10th day on a weekend moves the window's end to the Monday", func(x *exercise) bool {
			return x.c.Demand.Emergency == nil && !x.deadline(rules.DeadlineEnforcingAuthorityWindow).IsZero() && x.windowDays(t) > 11
		}},
		{18, "a notified EPOC's RESPOND is the end of the window", func(x *exercise) bool {
			eaw := x.deadline(rules.DeadlineEnforcingAuthorityWindow)
			return x.c.Demand.Emergency == nil && !eaw.IsZero() && x.deadline(rules.DeadlineRespond).Equal(eaw)
		}},
		{19, "PRESERVE_UNTIL_PRODUCED for a rejected EPOC in force", func(x *exercise) bool {
			return x.instrument("eu_epoc") && x.a.Route == rules.RouteReject && x.flag(rules.FlagPreserveUntilProduced)
		}},
		{19, "no PRESERVE_UNTIL_PRODUCED for an EPOC not in force", func(x *exercise) bool {
			return x.instrument("eu_epoc") && x.deficient(rules.DeficiencyInstrumentNotInForce) && !x.flag(rules.FlagPreserveUntilProduced)
		}},
		{20, "an agreement order about a US person (subject_us_person) is AGREEMENT_EXCLUDES_US_PERSONS", func(x *exercise) bool {
			return agreement(x) && x.deficient(rules.DeficiencyAgreementExcludesUSPersons) && !x.usPerson() && x.c.Demand.SubjectLocation != "US" &&
				x.c.Demand.SubjectUSPerson != nil && *x.c.Demand.SubjectUSPerson
		}},
		{21, "FISA process received after Section 702's April 2026 sunset is in force", func(x *exercise) bool {
			return x.instrument("us_fisa_order", "us_fisa_702_directive") && x.c.Demand.ReceivedAt.After(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) &&
				!x.deficient(rules.DeficiencyInstrumentNotInForce) && x.s.data.Instruments[x.c.Demand.Instrument].InForceUntil == ""
		}},
		{22, "a foreign national-security authority's demand is left out of every figure", func(x *exercise) bool {
			for _, code := range x.s.transparency.StructureCodes() {
				if x.counts[code].Counted != countedLeftOut {
					return false
				}
			}
			return true
		}},
		{23, "a civil subpoena's OBJECTION is due 14 days after service", func(x *exercise) bool {
			return x.instrument("us_civil_subpoena") && x.deadline(rules.DeadlineObjection).Equal(x.after(14*day))
		}},
		{23, "a civil subpoena's OBJECTION is its earlier return date", func(x *exercise) bool {
			obj := x.deadline(rules.DeadlineObjection)
			return x.instrument("us_civil_subpoena") && !obj.IsZero() && obj.Before(x.after(14*day)) && obj.Equal(x.deadline(rules.DeadlineRespond))
		}},
		{24, "the person's residence is the qualifying foreign government", func(x *exercise) bool {
			return x.a.Comity.StatutoryMotion && !x.qualifying(x.c.Customer.HomeCountry) && x.qualifying(x.c.Demand.SubjectResidence)
		}},
		{24, "a location sought is the qualifying foreign government", func(x *exercise) bool {
			return x.a.Comity.StatutoryMotion && !x.qualifying(x.c.Customer.HomeCountry) && !x.qualifying(x.c.Demand.SubjectResidence) &&
				x.c.Demand.DataLocationsSought != nil
		}},
		{25, "a customer-managed key the provider's services use leaves content accessible and disclosable", func(x *exercise) bool {
			return x.c.Customer.KeyCustody == rules.KeysCustomerManaged && x.a.ContentAccessible && slices.Contains(x.a.DisclosableCategories, "content")
		}},
		{26, "a verified us_emergency that collides with foreign law is declined", func(x *exercise) bool {
			return x.instrument("us_emergency") && x.a.LegallySufficient && len(x.a.Conflicts) > 0 && x.a.Route == rules.RouteReject
		}},
		{27, "the common-law comity challenge (CLOUD Act §103(c))", func(x *exercise) bool { return x.a.Comity.CommonLawChallenge }},
		{27, "an EU order of the representative's own state is WRONG_JURISDICTION (Art. 1(1))", func(x *exercise) bool {
			return euOrder(x) && x.c.Demand.Authority.Country == x.s.data.Provider.EURepresentativeCountry && x.deficient(rules.DeficiencyWrongJurisdiction)
		}},
		{27, "an NSL (18 U.S.C. 2709) is counted as one", func(x *exercise) bool {
			return x.instrument("us_nsl") && x.counts["a1"].Counted == countedBands && *x.counts["a1"].Figure == rules.ClassNSL
		}},
	}
	changes := map[int]bool{}
	for _, tt := range tests {
		changes[tt.change] = true
		var found []string
		for _, x := range agreed {
			if tt.holds(x) {
				found = append(found, x.name)
			}
		}
		if len(found) == 0 {
			t.Errorf("change %d: no agreed case exercises %q", tt.change, tt.what)
			continue
		}
		if testing.Verbose() {
			t.Logf("%2d %-100s %4d  e.g. %s", tt.change, tt.what, len(found), found[0])
		}
	}
	for n := 1; n <= 27; n++ {
		if !changes[n] {
			t.Errorf("change %d of rulebook v2 has no check", n)
		}
	}
}

func conflictCodes(a rules.Assessment) []string {
	var out []string
	for _, c := range a.Conflicts {
		out = append(out, c.Code)
	}
	return out
}

// TestForeignNationalSecurityIncluded checks change 22 with the report
// setting that includes foreign national-security authorities: both engines
// then count them in exact figures, and agree on every case.
func TestForeignNationalSecurityIncluded(t *testing.T) {
	s := testSuite(t)
	included := *s.data
	included.Transparency.IncludeForeignNationalSecurity = true
	if err := s.usePolicyWith(context.Background(), &included); err != nil {
		t.Fatal(err)
	}
	s.transparency.IncludeForeignNationalSecurity = true
	agreed, diffs, err := s.agreement(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("%d disagreements with foreign national-security authorities included, the first %s: %v %v", len(diffs), diffs[0].name, diffs[0].fields, diffs[0].err)
	}
	counted := 0
	for _, c := range s.cases {
		if s.rb.IsForeignNationalSecurity(c.Demand.Authority.Country, c.Demand.Authority.Kind) {
			if got := writCounting(s.rb, s.transparency, c)["a3"].Counted; got != countedExact {
				t.Fatalf("a foreign national-security demand is counted %q with the setting", got)
			}
			counted++
		}
	}
	if counted == 0 || agreed != len(s.cases) {
		t.Fatalf("%d foreign national-security demands; agreed on %d of %d cases", counted, agreed, len(s.cases))
	}
}
