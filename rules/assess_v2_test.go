package rules

import (
	"strings"
	"testing"
	"time"
)

// The changes of rulebook v2 (its first section, items 1–27), each with the
// rows of the tables it touches. The cases start from baseCase, as in
// TestAssessRules.

func receivedAt(s string) change {
	return func(c *Case) {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		c.Demand.ReceivedAt = t
	}
}
func subjectAt(country string) change { return func(c *Case) { c.Demand.SubjectLocation = country } }
func subjectUSPerson(b bool) change   { return func(c *Case) { c.Demand.SubjectUSPerson = &b } }
func sought(l ...string) change       { return func(c *Case) { c.Demand.DataLocationsSought = l } }
func noticePermitted() change         { return func(c *Case) { c.Demand.NoticePermitted = true } }
func subdivision(s string) change     { return func(c *Case) { c.Customer.HomeSubdivision = s } }
func privateParty() change            { return authorityKind(KindPrivateParty) }

// civil is a civil subpoena of a private litigant for a US consumer's
// subscriber and traffic records.
func civil(cs ...change) change {
	return all(append([]change{privateParty(), uses("us_civil_subpoena", "other"), asks("subscriber", "traffic")}, cs...)...)
}

// copo is a UK overseas production order about a GB consumer whose data is
// in the US, for a 5-year offence.
func copo(cs ...change) change {
	return all(append([]change{authority("GB"), uses("uk_copo", "judge"), offence(5), customer(CustomerConsumer, "GB", "US")}, cs...)...)
}

// police is a foreign police request from country for subscriber data of a
// consumer at home there whose data is in the US.
func police(country string, cs ...change) change {
	return all(append([]change{authority(country), uses("foreign_police_request", "police"), asks("subscriber"), customer(CustomerConsumer, country, "US")}, cs...)...)
}

func TestAssessRulesV2(t *testing.T) {
	rb := defaultRulebook(t)
	all4 := []string{"content", "identification", "subscriber", "traffic"}
	tests := []struct {
		name   string
		change change
		want   expect
	}{
		// 1. The national-security exception to customer-first (§4).
		{"1: a Section 702 directive for an enterprise customer is never redirected", all(uses("us_fisa_702_directive", "other"), authorityKind(KindNationalSecurity), customer(CustomerEnterprise, "US")),
			expect{deficiencies: none, customerFirst: []string{"true", "national_security"}, route: RouteRespond, notice: []string{NoticeProhibited, "", ""}, flags: []string{"NATIONAL_SECURITY"}}},
		{"1: an NSL for an enterprise customer is answered, not redirected", all(uses("us_nsl", "other"), asks("subscriber"), customer(CustomerEnterprise, "US")),
			expect{customerFirst: []string{"true", "national_security"}, route: RouteRespond, notice: []string{NoticeProhibited}}},
		{"1: ordinary process of a national-security authority takes the exception too", all(uses("us_2703d_order", "judge"), asks("traffic"), authorityKind(KindNationalSecurity), customer(CustomerPublicSector, "US")),
			expect{customerFirst: []string{"true", "national_security"}, route: RouteRespond, notice: []string{NoticeProhibited}}},
		{"1: national_security comes before emergency", all(uses("us_fisa_order", "judge"), emergency(true), customer(CustomerEnterprise, "US")),
			expect{customerFirst: []string{"true", "national_security"}, notice: []string{NoticeProhibited}}},
		{"1: national_security comes before a recorded exception, and is reported for a consumer", all(uses("us_nsl", "other"), asks("subscriber"), exception("customer_complicit")),
			expect{customerFirst: []string{"false", "national_security"}}},
		{"1: a national-security demand in conflict is challenged without telling the DPA", all(uses("us_fisa_702_directive", "other"), customer(CustomerEnterprise, "DE", "DE")),
			expect{route: RouteChallenge, conflicts: []string{"GDPR_ART48"}, notify: none, customerFirst: []string{"true", "national_security"}}},

		// 2. NSL scope (§1).
		{"2: an NSL for subscriber records is sufficient", all(uses("us_nsl", "other"), asks("subscriber")),
			expect{deficiencies: none, permitted: []string{"subscriber"}, disclosable: []string{"subscriber"}}},
		{"2: an NSL cannot compel traffic data (IP or header logs)", all(uses("us_nsl", "other"), asks("traffic")),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:traffic"}, route: RouteReject}},

		// 3. The EU effective issuer: the higher of issuer and validator (§1).
		{"3: a prosecutor's content order validated by a judge is valid (Art. 4(2)(b))", epoc(uses("eu_epoc", "prosecutor"), validatedBy("judge")),
			expect{deficiencies: none, permitted: all4, disclosable: []string{"content"}}},
		{"3: a prosecutor's order validated by a prosecutor stays a prosecutor's", epoc(uses("eu_epoc", "prosecutor"), validatedBy("prosecutor"), asks("traffic")),
			expect{deficiencies: []string{"JUDGE_REQUIRED"}, permitted: []string{"identification", "subscriber"}}},
		{"3: a tribunal's order validated by a judge has a judge as effective issuer", epoc(uses("eu_epoc", "tribunal"), validatedBy("judge")),
			expect{deficiencies: none, permitted: all4}},
		{"3: a police order validated by a prosecutor has a prosecutor", epoc(uses("eu_epoc", "police"), validatedBy("prosecutor"), asks("subscriber")),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber"}}},
		{"3: other validating nobody has no effective issuer", epoc(uses("eu_epoc", "other"), asks("subscriber")),
			expect{deficiencies: []string{"VALIDATION_REQUIRED"}, permitted: none}},
		{"3: a preservation order of a prosecutor validated by a judge needs no more", all(authority("DE"), uses("eu_epoc_pr", "prosecutor"), validatedBy("judge"), asks("content"), customer(CustomerConsumer, "DE", "IE")),
			expect{deficiencies: none, route: RoutePreserve}},

		// 4. Instruments in force (§1, §2, §6).
		{"4: an EPOC received before 18 August 2026 is not in force and compels nothing", epoc(receivedAt("2026-08-17T23:30:00Z")),
			expect{deficiencies: []string{"INSTRUMENT_NOT_IN_FORCE"}, permitted: none, disclosable: none, route: RouteReject, notice: []string{NoticeDelayed, "", ""}, deadlines: none, conflicts: []string{"US_SCA_2702A"}, flags: []string{"CROSS_BORDER"}}},
		{"4: an EPOC received at 00:00 UTC on 18 August 2026 is in force", epoc(receivedAt("2026-08-18T00:00:00Z"), asks("subscriber")),
			expect{deficiencies: none, permitted: all4, deadlines: []string{"RESPOND@2026-08-28T00:00:00Z"}, flags: []string{"CROSS_BORDER", "PRESERVE_UNTIL_PRODUCED"}}},
		{"4: an EPOC not in force keeps its other deficiencies", epoc(receivedAt("2026-06-01T10:00:00Z"), uses("eu_epoc", "prosecutor")),
			expect{deficiencies: []string{"INSTRUMENT_NOT_IN_FORCE", "JUDGE_REQUIRED"}, permitted: none}},
		{"4: an EPOC not in force answers the date the authority wrote", epoc(receivedAt("2026-06-01T10:00:00Z"), due("2026-06-15T00:00:00Z")),
			expect{deadlines: []string{"RESPOND@2026-06-15T00:00:00Z"}}},
		{"4: an EPOC not in force with a non-disclosure order keeps NOTICE", epoc(receivedAt("2026-06-01T10:00:00Z"), ndo("2026-07-01")),
			expect{notice: []string{NoticeDelayed, "", "2026-07-01T00:00:00Z"}, deadlines: []string{"NOTICE@2026-07-02T12:00:00Z"}}},
		{"4: a European Preservation Order not in force preserves nothing", all(authority("DE"), uses("eu_epoc_pr", "judge"), customer(CustomerConsumer, "DE", "IE"), receivedAt("2026-08-01T09:00:00Z")),
			expect{deficiencies: []string{"INSTRUMENT_NOT_IN_FORCE"}, route: RouteReject, deadlines: none, notice: []string{NoticeDelayed, "", ""}}},
		{"4: a UK order before the Agreement entered into force", copo(receivedAt("2022-10-02T23:59:59Z")),
			expect{deficiencies: []string{"INSTRUMENT_NOT_IN_FORCE"}, permitted: none, conflicts: []string{"US_SCA_2702A"}}},
		{"4: a UK order on the day the Agreement entered into force", copo(receivedAt("2022-10-03T00:00:00Z")),
			expect{deficiencies: none, permitted: all4, conflicts: none, route: RouteRespond}},
		{"4: an Australian order before 31 January 2024", all(authority("AU"), uses("au_ipo", "judge"), offence(5), customer(CustomerConsumer, "AU", "US"), receivedAt("2024-01-30T12:00:00Z")),
			expect{deficiencies: []string{"INSTRUMENT_NOT_IN_FORCE"}, permitted: none}},
		{"4: an Australian order on 31 January 2024", all(authority("AU"), uses("au_ipo", "judge"), offence(5), customer(CustomerConsumer, "AU", "US"), receivedAt("2024-01-31T00:00:00Z")),
			expect{deficiencies: none}},
		{"4: instruments without a window are always in force", all(uses("us_subpoena", "other"), asks("subscriber"), receivedAt("1990-01-01T00:00:00Z")),
			expect{deficiencies: none}},

		// 5 and 20. Executive agreements (§2, §3).
		{"5: a UK order about a person located in the US", copo(subjectAt("US")),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}, route: RouteReject, conflicts: []string{"US_SCA_2702A"}}},
		{"5: a UK order about a person located elsewhere", copo(subjectAt("FR")),
			expect{deficiencies: none, conflicts: none}},
		{"5: residence in the US plays no part for the agreements", copo(subjectIn("US")),
			expect{deficiencies: none}},
		{"20: a UK order about a GB company's US-person employee", copo(customer(CustomerEnterprise, "GB", "US"), exception("customer_complicit"), subjectUSPerson(true)),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}}},
		{"20: subject_us_person false does not lift the customer's own status", copo(customer(CustomerConsumer, "US", "US"), subjectUSPerson(false)),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}}},
		{"20: subject_us_person false does not lift the location", copo(subjectUSPerson(false), subjectAt("US")),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}}},
		{"20: an Australian order about a US person", all(authority("AU"), uses("au_ipo", "tribunal"), offence(5), customer(CustomerConsumer, "AU", "US"), subjectUSPerson(true)),
			expect{deficiencies: []string{"AGREEMENT_EXCLUDES_US_PERSONS"}}},
		{"5: SERIOUS_CRIME_THRESHOLD for a UK order for a minor offence", copo(offence(2)),
			expect{deficiencies: []string{"SERIOUS_CRIME_THRESHOLD"}, route: RouteReject, conflicts: []string{"US_SCA_2702A"}}},
		{"5: SERIOUS_CRIME_THRESHOLD when the sentence is not stated", copo(func(c *Case) { c.Demand.OffenceMaxYears = nil }),
			expect{deficiencies: []string{"SERIOUS_CRIME_THRESHOLD"}}},
		{"5: SERIOUS_CRIME_THRESHOLD is met at exactly 3 years", copo(offence(3)),
			expect{deficiencies: none}},
		{"5: a listed offence does not help under the agreements", copo(offence(1), listedOffence()),
			expect{deficiencies: []string{"SERIOUS_CRIME_THRESHOLD"}}},
		{"5: SERIOUS_CRIME_THRESHOLD whatever the categories asked", copo(offence(1), asks("subscriber")),
			expect{deficiencies: []string{"SERIOUS_CRIME_THRESHOLD"}, conflicts: none}},
		{"5: SERIOUS_CRIME_THRESHOLD for an Australian order", all(authority("AU"), uses("au_ipo", "judge"), offence(2.5), customer(CustomerConsumer, "AU", "US")),
			expect{deficiencies: []string{"SERIOUS_CRIME_THRESHOLD"}, conflicts: []string{"US_SCA_2702A"}}},
		{"5: a deficient order is outside the agreement: content collides with the SCA", copo(unverified()),
			expect{deficiencies: []string{"UNVERIFIED_REQUESTER"}, conflicts: []string{"US_SCA_2702A"}}},
		{"5: a deficient agreement order asking no content collides with nothing", copo(unverified(), asks("subscriber")),
			expect{conflicts: none}},

		// 6 and 24. Comity (§7).
		{"6: no statutory motion when the person resides in the US", all(customer(CustomerConsumer, "GB", "GB"), subjectIn("US")),
			expect{comity: []bool{false, false}, deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day)}}},
		{"6: residing in the US, a conflict still opens the common-law challenge", all(customer(CustomerConsumer, "GB", "DE"), subjectIn("US")),
			expect{comity: []bool{false, true}, conflicts: []string{"GDPR_ART48"}}},
		{"6: residing elsewhere keeps the motion", all(customer(CustomerConsumer, "GB", "GB"), subjectIn("FR")),
			expect{comity: []bool{true, false}}},
		{"24: a DE consumer who resides in GB: the residence qualifies", all(customer(CustomerConsumer, "DE", "DE"), subjectIn("GB")),
			expect{comity: []bool{true, false}, conflicts: []string{"GDPR_ART48"}, deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day), "COMITY_MOTION@" + at(14*day)}}},
		{"24: a FR customer whose data sought are in an AU region: the location qualifies", all(customer(CustomerConsumer, "FR", "FR", "AU"), sought("AU")),
			expect{comity: []bool{true, false}}},
		{"24: a location the demand does not seek does not qualify", all(customer(CustomerConsumer, "FR", "FR", "AU"), sought("FR")),
			expect{comity: []bool{false, true}}},
		{"24: nothing qualifying: neither, without a conflict", customer(CustomerConsumer, "CA", "CA"),
			expect{comity: []bool{false, false}}},

		// 7 and 26. Emergencies (§1, §3, §4).
		{"7: a verified us_emergency for EEA data raises no GDPR_ART48 (Art. 49(1)(f))", all(uses("us_emergency", "police"), emergency(true), customer(CustomerConsumer, "DE", "DE")),
			expect{deficiencies: none, conflicts: none, route: RouteRespond, notify: none, notice: []string{NoticeAfterEmergency}}},
		{"7: an unverified us_emergency still raises it", all(uses("us_emergency", "police"), emergency(false), customer(CustomerConsumer, "DE", "DE")),
			expect{deficiencies: []string{"EMERGENCY_UNVERIFIED"}, conflicts: []string{"GDPR_ART48"}, route: RouteReject}},
		{"7: a warrant with a verified emergency still raises it", all(emergency(true), customer(CustomerConsumer, "DE", "DE")),
			expect{conflicts: []string{"GDPR_ART48"}, route: RouteChallenge}},
		{"7: a foreign police request with a verified emergency obtains traffic", police("IN", asks("traffic", "subscriber"), emergency(true)),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber", "traffic"}, disclosable: []string{"subscriber", "traffic"}}},
		{"7: never content, even verified", police("IN", asks("content"), emergency(true)),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:content"}, conflicts: []string{"US_SCA_2702A"}}},
		{"7: an unverified emergency obtains only the routine categories", police("IN", asks("traffic"), emergency(false)),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:traffic", "EMERGENCY_UNVERIFIED"}, permitted: []string{"identification", "subscriber"}}},
		{"26: a verified us_emergency colliding with Chinese law is declined, not challenged", all(uses("us_emergency", "police"), emergency(true), locations("CN")),
			expect{deficiencies: none, sufficient: ptr(true), conflicts: []string{"CN_DSL_ART36"}, route: RouteReject, disclosable: []string{"content"}, notice: []string{NoticeNone, "", ""}, notify: none}},
		{"26: declined with Swiss data and EEA data together; no DPA is told", all(uses("us_emergency", "police"), emergency(true), customer(CustomerConsumer, "DE", "DE", "CH")),
			expect{conflicts: []string{"CH_SCC_ART271"}, route: RouteReject, notify: none}},
		{"26: declined for a French business", all(uses("us_emergency", "police"), emergency(true), customer(CustomerEnterprise, "FR", "US")),
			expect{conflicts: []string{"FR_BLOCKING_STATUTE"}, route: RouteReject, customerFirst: []string{"true", "emergency"}}},

		// 8 and 23. Private parties and civil subpoenas (§1, §2, §6, §7).
		{"8: a private litigant's civil subpoena for non-content records", civil(),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber", "traffic"}, disclosable: []string{"subscriber", "traffic"}, route: RouteRespond,
				deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day), "OBJECTION@" + at(14*day)}}},
		{"8: a civil subpoena cannot compel content, and content is no conflict", civil(asks("content")),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:content"}, conflicts: none, route: RouteReject}},
		{"8: a civil subpoena from law enforcement is the wrong requester", civil(authorityKind(KindLawEnforcement)),
			expect{deficiencies: []string{"WRONG_REQUESTER_KIND"}}},
		{"8: a civil subpoena from a court is the wrong requester", civil(authorityKind(KindCourt)),
			expect{deficiencies: []string{"WRONG_REQUESTER_KIND"}}},
		{"8: a private party using a grand-jury subpoena is the wrong requester", all(privateParty(), uses("us_subpoena", "other"), asks("subscriber")),
			expect{deficiencies: []string{"WRONG_REQUESTER_KIND"}}},
		{"8: a private party using a warrant is the wrong requester", privateParty(),
			expect{deficiencies: []string{"WRONG_REQUESTER_KIND"}}},
		{"8: a private party cannot claim an emergency, verified or not", civil(emergency(true)),
			expect{deficiencies: []string{"WRONG_REQUESTER_KIND"}, flags: []string{"EMERGENCY"}}},
		{"8: a private party's unverified emergency is both", civil(emergency(false)),
			expect{deficiencies: []string{"EMERGENCY_UNVERIFIED", "WRONG_REQUESTER_KIND"}}},
		{"8: a private party outside the US", civil(authority("GB")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}}},
		{"8: a private party must be verified against the registry", civil(unverified()),
			expect{deficiencies: []string{"UNVERIFIED_REQUESTER"}}},
		{"8: common-law comity covers a civil subpoena in conflict", civil(locations("CH")),
			expect{comity: []bool{false, true}, conflicts: []string{"CH_SCC_ART271"}, route: RouteChallenge}},
		{"8: an enterprise customer is redirected from a civil subpoena too", civil(customer(CustomerEnterprise, "US")),
			expect{route: RouteRedirectToCustomer, notice: []string{NoticeWithRedirect}, deadlines: []string{"OBJECTION@" + at(14*day)}}},
		{"23: OBJECTION is the return date when it comes first", civil(due("2026-11-23T17:00:00Z")),
			expect{deadlines: []string{"OBJECTION@2026-11-23T17:00:00Z", "RESPOND@2026-11-23T17:00:00Z", "EARLIEST_DISCLOSURE@" + at(7*day)}, flags: []string{"OBJECTION_WINDOW_EXCEEDS_DEADLINE"}}},
		{"23: OBJECTION is 14 days after service when the return date is later", civil(due("2027-01-15T00:00:00Z")),
			expect{deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day), "OBJECTION@" + at(14*day), "RESPOND@2027-01-15T00:00:00Z"}, flags: none}},
		{"23: OBJECTION runs for a rejected civil subpoena", civil(asks("content"), due("2026-12-01T00:00:00Z")),
			expect{route: RouteReject, deadlines: []string{"OBJECTION@2026-12-01T00:00:00Z", "RESPOND@2026-12-01T00:00:00Z"}}},

		// 9. Foreign preservation requests (§1, §6).
		{"9: a foreign preservation request is kept 90 days by default", all(authority("DE"), uses("foreign_preservation_request", "police"), asks("content", "traffic"), customer(CustomerConsumer, "DE", "DE")),
			expect{deficiencies: none, permitted: none, disclosable: none, route: RoutePreserve, conflicts: none, notice: []string{NoticeNone}, deadlines: []string{"PRESERVE_UNTIL@" + at(90*day)}}},
		{"9: a Brazilian one 60 days (Marco Civil Art. 15 §2)", all(authority("BR"), uses("foreign_preservation_request", "prosecutor"), customer(CustomerConsumer, "BR", "US")),
			expect{route: RoutePreserve, deadlines: []string{"PRESERVE_UNTIL@" + at(60*day)}, flags: []string{"CROSS_BORDER"}}},
		{"9: one from the US is the wrong jurisdiction, and is still kept", all(uses("foreign_preservation_request", "police")),
			expect{deficiencies: []string{"WRONG_JURISDICTION"}, route: RouteReject, deadlines: []string{"PRESERVE_UNTIL@" + at(90*day)}}},
		{"9: an enterprise customer's data is preserved, not redirected", all(authority("FR"), uses("foreign_preservation_request", "police"), customer(CustomerEnterprise, "FR", "FR")),
			expect{route: RoutePreserve, customerFirst: []string{"true", ""}}},

		// 10. Foreign police country profiles (§1, §6, §8).
		{"10: Canadian police obtain subscriber data", police("CA"),
			expect{deficiencies: none, permitted: []string{"subscriber"}, deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day)}}},
		{"10: Canadian police cannot obtain identification data (R v Spencer)", police("CA", asks("identification")),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:identification"}, permitted: []string{"subscriber"}}},
		{"10: Canada's limit holds in a verified emergency", police("CA", asks("traffic"), emergency(true)),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:traffic"}, permitted: []string{"subscriber"}}},
		{"10: Brazilian police obtain cadastral data only", police("BR", asks("subscriber", "identification")),
			expect{deficiencies: []string{"CATEGORY_NOT_PERMITTED:identification"}, permitted: []string{"subscriber"}}},
		{"10: Brazil's limit holds in a verified emergency", police("BR", emergency(true)),
			expect{deficiencies: none, permitted: []string{"subscriber"}}},
		{"10: Indian police: the default categories, answered within 72 hours", police("IN", asks("identification")),
			expect{deficiencies: none, permitted: []string{"identification", "subscriber"},
				deadlines: []string{"RESPOND@" + at(72*time.Hour), "EARLIEST_DISCLOSURE@" + at(7*day)}, flags: []string{"CROSS_BORDER", "OBJECTION_WINDOW_EXCEEDS_DEADLINE"}}},
		{"10: a due date the Indian authority wrote comes first", police("IN", due("2026-12-10T00:00:00Z")),
			expect{deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day), "RESPOND@2026-12-10T00:00:00Z"}, flags: []string{"CROSS_BORDER"}}},
		{"10: a country without a response period sets no RESPOND", police("MX"),
			expect{deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day)}, flags: []string{"CROSS_BORDER"}}},
		{"10: the flag needs EARLIEST_DISCLOSURE strictly later than RESPOND", police("MX", due(at(7*day))),
			expect{flags: []string{"CROSS_BORDER"}}},
		{"10: no flag when the customer is not told before disclosure", police("IN", customer(CustomerEnterprise, "IN", "US")),
			expect{route: RouteRedirectToCustomer, deadlines: []string{"RESPOND@" + at(72*time.Hour)}, flags: []string{"CROSS_BORDER"}}},
		{"10: a rejected Indian request keeps its response period", police("IN", unverified()),
			expect{route: RouteReject, deadlines: []string{"RESPOND@" + at(72*time.Hour)}}},

		// 11 and 25. Key custody (§8).
		{"11: a BYOK key in the provider's key service leaves content accessible", byokKeys(),
			expect{contentAccessible: ptr(true), disclosable: []string{"content"}, route: RouteRespond, flags: none}},
		{"11: customer-held keys make content inaccessible", heldKeys(),
			expect{contentAccessible: ptr(false), disclosable: none, route: RouteNoData, flags: []string{"CONTENT_TECHNICALLY_UNAVAILABLE"}}},
		{"11: customer-held keys leave other categories disclosable", all(heldKeys(), asks("subscriber", "content")),
			expect{disclosable: []string{"subscriber"}, route: RouteRespond}},

		// 12. Region-scoped demands (§3, §8).
		{"12: a demand for the US region only raises no GDPR conflict for a US customer", all(locations("US", "DE"), sought("US")),
			expect{conflicts: none, flags: none, route: RouteRespond}},
		{"12: without data_locations_sought every location counts", locations("US", "DE"),
			expect{conflicts: []string{"GDPR_ART48"}, flags: []string{"CROSS_BORDER"}}},
		{"12: the home country still counts whatever is sought", all(customer(CustomerConsumer, "DE", "US", "DE"), sought("US")),
			expect{conflicts: []string{"GDPR_ART48"}, flags: none}},
		{"12: Swiss data not sought raises no CH_SCC_ART271", all(locations("US", "CH"), sought("US")),
			expect{conflicts: none}},
		{"12: Swiss data sought does", all(locations("US", "CH"), sought("CH")),
			expect{conflicts: []string{"CH_SCC_ART271"}, flags: []string{"CROSS_BORDER"}}},
		{"12: Chinese data sought", all(locations("US", "CN"), sought("CN", "CN")),
			expect{conflicts: []string{"CN_DSL_ART36"}}},
		{"12: the DPA by data location is the first EEA location sought", all(locations("US", "FR", "DE"), sought("DE")),
			expect{route: RouteChallenge, notify: []string{"DPA:DE:DE"}}},

		// 14. The DPA by competence (§8).
		{"14: a Bavarian business: the BayLDA", all(customer(CustomerEnterprise, "DE", "DE"), subdivision("DE-BY"), exception("customer_complicit")),
			expect{route: RouteChallenge, notify: []string{"DPA:DE:DE-BY"}}},
		{"14: a consumer in North Rhine-Westphalia: the LDI NRW", all(customer(CustomerConsumer, "DE", "DE"), subdivision("DE-NW")),
			expect{notify: []string{"DPA:DE:DE-NW"}}},
		{"14: a Bavarian public body: the country's entry", all(customer(CustomerPublicSector, "DE", "DE"), subdivision("DE-BY"), exception("customer_complicit")),
			expect{notify: []string{"DPA:DE:DE"}}},
		{"14: a Catalan business: Spain's authority", all(customer(CustomerEnterprise, "ES", "ES"), subdivision("ES-CT"), exception("customer_complicit")),
			expect{notify: []string{"DPA:ES:ES"}}},
		{"14: a subdivision the directory does not list: the country's authority", all(customer(CustomerConsumer, "DE", "DE"), subdivision("DE-XX")),
			expect{notify: []string{"DPA:DE:DE"}}},
		{"14: a subdivision is never used when the DPA is chosen by location", all(customer(CustomerConsumer, "US", "US", "DE"), subdivision("US-CA")),
			expect{notify: []string{"DPA:DE:DE"}}},

		// 17. EU orders are confidential by default (§5, §8).
		{"17: an EPOC is noticed only when its issuer permits", epoc(noticePermitted()),
			expect{notice: []string{NoticeBeforeDisclosure, at(0), ""}, deadlines: []string{"EARLIEST_DISCLOSURE@" + at(7*day), "CONFLICT_OBJECTION@" + at(10*day), "ENFORCING_AUTHORITY_WINDOW@" + windowEnd, "RESPOND@" + windowEnd},
				flags: []string{"CROSS_BORDER", "PRESERVE_UNTIL_PRODUCED"}}},
		{"17: confidential whatever the route: a redirected EPOC", epoc(customer(CustomerEnterprise, "BE", "IE"), asks("subscriber")),
			expect{route: RouteRedirectToCustomer, notice: []string{NoticeDelayed, "", ""}, flags: []string{"CROSS_BORDER", "PRESERVE_UNTIL_PRODUCED"}}},
		{"17: confidential when rejected", epoc(unverified()),
			expect{route: RouteReject, notice: []string{NoticeDelayed, "", ""}}},
		{"17: an emergency EPOC stays confidential", epoc(emergency(true), asks("subscriber")),
			expect{notice: []string{NoticeDelayed, "", ""}}},
		{"17: notice_permitted on an emergency EPOC gives after_emergency", epoc(emergency(true), asks("subscriber"), noticePermitted()),
			expect{notice: []string{NoticeAfterEmergency, "", ""}}},
		{"17: a non-disclosure order on an EPOC comes first", epoc(ndo("2027-02-01")),
			expect{notice: []string{NoticeDelayed, "", "2027-02-01T00:00:00Z"}, deadlines: []string{"CONFLICT_OBJECTION@" + at(10*day), "ENFORCING_AUTHORITY_WINDOW@" + windowEnd, "RESPOND@" + windowEnd, "NOTICE@2027-02-02T12:00:00Z"}}},
		{"17: an indefinite order on an EPOC raises INDEFINITE_NDO; confidentiality does not", epoc(ndo("")),
			expect{flags: []string{"CROSS_BORDER", "INDEFINITE_NDO", "PRESERVE_UNTIL_PRODUCED"}}},
		{"17: a European Preservation Order is confidential too", all(authority("DE"), uses("eu_epoc_pr", "judge"), customer(CustomerConsumer, "DE", "IE")),
			expect{notice: []string{NoticeDelayed, "", ""}, flags: []string{"CROSS_BORDER"}}},
		{"17: notice_permitted on a preservation order gives none", all(authority("DE"), uses("eu_epoc_pr", "judge"), customer(CustomerConsumer, "DE", "IE"), noticePermitted()),
			expect{notice: []string{NoticeNone}}},
		{"17: notice_permitted has no effect on other instruments", noticePermitted(),
			expect{notice: []string{NoticeBeforeDisclosure}}},

		// 18. The enforcing authority's window in Irish time (§6).
		{"18: an emergency's 96 hours stay counted in hours", epoc(emergency(true)),
			expect{deadlines: []string{"RESPOND@" + at(8*time.Hour), "ENFORCING_AUTHORITY_WINDOW@" + at(96*time.Hour), "CONFLICT_OBJECTION@" + at(10*day)}}},

		// 19. Preservation on receipt of an EPOC (§8).
		{"19: PRESERVE_UNTIL_PRODUCED for a rejected EPOC in force", epoc(uses("eu_epoc", "police")),
			expect{route: RouteReject, flags: []string{"CROSS_BORDER", "PRESERVE_UNTIL_PRODUCED"}}},
		{"19: no PRESERVE_UNTIL_PRODUCED for a preservation order", all(authority("DE"), uses("eu_epoc_pr", "judge"), customer(CustomerConsumer, "DE", "DE")),
			expect{flags: none}},
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

// TestEnforcingAuthorityWindow checks the worked times of rulebook.md §6:
// the 10th day after the day of receipt on Ireland's calendar, a weekend
// moving it to the Monday, the end given in UTC.
func TestEnforcingAuthorityWindow(t *testing.T) {
	rb := defaultRulebook(t)
	for _, tt := range []struct{ received, want string }{
		{"2026-11-20T23:59:59Z", "2026-12-01T00:00:00Z"}, // winter: Irish time is UTC
		{"2026-11-21T00:00:00Z", "2026-12-02T00:00:00Z"},
		{"2026-08-20T23:30:00Z", "2026-08-31T23:00:00Z"}, // already 21 August in Ireland (UTC+1)
		{"2026-11-18T10:00:00Z", "2026-12-01T00:00:00Z"}, // 10th day Saturday 28 November → Monday 30
		{"2026-11-19T10:00:00Z", "2026-12-01T00:00:00Z"}, // 10th day Sunday 29 November → Monday 30
		{"2027-03-18T12:00:00Z", "2027-03-29T23:00:00Z"}, // summer time begins 28 March: the 10th day, Sunday, moves to Monday 29
		{"2026-10-15T12:00:00Z", "2026-10-27T00:00:00Z"}, // summer time ends 25 October: Sunday → Monday 26, midnight in winter time
	} {
		c := baseCase()
		epoc(asks("traffic"), receivedAt(tt.received))(&c)
		a := rb.Assess(c)
		eaw, respond := findDeadline(a.Deadlines, DeadlineEnforcingAuthorityWindow), findDeadline(a.Deadlines, DeadlineRespond)
		if eaw == nil || respond == nil || formatTime(eaw.Due) != tt.want || !respond.Due.Equal(eaw.Due) {
			t.Errorf("received %s: deadlines %+v, want the window and RESPOND at %s", tt.received, a.Deadlines, tt.want)
		}
	}
}

// TestCitations checks item 27 of the v2 changes, and that the messages
// name the v2 sources.
func TestCitations(t *testing.T) {
	rb := defaultRulebook(t)
	assess := func(cs ...change) Assessment {
		c := baseCase()
		all(cs...)(&c)
		return rb.Assess(c)
	}
	if a := assess(uses("us_subpoena", "other"), asks("subscriber"), locations("CH")); !strings.Contains(a.Comity.Message, "CLOUD Act §103(c)") {
		t.Errorf("common-law comity cites %q", a.Comity.Message)
	}
	if a := assess(epoc(authority("IE"))); !strings.Contains(a.Deficiencies[0].Message, "Art. 1(1)") {
		t.Errorf("an Irish EPOC's deficiency cites %q", a.Deficiencies[0].Message)
	}
	if name, citation := rb.InstrumentName("us_nsl"); citation != "18 U.S.C. 2709" {
		t.Errorf("%s cites %q", name, citation)
	}
	a := assess(ndo("2027-05-20"))
	if !strings.Contains(a.Notice.Message, "2027-05-21T12:00:00Z") || !strings.Contains(a.Notice.Message, "no extension") {
		t.Errorf("a delayed notice says %q", a.Notice.Message)
	}
	if a := assess(epoc()); !strings.Contains(a.Notice.Message, "Art. 13") {
		t.Errorf("a confidential EPOC's notice says %q", a.Notice.Message)
	}
	a = assess(police("IN"))
	if d := findDeadline(a.Deadlines, DeadlineRespond); d == nil || !strings.Contains(d.Message, "r. 3(1)(j)") {
		t.Errorf("India's response period cites %+v", d)
	}
	a = assess(all(authority("BR"), uses("foreign_preservation_request", "police"), customer(CustomerConsumer, "BR", "US")))
	if d := findDeadline(a.Deadlines, DeadlinePreserveUntil); d == nil || !strings.Contains(d.Message, "Marco Civil") || !strings.Contains(d.Message, "60 days") {
		t.Errorf("Brazil's preservation period cites %+v", d)
	}
	a = assess(civil())
	if d := findDeadline(a.Deadlines, DeadlineObjection); d == nil || !strings.Contains(d.Message, "45(d)(2)(B)") {
		t.Errorf("the civil subpoena's objection deadline cites %+v", d)
	}
	a = assess(all(customer(CustomerEnterprise, "DE", "DE"), subdivision("DE-BY"), exception("customer_complicit")))
	if len(a.NotifyAuthorities) != 1 || !strings.Contains(a.NotifyAuthorities[0].Message, "Bayerisches Landesamt") {
		t.Errorf("notify %+v", a.NotifyAuthorities)
	}
}

// TestFISANeverEnds checks item 21: the rulebook gives no FISA instrument
// an end, so that no order or directive that still binds the provider is
// rejected on a date.
func TestFISANeverEnds(t *testing.T) {
	rb := defaultRulebook(t)
	for _, code := range []string{"us_fisa_order", "us_fisa_702_directive"} {
		in := rb.instruments[code]
		if in.inForceUntil != nil || in.inForceFrom != nil {
			t.Errorf("%s has an in-force window %s", code, in.inForceText)
		}
		c := baseCase()
		all(uses(code, "judge"), receivedAt("2099-06-01T00:00:00Z"))(&c)
		if a := rb.Assess(c); !a.LegallySufficient {
			t.Errorf("%s in 2099: %+v", code, a.Deficiencies)
		}
	}
}
