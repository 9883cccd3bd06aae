package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The table below covers every row of every table in rulebook.md. Each
// case starts from a plain, sufficient demand — a US warrant for the
// content of a US consumer's account, received 2026-11-20 14:00 UTC — and
// changes what the behaviour needs.

var received = time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)

func baseCase() Case {
	return Case{
		Demand: Demand{
			ReceivedAt:     received,
			Channel:        "portal",
			Authority:      Authority{Name: "Example Police", Country: "US", Kind: KindLawEnforcement, Verified: true},
			Instrument:     "us_search_warrant",
			IssuedBy:       "judge",
			DataCategories: []string{"content"},
			Accounts:       []string{"user@tenant.example"},
		},
		Customer: Customer{Kind: CustomerConsumer, HomeCountry: "US", DataLocations: []string{"US"}, KeyCustody: KeysProviderManaged},
	}
}

// Case changes, combined with all(...).
type change func(*Case)

func all(cs ...change) change {
	return func(c *Case) {
		for _, ch := range cs {
			ch(c)
		}
	}
}

func uses(code, issuedBy string) change {
	return func(c *Case) { c.Demand.Instrument, c.Demand.IssuedBy = code, issuedBy }
}
func validatedBy(v string) change { return func(c *Case) { c.Demand.ValidatedBy = v } }
func authority(country string) change {
	return func(c *Case) { c.Demand.Authority.Country = country }
}
func authorityKind(k string) change { return func(c *Case) { c.Demand.Authority.Kind = k } }
func unverified() change            { return func(c *Case) { c.Demand.Authority.Verified = false } }
func asks(cats ...string) change    { return func(c *Case) { c.Demand.DataCategories = cats } }
func accounts(a ...string) change   { return func(c *Case) { c.Demand.Accounts = a } }
func emergency(verified bool) change {
	return func(c *Case) {
		c.Demand.Emergency = &Emergency{Justification: "threat to life", VerifiedByCallback: verified}
	}
}
func offence(years float64) change { return func(c *Case) { c.Demand.OffenceMaxYears = &years } }
func listedOffence() change        { return func(c *Case) { c.Demand.OffenceListed = true } }
func offenceLocal(b bool) change   { return func(c *Case) { c.Demand.OffenceInIssuingState = &b } }
func subjectIn(country string) change {
	return func(c *Case) { c.Demand.SubjectResidence = country }
}
func due(s string) change {
	return func(c *Case) {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		c.Demand.Due = &t
	}
}
func ndo(until string) change {
	return func(c *Case) {
		n := &Nondisclosure{Basis: "18 U.S.C. 2705(b)"}
		if until != "" {
			d, err := ParseDate(until)
			if err != nil {
				panic(err)
			}
			n.Until = &d
		}
		c.Demand.Nondisclosure = n
	}
}
func exception(e string) change { return func(c *Case) { c.Demand.CustomerFirstException = e } }
func customer(kind, home string, locations ...string) change {
	return func(c *Case) {
		c.Customer.Kind, c.Customer.HomeCountry = kind, home
		if len(locations) > 0 {
			c.Customer.DataLocations = locations
		}
	}
}
func usPerson(b bool) change { return func(c *Case) { c.Customer.USPerson = &b } }
func heldKeys() change       { return func(c *Case) { c.Customer.KeyCustody = KeysCustomerHeld } }
func byokKeys() change       { return func(c *Case) { c.Customer.KeyCustody = KeysCustomerManaged } }
func locations(l ...string) change {
	return func(c *Case) { c.Customer.DataLocations = l }
}

// epoc is a European Production Order from a French judge for the content
// of a Belgian consumer's account stored in Ireland, for a 5-year offence.
func epoc(cs ...change) change {
	return all(append([]change{
		authority("FR"), uses("eu_epoc", "judge"), offence(5),
		customer(CustomerConsumer, "BE", "IE"),
	}, cs...)...)
}

// expect lists the conclusions a case checks; a nil field is not checked,
// and none means "checked to be empty".
type expect struct {
	sufficient        *bool
	deficiencies      []string // CODE or CODE:category
	permitted         []string
	disclosable       []string
	contentAccessible *bool
	route             string
	customerFirst     []string // applies ("true"/"false"), exception
	notice            []string // timing, send_at, until
	conflicts         []string
	comity            []bool   // statutory_motion, common_law_challenge
	deadlines         []string // CODE@time
	notify            []string // CODE:country:authority
	flags             []string
}

var none = []string{}

func ptr[T any](v T) *T { return &v }

// windowEnd is the end of the enforcing authority's window for an order
// received at 14:00 UTC on Friday 20 November 2026: the 10th day after, in
// Ireland, is Monday 30 November, which ends at midnight Irish time (UTC in
// winter).
const windowEnd = "2026-12-01T00:00:00Z"

// at is received_at plus a duration, in the contract's format.
func at(d time.Duration) string { return formatTime(received.Add(d)) }

const day = 24 * time.Hour

func TestAssessRules(t *testing.T) {
	rb := defaultRulebook(t)
	tests := []struct {
		name   string
		change change
		want   expect
	}{
		// §1 Instruments: who may use them, who must issue them, what they compel.
		{"us_subpoena from a US authority compels subscriber and identification", all(uses("us_subpoena", "other"), asks("subscriber")),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber"}, disclosable: []string{"subscriber"}, route: RouteRespond}},
		{"us_subpoena from a foreign authority is the wrong jurisdiction", all(uses("us_subpoena", "other"), asks("subscriber"), authority("GB")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}, route: RouteReject}},
		{"us_subpoena cannot compel traffic or content", all(uses("us_subpoena", "police"), asks("traffic", "content", "subscriber")),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:content", "CATEGORY_NOT_PERMITTED:traffic"}, disclosable: none, route: RouteReject}},
		{"us_2703d_order issued by a judge compels traffic", all(uses("us_2703d_order", "judge"), asks("traffic")),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber", "traffic"}, route: RouteRespond}},
		{"us_2703d_order not issued by a judge needs a judge", all(uses("us_2703d_order", "prosecutor"), asks("traffic")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}}},
		{"us_2703d_order cannot compel content", all(uses("us_2703d_order", "judge"), asks("content")),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:content"}}},
		{"us_2703d_order from a foreign authority is the wrong jurisdiction", all(uses("us_2703d_order", "judge"), asks("traffic"), authority("CA")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"us_search_warrant compels all four categories", asks("subscriber", "identification", "traffic", "content"),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}, disclosable: []string{"content", "identification", "subscriber", "traffic"}}},
		{"us_search_warrant not issued by a judge needs a judge", uses("us_search_warrant", "police"),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}}},
		{"us_search_warrant from a foreign authority is the wrong jurisdiction", authority("MX"),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"us_preservation_2703f preserves and compels nothing, so asking content is no deficiency", all(uses("us_preservation_2703f", "police"), asks("content", "traffic")),
			expect{deficiencies: none, permitted: none, disclosable: none, route: RoutePreserve, deadlines: []string{"PRESERVE_UNTIL@" + at(90*day)}}},
		{"us_preservation_2703f from a foreign authority is the wrong jurisdiction", all(uses("us_preservation_2703f", "police"), authority("FR")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}, route: RouteReject, deadlines: []string{"PRESERVE_UNTIL@" + at(90*day)}}},
		{"us_emergency compels all four categories", all(uses("us_emergency", "police"), asks("content"), emergency(true)),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}, route: RouteRespond}},
		{"us_emergency from a foreign authority is the wrong jurisdiction", all(uses("us_emergency", "police"), emergency(true), authority("DE")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"us_nsl compels subscriber only (OLC opinion of 5 Nov 2008)", all(uses("us_nsl", "other"), authorityKind(KindNationalSecurity), asks("subscriber", "identification", "traffic")),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:identification", "CATEGORY_NOT_PERMITTED:traffic"}, permitted: []string{"subscriber"}}},
		{"us_nsl from a foreign authority is the wrong jurisdiction", all(uses("us_nsl", "other"), asks("subscriber"), authority("GB")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"us_fisa_order issued by a judge compels all four", all(uses("us_fisa_order", "judge"), asks("content")),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}}},
		{"us_fisa_order not issued by a judge needs a judge", uses("us_fisa_order", "other"),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}}},
		{"us_fisa_702_directive may be issued by anyone and compels all four", uses("us_fisa_702_directive", "other"),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}}},
		{"us_fisa_702_directive from a foreign authority is the wrong jurisdiction", all(uses("us_fisa_702_directive", "other"), authority("FR")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"mlat from a foreign authority executed by a US court compels all four", all(uses("mlat", "judge"), authority("BR"), customer(CustomerConsumer, "BR", "US")),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}, conflicts: none, route: RouteRespond}},
		{"mlat from a US authority is the wrong jurisdiction", uses("mlat", "judge"),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"mlat not recorded as issued by a judge needs a judge", all(uses("mlat", "prosecutor"), authority("BR")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}}},
		{"uk_copo from a UK judge about a non-US person compels all four", all(uses("uk_copo", "judge"), offence(5), authority("GB"), customer(CustomerConsumer, "GB", "US")),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}, conflicts: none, route: RouteRespond}},
		{"uk_copo from another country is the wrong jurisdiction", all(uses("uk_copo", "judge"), offence(5), authority("AU"), customer(CustomerConsumer, "GB", "US")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"uk_copo not issued by a judge needs a judge", all(uses("uk_copo", "police"), offence(5), authority("GB"), customer(CustomerConsumer, "GB", "US")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}}},
		{"uk_copo about a US person is excluded by the agreement", all(uses("uk_copo", "judge"), offence(5), authority("GB")),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}}},
		{"au_ipo from an Australian judge compels all four", all(uses("au_ipo", "judge"), offence(5), authority("AU"), customer(CustomerConsumer, "AU", "US")),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}}},
		{"au_ipo may be issued by a tribunal member", all(uses("au_ipo", "tribunal"), offence(5), authority("AU"), customer(CustomerConsumer, "AU", "US")),
			expect{deficiencies: none}},
		{"au_ipo issued by police needs a judge or tribunal", all(uses("au_ipo", "police"), offence(5), authority("AU"), customer(CustomerConsumer, "AU", "US")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}}},
		{"au_ipo from another country is the wrong jurisdiction", all(uses("au_ipo", "judge"), offence(5), authority("NZ"), customer(CustomerConsumer, "AU", "US")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"au_ipo about a declared US person is excluded by the agreement", all(uses("au_ipo", "judge"), offence(5), authority("AU"), customer(CustomerConsumer, "AU", "US"), usPerson(true)),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}}},
		{"eu_epoc from an issuing state other than the representative's is allowed", epoc(),
			expect{deficiencies: none}},
		{"eu_epoc from the representative's state (IE) is the wrong jurisdiction", epoc(authority("IE")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"eu_epoc from Denmark is the wrong jurisdiction", epoc(authority("DK")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"eu_epoc from an EEA state outside the EU is the wrong jurisdiction", epoc(authority("NO")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"eu_epoc from a US authority is the wrong jurisdiction", epoc(authority("US")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"eu_epoc_pr from a prosecutor preserves", all(authority("DE"), uses("eu_epoc_pr", "prosecutor"), asks("content"), customer(CustomerConsumer, "DE", "IE")),
			expect{deficiencies: none, permitted: none, route: RoutePreserve, deadlines: []string{"PRESERVE_UNTIL@" + at(60*day)}}},
		{"eu_epoc_pr from the representative's state is the wrong jurisdiction", all(authority("IE"), uses("eu_epoc_pr", "judge"), customer(CustomerConsumer, "IE", "IE")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"foreign_court_order from a foreign judge compels non-content", all(uses("foreign_court_order", "judge"), authority("CA"), asks("traffic"), customer(CustomerConsumer, "CA", "US")),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}, conflicts: none, route: RouteRespond}},
		{"foreign_court_order from a US authority is the wrong jurisdiction", uses("foreign_court_order", "judge"),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"foreign_court_order not issued by a judge needs a judge", all(uses("foreign_court_order", "police"), authority("CA"), asks("traffic")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}}},
		{"foreign_police_request compels subscriber and identification", all(uses("foreign_police_request", "police"), authority("IN"), asks("identification")),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber"}}},
		{"foreign_police_request cannot compel traffic", all(uses("foreign_police_request", "police"), authority("IN"), asks("traffic")),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:traffic"}}},
		{"foreign_police_request from a US authority is the wrong jurisdiction", all(uses("foreign_police_request", "police"), asks("subscriber")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},

		// §1 The effective issuer of an EU order (Art. 4).
		{"eu_epoc from a judge may order content", epoc(),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}}},
		{"eu_epoc from a prosecutor may order subscriber data", epoc(uses("eu_epoc", "prosecutor"), asks("subscriber")),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber"}, disclosable: []string{"subscriber"}}},
		{"eu_epoc from a prosecutor asking traffic needs a judge, not a category", epoc(uses("eu_epoc", "prosecutor"), asks("traffic", "subscriber")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}, permitted: []string{"identification", "subscriber"}}},
		{"eu_epoc from police validated by a judge has a judge as effective issuer", epoc(uses("eu_epoc", "police"), validatedBy("judge")),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}}},
		{"eu_epoc from police validated by a prosecutor asking content needs a judge", epoc(uses("eu_epoc", "police"), validatedBy("prosecutor")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}, permitted: []string{"identification", "subscriber"}}},
		{"eu_epoc issued by a judge ignores validated_by", epoc(validatedBy("prosecutor")),
			expect{deficiencies: none, permitted: []string{"content", "identification", "subscriber", "traffic"}}},
		{"eu_epoc without effective issuer needs validation and permits nothing", epoc(uses("eu_epoc", "police"), asks("subscriber")),
			expect{deficiencies: []string{"VALIDATION_REQUIRED"}, permitted: none, deadlines: []string{"RESPOND@" + at(10*day)}}},
		{"eu_epoc from a tribunal without validation needs validation", epoc(uses("eu_epoc", "tribunal"), asks("subscriber")),
			expect{deficiencies: []string{"VALIDATION_REQUIRED"}}},
		{"eu_epoc without effective issuer in an emergency may order subscriber data, to be validated in 48 hours", epoc(uses("eu_epoc", "police"), asks("subscriber", "identification"), emergency(true)),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber"}, route: RouteRespond, notice: []string{NoticeDelayed, "", ""},
				deadlines: []string{"RESPOND@" + at(8*time.Hour), "VALIDATION@" + at(48*time.Hour)}}},
		{"eu_epoc without effective issuer in an emergency asking traffic needs validation", epoc(uses("eu_epoc", "police"), asks("traffic"), emergency(true)),
			expect{deficiencies: []string{"VALIDATION_REQUIRED"}, permitted: []string{"identification", "subscriber"}}},
		{"eu_epoc_pr without effective issuer needs validation", all(authority("DE"), uses("eu_epoc_pr", "police"), customer(CustomerConsumer, "DE", "IE")),
			expect{deficiencies: []string{"VALIDATION_REQUIRED"}, route: RouteReject, deadlines: []string{"PRESERVE_UNTIL@" + at(60*day)}}},
		{"eu_epoc_pr without effective issuer in an emergency passes whatever it asks", all(authority("DE"), uses("eu_epoc_pr", "police"), asks("content", "traffic"), emergency(true), customer(CustomerConsumer, "DE", "IE")),
			expect{deficiencies: none, route: RoutePreserve, deadlines: []string{"VALIDATION@" + at(48*time.Hour), "PRESERVE_UNTIL@" + at(60*day)}}},
		{"eu_epoc_pr from a prosecutor may preserve content (no judge needed)", all(authority("DE"), uses("eu_epoc_pr", "prosecutor"), asks("content"), customer(CustomerConsumer, "DE", "IE")),
			expect{deficiencies: none}},

		// §2 Deficiencies.
		{"OFFENCE_THRESHOLD: eu_epoc for content, offence under 3 years", epoc(offence(2)),
			expect{deficiencies: []string{"OFFENCE_THRESHOLD"}, route: RouteReject}},
		{"OFFENCE_THRESHOLD: eu_epoc for traffic, maximum not stated", epoc(func(c *Case) { c.Demand.OffenceMaxYears = nil }, asks("traffic")),
			expect{deficiencies: []string{"OFFENCE_THRESHOLD"}}},
		{"OFFENCE_THRESHOLD is met at exactly 3 years", epoc(offence(3)),
			expect{deficiencies: none}},
		{"OFFENCE_THRESHOLD does not apply to a listed offence", epoc(offence(1), listedOffence()),
			expect{deficiencies: none}},
		{"OFFENCE_THRESHOLD does not apply to subscriber data", epoc(offence(1), asks("subscriber", "identification")),
			expect{deficiencies: none}},
		{"UNVERIFIED_REQUESTER: the authority is not verified", unverified(),
			expect{sufficient: ptr(false), deficiencies: []string{"UNVERIFIED_REQUESTER"}, disclosable: none, route: RouteReject}},
		{"EMERGENCY_UNVERIFIED: an emergency without call back", emergency(false),
			expect{deficiencies: []string{"EMERGENCY_UNVERIFIED"}, flags: []string{"EMERGENCY"}}},
		{"EMERGENCY_UNVERIFIED: a us_emergency that records no emergency", all(uses("us_emergency", "police"), asks("subscriber")),
			expect{deficiencies: []string{"EMERGENCY_UNVERIFIED"}, flags: none, customerFirst: []string{"false", ""}}},
		{"EMERGENCY_UNVERIFIED: none when the call back confirmed it", emergency(true),
			expect{deficiencies: none}},
		{"NO_TARGET: no account is named", accounts(),
			expect{deficiencies: []string{"NO_TARGET"}}},
		{"NO_CATEGORIES: no category is named", asks(),
			expect{deficiencies: []string{"NO_CATEGORIES"}, disclosable: none}},
		{"every deficiency is listed, sorted by code then category", all(uses("us_subpoena", "other"), asks("traffic", "content"), accounts(), unverified(), emergency(false)),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:content", "CATEGORY_NOT_PERMITTED:traffic", "EMERGENCY_UNVERIFIED", "NO_TARGET", "UNVERIFIED_REQUESTER"}}},
		{"CATEGORY_NOT_PERMITTED is never raised for an eu_epoc", epoc(uses("eu_epoc", "police"), asks("content", "traffic")),
			expect{deficiencies: []string{"VALIDATION_REQUIRED"}}},

		// §2 Who is a US person.
		{"US person: absent us_person and home US", all(uses("uk_copo", "judge"), offence(5), authority("GB"), customer(CustomerConsumer, "US", "GB")),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}}},
		{"US person: absent us_person and home elsewhere is not one", all(uses("uk_copo", "judge"), offence(5), authority("GB"), customer(CustomerConsumer, "GB", "GB")),
			expect{deficiencies: none}},
		{"US person: us_person false overrides home US", all(uses("uk_copo", "judge"), offence(5), authority("GB"), customer(CustomerConsumer, "US", "GB"), usPerson(false)),
			expect{deficiencies: none}},
		{"US person: us_person true overrides a foreign home", all(uses("uk_copo", "judge"), offence(5), authority("GB"), customer(CustomerConsumer, "GB", "GB"), usPerson(true)),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}}},

		// §3 Conflicts of law.
		{"GDPR_ART48: a US authority and data stored in the EEA", locations("DE"),
			expect{conflicts: []string{"GDPR_ART48"}}},
		{"GDPR_ART48: a US authority and a customer at home in the EEA with data in the US", customer(CustomerConsumer, "IT", "US"),
			expect{conflicts: []string{"GDPR_ART48"}}},
		{"GDPR_ART48: data in Norway counts as EEA", locations("NO"),
			expect{conflicts: []string{"GDPR_ART48"}}},
		{"GDPR_ART48: not for an authority inside the EEA", epoc(),
			expect{conflicts: []string{"US_SCA_2702A"}}},
		{"GDPR_ART48: not for data and customer outside the EEA", customer(CustomerConsumer, "CA", "CA"),
			expect{conflicts: none}},
		{"GDPR_ART48: an mlat does not lift it, and it is challenged", all(uses("mlat", "judge"), authority("BR"), customer(CustomerConsumer, "DE", "DE")),
			expect{conflicts: []string{"GDPR_ART48"}, route: RouteChallenge}},
		{"US_SCA_2702A: content to a foreign authority on a foreign court order", all(uses("foreign_court_order", "judge"), authority("CA"), customer(CustomerConsumer, "CA", "US")),
			expect{conflicts: []string{"US_SCA_2702A"}, route: RouteReferToMLAT}},
		{"US_SCA_2702A: not under the UK agreement", all(uses("uk_copo", "judge"), offence(5), authority("GB"), customer(CustomerConsumer, "GB", "US")),
			expect{conflicts: none}},
		{"US_SCA_2702A: not under the AU agreement", all(uses("au_ipo", "judge"), offence(5), authority("AU"), customer(CustomerConsumer, "AU", "US")),
			expect{conflicts: none}},
		{"US_SCA_2702A: not for an mlat", all(uses("mlat", "judge"), authority("CA"), customer(CustomerConsumer, "CA", "US")),
			expect{conflicts: none}},
		{"US_SCA_2702A: not for non-content", all(uses("foreign_court_order", "judge"), authority("CA"), asks("subscriber", "traffic"), customer(CustomerConsumer, "CA", "US")),
			expect{conflicts: none}},
		{"US_SCA_2702A: not for a US authority", asks("content"),
			expect{conflicts: none}},
		{"CN_DSL_ART36: data stored in China and a foreign authority", locations("US", "CN"),
			expect{conflicts: []string{"CN_DSL_ART36"}}},
		{"CN_DSL_ART36: not for a Chinese authority", all(uses("foreign_police_request", "police"), authority("CN"), asks("subscriber"), customer(CustomerConsumer, "CN", "CN")),
			expect{conflicts: none}},
		{"CH_SCC_ART271: data stored in Switzerland and a foreign authority", locations("CH"),
			expect{conflicts: []string{"CH_SCC_ART271"}}},
		{"CH_SCC_ART271: not for a Swiss authority", all(uses("foreign_police_request", "police"), authority("CH"), asks("subscriber"), customer(CustomerConsumer, "CH", "CH")),
			expect{conflicts: none}},
		{"FR_BLOCKING_STATUTE: a French business and an authority outside the EU", all(customer(CustomerEnterprise, "FR", "US"), exception("customer_complicit")),
			expect{conflicts: []string{"FR_BLOCKING_STATUTE", "GDPR_ART48"}}},
		{"FR_BLOCKING_STATUTE: also for the public sector", all(customer(CustomerPublicSector, "FR", "US"), exception("customer_complicit")),
			expect{conflicts: []string{"FR_BLOCKING_STATUTE", "GDPR_ART48"}}},
		{"FR_BLOCKING_STATUTE: not for a consumer", customer(CustomerConsumer, "FR", "US"),
			expect{conflicts: []string{"GDPR_ART48"}}},
		{"FR_BLOCKING_STATUTE: not for an authority inside the EU", epoc(customer(CustomerEnterprise, "FR", "IE"), exception("customer_complicit")),
			expect{conflicts: []string{"US_SCA_2702A"}}},
		{"conflicts are sorted by code", all(locations("CN", "CH", "DE")),
			expect{conflicts: []string{"CH_SCC_ART271", "CN_DSL_ART36", "GDPR_ART48"}}},
		{"no conflict for a US preservation request, wherever the data is", all(uses("us_preservation_2703f", "police"), customer(CustomerEnterprise, "FR", "DE", "CN", "CH")),
			expect{conflicts: none, route: RoutePreserve}},
		{"no conflict for a European Preservation Order, wherever the data is", all(authority("DE"), uses("eu_epoc_pr", "judge"), customer(CustomerConsumer, "DE", "CN", "CH")),
			expect{conflicts: none, route: RoutePreserve}},
		{"a conflict is reported even when the demand is deficient", all(uses("foreign_court_order", "police"), authority("CA")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}, conflicts: []string{"US_SCA_2702A"}, route: RouteReject}},

		// §4 Routes, each against the one below it.
		{"route reject comes before preserve", all(uses("us_preservation_2703f", "police"), unverified()),
			expect{route: RouteReject}},
		{"route preserve comes before redirect_to_customer", all(uses("us_preservation_2703f", "police"), customer(CustomerEnterprise, "US")),
			expect{route: RoutePreserve, customerFirst: []string{"true", ""}}},
		{"route redirect_to_customer for an enterprise customer comes before a conflict", customer(CustomerEnterprise, "DE", "DE"),
			expect{route: RouteRedirectToCustomer, conflicts: []string{"GDPR_ART48"}, customerFirst: []string{"true", ""}}},
		{"route redirect_to_customer for a public-sector customer", customer(CustomerPublicSector, "US"),
			expect{route: RouteRedirectToCustomer}},
		{"route: a recorded exception lifts the redirect", all(customer(CustomerEnterprise, "US"), exception("customer_unavailable")),
			expect{route: RouteRespond, customerFirst: []string{"true", "customer_unavailable"}}},
		{"route: an emergency lifts the redirect", all(customer(CustomerEnterprise, "US"), emergency(true)),
			expect{route: RouteRespond, customerFirst: []string{"true", "emergency"}}},
		{"route challenge for a US authority comes before no_data", all(locations("DE"), heldKeys()),
			expect{route: RouteChallenge, disclosable: none}},
		{"route challenge for an eu_epoc", epoc(),
			expect{route: RouteChallenge}},
		{"route challenge for an mlat", all(uses("mlat", "judge"), authority("CA"), locations("CN")),
			expect{route: RouteChallenge}},
		{"route refer_to_mlat for any other foreign demand in conflict", all(uses("foreign_police_request", "police"), authority("IN"), asks("subscriber"), locations("DE")),
			expect{route: RouteReferToMLAT, conflicts: []string{"GDPR_ART48"}}},
		{"route no_data when nothing asked can be read", heldKeys(),
			expect{route: RouteNoData, contentAccessible: ptr(false), disclosable: none}},
		{"route respond otherwise", asks("subscriber", "content"),
			expect{route: RouteRespond, sufficient: ptr(true)}},
		{"content is not disclosable with customer-held keys, the rest is", all(heldKeys(), asks("subscriber", "content")),
			expect{route: RouteRespond, disclosable: []string{"subscriber"}, contentAccessible: ptr(false)}},

		// §4 customer_first is reported whatever the customer's kind.
		{"customer_first: a consumer with a recorded exception", exception("notice_jeopardizes_investigation"),
			expect{customerFirst: []string{"false", "notice_jeopardizes_investigation"}}},
		{"customer_first: an emergency is reported over a recorded exception", all(exception("customer_complicit"), emergency(true), customer(CustomerEnterprise, "US")),
			expect{customerFirst: []string{"true", "emergency"}}},

		// §5 Notice, each against the one below it.
		{"notice prohibited for a national-security instrument, before a non-disclosure order", all(uses("us_nsl", "other"), asks("subscriber"), ndo("2027-01-01")),
			expect{notice: []string{NoticeProhibited, "", ""}, flags: []string{"NATIONAL_SECURITY"}, deadlines: none}},
		{"notice prohibited for a national-security authority", all(uses("us_2703d_order", "judge"), asks("traffic"), authorityKind(KindNationalSecurity)),
			expect{notice: []string{NoticeProhibited, "", ""}, flags: []string{"NATIONAL_SECURITY"}}},
		{"notice prohibited for a FISA order and a 702 directive", uses("us_fisa_702_directive", "other"),
			expect{notice: []string{NoticeProhibited}}},
		{"notice delayed by a non-disclosure order, even when rejected", all(unverified(), ndo("2027-05-20")),
			expect{route: RouteReject, notice: []string{NoticeDelayed, "", "2027-05-20T00:00:00Z"}, deadlines: []string{"NOTICE@2027-05-21T12:00:00Z"}}},
		{"notice delayed indefinitely by an order without end", ndo(""),
			expect{notice: []string{NoticeDelayed, "", ""}, deadlines: none, flags: []string{"INDEFINITE_NDO"}}},
		{"notice none when rejected, even in an emergency", all(unverified(), emergency(true)),
			expect{notice: []string{NoticeNone, "", ""}}},
		{"notice none when referred to an MLAT", all(uses("foreign_police_request", "police"), authority("IN"), asks("subscriber"), locations("DE")),
			expect{notice: []string{NoticeNone}}},
		{"notice none when preserving", uses("us_preservation_2703f", "police"),
			expect{notice: []string{NoticeNone}}},
		{"notice none when there is no data", heldKeys(),
			expect{notice: []string{NoticeNone}}},
		{"notice after the emergency, before a redirect would be sent", all(emergency(true), customer(CustomerEnterprise, "US")),
			expect{notice: []string{NoticeAfterEmergency, "", ""}, deadlines: none}},
		{"notice after the emergency on a challenge", all(emergency(true), locations("DE")),
			expect{route: RouteChallenge, notice: []string{NoticeAfterEmergency}}},
		{"notice with the redirect, at receipt", customer(CustomerEnterprise, "US"),
			expect{notice: []string{NoticeWithRedirect, at(0), ""}, deadlines: none}},
		{"notice before disclosure, at receipt, with a 7-day objection window", nil,
			expect{notice: []string{NoticeBeforeDisclosure, at(0), ""}, deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day)}}},
		{"a customer-first exception does not delay the notice", all(customer(CustomerEnterprise, "US"), exception("customer_complicit")),
			expect{notice: []string{NoticeBeforeDisclosure, at(0), ""}}},

		// §6 Deadlines.
		{"RESPOND for an eu_epoc: 10 days, whatever due date it carries", epoc(due("2026-12-25T00:00:00Z"), asks("subscriber")),
			expect{deadlines: []string{"RESPOND@" + at(10*day)}}},
		{"RESPOND for an eu_epoc in an emergency: 8 hours", epoc(emergency(true), asks("subscriber")),
			expect{deadlines: []string{"RESPOND@" + at(8*time.Hour)}}},
		{"RESPOND for a rejected eu_epoc still runs", epoc(uses("eu_epoc", "prosecutor")),
			expect{route: RouteReject, deadlines: []string{"CONFLICT_OBJECTION@" + at(10*day), "ENFORCING_AUTHORITY_WINDOW@" + windowEnd, "RESPOND@" + windowEnd}}},
		{"RESPOND for any other demand: its due date, in UTC", due("2026-12-04T09:30:00+01:00"),
			expect{deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day), "RESPOND@2026-12-04T08:30:00Z"}}},
		{"RESPOND: none without a due date", nil,
			expect{deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day)}}},
		{"ENFORCING_AUTHORITY_WINDOW: to the end of the 10th day after receipt in Ireland, for content", epoc(),
			expect{deadlines: []string{"CONFLICT_OBJECTION@" + at(10*day), "ENFORCING_AUTHORITY_WINDOW@" + windowEnd, "RESPOND@" + windowEnd}}},
		{"ENFORCING_AUTHORITY_WINDOW: 96 hours in an emergency", epoc(emergency(true), asks("traffic")),
			expect{deadlines: []string{"RESPOND@" + at(8*time.Hour), "ENFORCING_AUTHORITY_WINDOW@" + at(96*time.Hour)}}},
		{"ENFORCING_AUTHORITY_WINDOW: none when the offence is local and the subject lives there", epoc(asks("traffic"), offenceLocal(true), subjectIn("FR")),
			expect{deadlines: []string{"RESPOND@" + at(10*day)}}},
		{"ENFORCING_AUTHORITY_WINDOW: needed when the subject lives elsewhere", epoc(asks("traffic"), offenceLocal(true), subjectIn("BE")),
			expect{deadlines: []string{"ENFORCING_AUTHORITY_WINDOW@" + windowEnd, "RESPOND@" + windowEnd}}},
		{"ENFORCING_AUTHORITY_WINDOW: needed when the offence is not local", epoc(asks("traffic"), offenceLocal(false), subjectIn("FR")),
			expect{deadlines: []string{"ENFORCING_AUTHORITY_WINDOW@" + windowEnd, "RESPOND@" + windowEnd}}},
		{"ENFORCING_AUTHORITY_WINDOW: needed when the subject's residence is absent", epoc(asks("traffic"), offenceLocal(true)),
			expect{deadlines: []string{"ENFORCING_AUTHORITY_WINDOW@" + windowEnd, "RESPOND@" + windowEnd}}},
		{"ENFORCING_AUTHORITY_WINDOW: none for subscriber data", epoc(asks("subscriber", "identification")),
			expect{deadlines: []string{"RESPOND@" + at(10*day)}}},
		{"CONFLICT_OBJECTION: an eu_epoc in conflict, 10 days", epoc(asks("subscriber"), locations("CN")),
			expect{route: RouteChallenge, deadlines: []string{"CONFLICT_OBJECTION@" + at(10*day), "RESPOND@" + at(10*day)}}},
		{"PRESERVE_UNTIL: 90 days for a US preservation request", uses("us_preservation_2703f", "police"),
			expect{deadlines: []string{"PRESERVE_UNTIL@2027-02-18T14:00:00Z"}}},
		{"PRESERVE_UNTIL: 60 days for a European Preservation Order", all(authority("DE"), uses("eu_epoc_pr", "judge"), customer(CustomerConsumer, "DE", "IE")),
			expect{deadlines: []string{"PRESERVE_UNTIL@2027-01-19T14:00:00Z"}}},
		{"PRESERVE_UNTIL with a due date also has RESPOND", all(uses("us_preservation_2703f", "police"), due("2026-11-21T00:00:00Z")),
			expect{deadlines: []string{"RESPOND@2026-11-21T00:00:00Z", "PRESERVE_UNTIL@" + at(90*day)}}},
		{"COMITY_MOTION: 14 days when the statutory motion is available", customer(CustomerConsumer, "GB", "GB"),
			expect{comity: []bool{true, false}, deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day), "COMITY_MOTION@" + at(14*day)}}},
		{"NOTICE: a review at 12:00 UTC on the day after the order's last day", all(uses("us_2703d_order", "judge"), asks("traffic"), ndo("2027-05-20")),
			expect{notice: []string{NoticeDelayed, "", "2027-05-20T00:00:00Z"}, deadlines: []string{"NOTICE@2027-05-21T12:00:00Z"}}},
		{"NOTICE: a last day at the end of a month and a year", all(uses("us_2703d_order", "judge"), asks("traffic"), ndo("2027-12-31")),
			expect{deadlines: []string{"NOTICE@2028-01-01T12:00:00Z"}}},

		// §7 Comity.
		{"comity: statutory motion for a warrant for content of a non-US person at home in a qualifying country", customer(CustomerConsumer, "AU", "US"),
			expect{comity: []bool{true, false}}},
		{"comity: the statutory motion excludes the common-law challenge, even with a conflict", customer(CustomerConsumer, "GB", "DE"),
			expect{comity: []bool{true, false}, conflicts: []string{"GDPR_ART48"}}},
		{"comity: no statutory motion for a US person", all(customer(CustomerConsumer, "GB", "GB"), usPerson(true)),
			expect{comity: []bool{false, false}}},
		{"comity: no statutory motion without content", all(customer(CustomerConsumer, "GB", "GB"), asks("subscriber")),
			expect{comity: []bool{false, false}}},
		{"comity: no statutory motion for a customer of a non-qualifying country; common law on conflict", customer(CustomerConsumer, "DE", "DE"),
			expect{comity: []bool{false, true}}},
		{"comity: common-law challenge against a subpoena in conflict", all(uses("us_subpoena", "other"), asks("subscriber"), locations("CH")),
			expect{comity: []bool{false, true}}},
		{"comity: common-law challenge against a 2703(d) order in conflict", all(uses("us_2703d_order", "judge"), asks("traffic"), locations("CN")),
			expect{comity: []bool{false, true}}},
		{"comity: no statutory motion on a 2703(d) order, even for a qualifying country", all(uses("us_2703d_order", "judge"), asks("traffic"), customer(CustomerConsumer, "GB", "GB")),
			expect{comity: []bool{false, false}}},
		{"comity: neither without a conflict", nil,
			expect{comity: []bool{false, false}}},
		{"comity: neither for other US instruments, even in conflict", all(uses("us_emergency", "police"), emergency(false), locations("DE")),
			expect{comity: []bool{false, false}, conflicts: []string{"GDPR_ART48"}}},
		{"comity: neither for a foreign instrument", all(uses("foreign_court_order", "judge"), authority("GB"), customer(CustomerConsumer, "GB", "GB")),
			expect{comity: []bool{false, false}}},

		// §8 notify_authorities.
		{"notify the DPA of the customer's home on a challenge over GDPR Art. 48", all(customer(CustomerEnterprise, "DE", "DE", "IE"), exception("customer_complicit")),
			expect{route: RouteChallenge, notify: []string{"DPA:DE:DE"}}},
		{"notify the DPA of the first EEA data location when home is outside the EEA", locations("US", "FR", "DE"),
			expect{route: RouteChallenge, notify: []string{"DPA:FR:FR"}}},
		{"notify the DPA on a referral to an MLAT", all(uses("foreign_police_request", "police"), authority("IN"), asks("subscriber"), customer(CustomerConsumer, "NL", "NL")),
			expect{route: RouteReferToMLAT, notify: []string{"DPA:NL:NL"}}},
		{"notify nobody on a redirect", customer(CustomerEnterprise, "DE", "DE"),
			expect{route: RouteRedirectToCustomer, notify: none}},
		{"notify nobody on a rejection", all(unverified(), locations("DE")),
			expect{route: RouteReject, notify: none}},
		{"notify nobody while a non-disclosure order holds", all(locations("DE"), ndo("2027-01-10")),
			expect{route: RouteChallenge, notice: []string{NoticeDelayed}, notify: none}},
		{"notify nobody when notice is prohibited", all(uses("us_fisa_order", "judge"), locations("DE")),
			expect{route: RouteChallenge, notice: []string{NoticeProhibited}, notify: none}},
		{"notify nobody for a conflict other than GDPR Art. 48", locations("CN"),
			expect{route: RouteChallenge, notify: none}},

		// §8 Flags.
		{"flag NATIONAL_SECURITY for a national security letter", all(uses("us_nsl", "other"), asks("subscriber")),
			expect{flags: []string{"NATIONAL_SECURITY"}}},
		{"flag INDEFINITE_NDO for an order without end", ndo(""),
			expect{flags: []string{"INDEFINITE_NDO"}}},
		{"flag NDO_OVER_ONE_YEAR when the order ends more than 365 days after receipt", ndo("2027-11-21"),
			expect{flags: []string{"NDO_OVER_ONE_YEAR"}}},
		{"no NDO_OVER_ONE_YEAR when the order ends within 365 days", ndo("2027-11-20"),
			expect{flags: none}},
		{"no NDO_OVER_ONE_YEAR at exactly 365 days", all(func(c *Case) { c.Demand.ReceivedAt = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) }, ndo("2027-11-20")),
			expect{flags: none}},
		{"flag EMERGENCY for a demand carrying an emergency", all(uses("us_emergency", "police"), emergency(true)),
			expect{flags: []string{"EMERGENCY"}}},
		{"flag CONTENT_TECHNICALLY_UNAVAILABLE for content under customer-held keys", heldKeys(),
			expect{flags: []string{"CONTENT_TECHNICALLY_UNAVAILABLE"}}},
		{"no CONTENT_TECHNICALLY_UNAVAILABLE without content asked", all(heldKeys(), asks("subscriber")),
			expect{flags: none, contentAccessible: ptr(false)}},
		{"flag CROSS_BORDER when some data is outside the authority's country", locations("US", "CA"),
			expect{flags: []string{"CROSS_BORDER"}}},
		{"flags are sorted", all(uses("us_nsl", "other"), asks("content"), heldKeys(), emergency(true), ndo(""), locations("CA")),
			expect{flags: []string{"CONTENT_TECHNICALLY_UNAVAILABLE", "CROSS_BORDER", "EMERGENCY", "INDEFINITE_NDO", "NATIONAL_SECURITY"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseCase()
			if tt.change != nil {
				tt.change(&c)
			}
			if err := rb.Validate(&c); err != nil {
				t.Fatalf("the test's case is invalid: %v", err)
			}
			a := rb.Assess(c)
			checkExpect(t, a, tt.want)
			assertMessages(t, a)
		})
	}
}

func checkExpect(t *testing.T, a Assessment, w expect) {
	t.Helper()
	list := func(what string, got, want []string) {
		t.Helper()
		if want != nil && !slices.Equal(nonNil(got), want) {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	if w.sufficient != nil && a.LegallySufficient != *w.sufficient {
		t.Errorf("legally_sufficient = %v, want %v", a.LegallySufficient, *w.sufficient)
	}
	if a.LegallySufficient != (len(a.Deficiencies) == 0) {
		t.Errorf("legally_sufficient = %v with %d deficiencies", a.LegallySufficient, len(a.Deficiencies))
	}
	var defs []string
	for _, d := range a.Deficiencies {
		if d.Category != "" {
			defs = append(defs, d.Code+":"+d.Category)
		} else {
			defs = append(defs, d.Code)
		}
	}
	list("deficiencies", defs, w.deficiencies)
	list("permitted_categories", a.PermittedCategories, w.permitted)
	list("disclosable_categories", a.DisclosableCategories, w.disclosable)
	if w.contentAccessible != nil && a.ContentAccessible != *w.contentAccessible {
		t.Errorf("content_accessible = %v, want %v", a.ContentAccessible, *w.contentAccessible)
	}
	if w.route != "" && a.Route != w.route {
		t.Errorf("route = %s, want %s", a.Route, w.route)
	}
	if w.customerFirst != nil {
		got := []string{fmt.Sprint(a.CustomerFirst.Applies), a.CustomerFirst.Exception}
		list("customer_first", got, w.customerFirst)
	}
	if w.notice != nil {
		got := []string{a.Notice.Timing, "", ""}
		if a.Notice.SendAt != nil {
			got[1] = formatTime(*a.Notice.SendAt)
		}
		if a.Notice.Until != nil {
			got[2] = formatTime(a.Notice.Until.Time())
		}
		list("notice", got[:len(w.notice)], w.notice)
	}
	var conflicts []string
	for _, c := range a.Conflicts {
		conflicts = append(conflicts, c.Code)
	}
	list("conflicts", conflicts, w.conflicts)
	if w.comity != nil && (a.Comity.StatutoryMotion != w.comity[0] || a.Comity.CommonLawChallenge != w.comity[1]) {
		t.Errorf("comity = %v/%v, want %v", a.Comity.StatutoryMotion, a.Comity.CommonLawChallenge, w.comity)
	}
	var deadlines []string
	for _, d := range a.Deadlines {
		deadlines = append(deadlines, d.Code+"@"+formatTime(d.Due))
	}
	list("deadlines", deadlines, w.deadlines)
	var notify []string
	for _, n := range a.NotifyAuthorities {
		notify = append(notify, n.Code+":"+n.Country+":"+n.Authority)
	}
	list("notify_authorities", notify, w.notify)
	list("flags", a.Flags, w.flags)
}

// TestDeficientDemandDisclosesNothing checks §8: a deficiency empties
// disclosable_categories whatever the instrument could compel.
func TestDeficientDemandDisclosesNothing(t *testing.T) {
	rb := defaultRulebook(t)
	c := baseCase()
	c.Demand.Authority.Verified = false
	a := rb.Assess(c)
	if len(a.DisclosableCategories) != 0 || len(a.PermittedCategories) != 4 {
		t.Errorf("disclosable %v permitted %v", a.DisclosableCategories, a.PermittedCategories)
	}
}

// TestNotifyMessageNamesTheAuthority checks that the DPA to notify is
// named with its contact details.
func TestNotifyMessageNamesTheAuthority(t *testing.T) {
	rb := defaultRulebook(t)
	c := baseCase()
	c.Customer.DataLocations = []string{"IE"}
	a := rb.Assess(c)
	if len(a.NotifyAuthorities) != 1 {
		t.Fatalf("notify_authorities = %+v", a.NotifyAuthorities)
	}
	dpa, ok := rb.DPA("IE")
	if !ok {
		t.Fatal("no DPA for IE")
	}
	msg := a.NotifyAuthorities[0].Message
	for _, want := range []string{dpa.Name, dpa.Email, dpa.Address} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not name %q", msg, want)
		}
	}
}
