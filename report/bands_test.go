package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/i18n"
	"writ/rules"
)

func structure(t testing.TB, code string) rules.BandStructure {
	t.Helper()
	s, ok := rulebook(t).Transparency().StructureByCode(code)
	if !ok {
		t.Fatalf("no structure %s", code)
	}
	return s
}

var (
	subscriber = []string{"subscriber"}
	content    = []string{"content"}
	traffic    = []string{"traffic"}
)

// usProcess is a group of US national-security process from US
// authorities.
func usProcess(instrument string, categories []string, outcome string, n, selectors int64) Group {
	return Group{Country: "US", Outcome: outcome, Instrument: instrument, Categories: categories, NationalSecurityFlag: true,
		Demands: n, Accounts: selectors, ExampleID: 60}
}

// The band data set, on top of groups():
//
//	2026-H2  NSLs 300 (620 selectors); FISA for contents 12+8 (20+10); FISA
//	         for non-contents 5 (5); a subpoena of a US national-security
//	         authority (exact: US no_data, enterprise customer 9); a request
//	         and a 702 directive of a GB national-security authority (left
//	         out unless included)
//	2025-H1  NSLs 40 (40); FISA for contents 500+20 (1000+100); FISA for
//	         non-contents 30 (60); 900 directives (900) of a GB
//	         national-security authority (never in a band)
//	2025-H2  NSLs 10 (10); FISA for contents 60 (70)
var (
	usAuthoritySubpoena = Group{Country: "US", Outcome: writ.OutcomeNoData, Instrument: "us_subpoena", Categories: subscriber,
		NationalSecurityFlag: true, Demands: 1, Accounts: 2, ExampleID: 70}
	gbRequest = Group{Country: "GB", Outcome: writ.OutcomeContentDisclosed, Instrument: "foreign_police_request", Categories: subscriber,
		NationalSecurityFlag: true, Demands: 1, Accounts: 1, Emergency: 1, ExampleID: 71}
	gbDirective = Group{Country: "GB", Instrument: "us_fisa_702_directive", Categories: content, NationalSecurityFlag: true,
		Demands: 1, Accounts: 400, ExampleID: 72}
	gbDirectives2025 = Group{Country: "GB", Instrument: "us_fisa_702_directive", Categories: content, NationalSecurityFlag: true,
		Demands: 900, Accounts: 900, ExampleID: 73}
	earlierProcess = map[Period][]Group{
		{2025, 1}: {
			usProcess("us_nsl", subscriber, writ.OutcomeNonContentDisclosed, 40, 40),
			usProcess("us_fisa_order", content, writ.OutcomeContentDisclosed, 500, 1000),
			usProcess("us_fisa_702_directive", content, writ.OutcomeContentDisclosed, 20, 100),
			usProcess("us_fisa_order", traffic, "", 30, 60),
			gbDirectives2025,
		},
		{2025, 2}: {
			usProcess("us_nsl", subscriber, writ.OutcomeNonContentDisclosed, 10, 10),
			usProcess("us_fisa_order", content, writ.OutcomeRejected, 60, 70),
		},
	}
)

// bandInput is the input of the report of p with structure code, from the
// band data set; include counts the demands of foreign national-security
// authorities.
func bandInput(t testing.TB, code string, p Period, include bool) Input {
	t.Helper()
	gs := append(groups(),
		usProcess("us_nsl", subscriber, writ.OutcomeNonContentDisclosed, 300, 620),
		usProcess("us_fisa_order", content, "", 12, 20),
		usProcess("us_fisa_702_directive", content, writ.OutcomeContentDisclosed, 8, 10),
		usProcess("us_fisa_order", traffic, writ.OutcomeRejected, 5, 5),
		usAuthoritySubpoena, gbRequest, gbDirective)
	in := inputFor(p, gs)
	in.Structure, in.IncludeForeignNationalSecurity = structure(t, code), include
	in.Authority = []AuthorityDemand{{DemandGroup: usAuthoritySubpoena, EnterpriseCustomer: 9}, {DemandGroup: gbRequest, EnterpriseCustomer: 8}, {DemandGroup: gbDirective}}
	for _, ep := range OtherBandPeriods(in.Structure, p, in.AsOf) {
		e := EarlierPeriod{Period: ep, Groups: earlierProcess[ep]}
		for _, g := range e.Groups {
			e.Counted += g.Demands
			if g.Country == "GB" {
				e.Authority = append(e.Authority, AuthorityDemand{DemandGroup: g})
			}
		}
		in.Earlier = append(in.Earlier, e)
	}
	return in
}

type band struct{ process, period, demands, selectors string }

func bandsOf(r *Report) []band {
	var out []band
	for _, f := range r.NationalSecurity.Figures {
		out = append(out, band{f.Process, f.Period, f.Demands, f.Selectors})
	}
	return out
}

var structureCases = []struct {
	name, code string
	period     Period
	want       []band
	withheld   string
}{
	{"a1", "a1", h2, []band{{"nsl", "2026-H2", "0-999", "0-999"}, {"fisa_contents", "2025-H1", "0-999", "1000-1999"},
		{"fisa_non_contents", "2025-H1", "0-999", "0-999"}}, ""},
	{"a2", "a2", h2, []band{{"nsl", "2026-H2", "0-499", "500-999"}, {"fisa_contents", "2025-H1", "500-999", "1000-1499"},
		{"fisa_non_contents", "2025-H1", "0-499", "0-499"}}, ""},
	{"a3", "a3", h2, []band{{"us_national_security_process", "2026-H2", "250-499", "500-749"}}, ""},
	{"a4", "a4", h2, []band{{"us_national_security_process", "2025", "600-699", "1200-1299"}}, ""},
	{"a4-first-half", "a4", Period{2027, 1}, nil, WithheldAnnual},
}

// Reports built with each of the four structures match their golden files,
// in JSON, CSV and HTML, and give exactly the bands the structure allows.
func TestGoldenReportsByStructure(t *testing.T) {
	rb := rulebook(t)
	for _, c := range structureCases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Build(rb, bandInput(t, c.code, c.period, false))
			if err != nil {
				t.Fatal(err)
			}
			if got := bandsOf(r); !slices.Equal(got, c.want) || r.NationalSecurity.Withheld != c.withheld {
				t.Errorf("bands %v withheld %q, want %v %q", got, r.NationalSecurity.Withheld, c.want, c.withheld)
			}
			s := structure(t, c.code)
			ns := r.NationalSecurity
			if ns.Structure != c.code || ns.Citation != s.Citation || ns.BandWidth != s.Band || ns.Separate != s.Separate || ns.Annual != (c.code == "a4") {
				t.Errorf("section %+v", ns)
			}
			js, err := r.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "report-"+c.name+".json", js)
			var b bytes.Buffer
			if err := WriteCSV(&b, r); err != nil {
				t.Fatal(err)
			}
			golden(t, "report-"+c.name+".csv", b.Bytes())
			checkCSV(t, b.Bytes(), r)
			var h bytes.Buffer
			page := Page{Report: r, History: []PeriodTotals{HistoryOf(r)}, SHA256: SHA256(js)}
			if err := WriteHTML(&h, page, words(t, i18n.English)); err != nil {
				t.Fatal(err)
			}
			golden(t, "report-"+c.name+".html", h.Bytes())
			for _, lang := range []string{i18n.French, i18n.German} {
				var l bytes.Buffer
				if err := WriteHTML(&l, page, words(t, lang)); err != nil {
					t.Fatal(err)
				}
				golden(t, "report-"+c.name+"."+lang+".html", l.Bytes())
			}
			for _, want := range []string{"structure " + c.code + " of 50 U.S.C. 1874(a) (" + s.Citation + ")", "in bands of " + words(t, i18n.English).T("%d", s.Band),
				"One category of demand is not included in this report: demands of foreign national-security authorities."} {
				if !strings.Contains(h.String(), want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			var pdf bytes.Buffer
			if err := WritePDF(&pdf, Page{Report: r, History: []PeriodTotals{HistoryOf(r)}}, words(t, i18n.English)); err != nil {
				t.Fatal(err)
			}
			wantPDF := []string{"(One category of demand is not included in this report: demands of foreign national-security authorities.)", "structure " + c.code}
			for _, f := range c.want {
				wantPDF = append(wantPDF, fmt.Sprintf("(%s)", f.period))
			}
			if c.withheld != "" {
				wantPDF = append(wantPDF, "once a year, in the report for the second half")
			}
			for _, want := range wantPDF {
				if !bytes.Contains(pdf.Bytes(), []byte(want)) {
					t.Errorf("the PDF lacks %s", want)
				}
			}
			back, err := Parse(js)
			if err != nil {
				t.Fatal(err)
			}
			if d := Diff(r, back); len(d) > 0 {
				t.Errorf("a report read back differs: %v", d)
			}
		})
	}
}

// checkCSV checks the table's shape: one header, a row per country and
// outcome group, a band row per figure (or one saying why there is none),
// and last the statement of what is left out.
func checkCSV(t *testing.T, data []byte, r *Report) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	bands := max(1, len(r.NationalSecurity.Figures))
	if len(rows) != 1+7*len(r.Countries)+bands+1 || !slices.Equal(rows[0], CSVHeader()) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	for i, f := range r.NationalSecurity.Figures {
		row := rows[1+7*len(r.Countries)+i]
		if row[0] != "2" || row[4] != NationalSecurityGroup || row[5] != "" || row[10] != f.Demands || row[11] != f.Selectors ||
			row[12] != r.NationalSecurity.Structure || row[13] != f.Process || row[14] != f.Period {
			t.Errorf("band row %v", row)
		}
	}
	last := rows[len(rows)-1]
	if last[4] != NotIncludedGroup || last[15] != r.NotIncluded.Statement {
		t.Errorf("last row %v", last)
	}
}

func TestBandPeriods(t *testing.T) {
	afterH2 := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		code   string
		p      Period
		asOf   time.Time
		others []Period
	}{
		// a1, a2: FISA figures cover the third half-year before the report's.
		{"a1", h2, afterH2, []Period{{2025, 1}}},
		{"a2", Period{2027, 1}, time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC), []Period{{2025, 2}}},
		{"a3", h2, afterH2, nil},
		// a4: the year before, in the second-half report only.
		{"a4", h2, afterH2, []Period{{2025, 1}, {2025, 2}}},
		{"a4", Period{2027, 1}, time.Date(2027, 7, 2, 0, 0, 0, 0, time.UTC), nil},
		// Nothing before the half-year has ended.
		{"a1", h2, time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), nil},
		{"a4", h2, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), nil},
	} {
		if got := OtherBandPeriods(structure(t, c.code), c.p, c.asOf); !slices.Equal(got, c.others) {
			t.Errorf("%s, report of %s at %s: %v, want %v", c.code, c.p, c.asOf.Format(time.RFC3339), got, c.others)
		}
	}
	// The third half-year before ends at least 540 days before the
	// report's half-year does (1874(b)(1)(B), applied to every FISA figure).
	for y := 2024; y < 2032; y++ {
		for _, p := range []Period{{y, 1}, {y, 2}} {
			fisa := covers(rules.PeriodThirdHalfYearBefore, p)[0]
			if days := p.End().Sub(fisa.End()).Hours() / 24; days < 540 || p.Prev().Prev().Prev() != fisa {
				t.Errorf("report of %s: FISA figures of %s, %.0f days before", p, fisa, days)
			}
		}
	}
}

// a4 gives its figures in the report of a second half, for the year before,
// and none in the report of a first half, which says why.
func TestAnnualStructure(t *testing.T) {
	rb := rulebook(t)
	first, err := Build(rb, bandInput(t, "a4", Period{2027, 1}, false))
	if err != nil {
		t.Fatal(err)
	}
	ns := first.NationalSecurity
	if len(ns.Figures) != 0 || ns.Withheld != WithheldAnnual || !ns.Annual || ns.Structure != "a4" {
		t.Fatalf("first half: %+v", ns)
	}
	if !strings.Contains(first.WithheldText(), "reported once a year, in the report for the second half of the year") {
		t.Errorf("first half says %q", first.WithheldText())
	}
	second, err := Build(rb, bandInput(t, "a4", h2, false))
	if err != nil {
		t.Fatal(err)
	}
	f := second.NationalSecurity.Figures
	if len(f) != 1 || f[0].Period != "2025" || !f[0].PeriodStart.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!f[0].PeriodEnd.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || second.WithheldText() != "" {
		t.Fatalf("second half: %+v", second.NationalSecurity)
	}
	// The figures of the report's own year are not in it: a4 never counts
	// 2026-H2's process in the report of 2026-H2.
	in := bandInput(t, "a4", h2, false)
	in.Groups = append(in.Groups, usProcess("us_nsl", subscriber, "", 5000, 5000))
	in.Counted += 5000
	again, err := Build(rb, in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bandsOf(again), bandsOf(second)) {
		t.Errorf("the half-year's own process moved the annual bands: %v", bandsOf(again))
	}
}

// Under a1 and a2 the NSL figure is the report's half-year and the FISA
// figures the third half-year before: FISA process received in the
// report's half-year moves no band.
func TestSeparateStructurePeriods(t *testing.T) {
	rb := rulebook(t)
	now := func(g Group) func(*Input) {
		return func(in *Input) { in.Groups = append(in.Groups, g); in.Counted += g.Demands }
	}
	before := func(g Group) func(*Input) {
		return func(in *Input) {
			in.Earlier[0].Groups = append(slices.Clone(in.Earlier[0].Groups), g)
			in.Earlier[0].Counted += g.Demands
		}
	}
	for _, c := range []struct {
		what  string
		add   func(*Input)
		moves int // the figure that moves, -1 for none
	}{
		{"FISA process of the report's half-year", now(usProcess("us_fisa_order", content, "", 3000, 3000)), -1},
		{"an NSL of the third half-year before", before(usProcess("us_nsl", subscriber, "", 3000, 3000)), -1},
		{"an NSL of the report's half-year", now(usProcess("us_nsl", subscriber, "", 3000, 3000)), 0},
		{"FISA process for contents of the third half-year before", before(usProcess("us_fisa_702_directive", content, "", 3000, 3000)), 1},
		{"FISA process for non-contents of the third half-year before", before(usProcess("us_fisa_order", traffic, "", 3000, 3000)), 2},
	} {
		for _, code := range []string{"a1", "a2"} {
			base, err := Build(rb, bandInput(t, code, h2, false))
			if err != nil {
				t.Fatal(err)
			}
			in := bandInput(t, code, h2, false)
			c.add(&in)
			r, err := Build(rb, in)
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range bandsOf(r) {
				if moved := f != bandsOf(base)[i]; moved != (i == c.moves) {
					t.Errorf("%s, %s: figure %s moved %v", code, c.what, f.process, moved)
				}
			}
		}
	}
}

// The rulebook's classes: a directive counts with contents, an order with
// contents only when it asks for content.
func TestSeparateFiguresByClass(t *testing.T) {
	rb := rulebook(t)
	in := inputFor(h2, append(groups(),
		usProcess("us_nsl", subscriber, "", 1000, 1000),
		usProcess("us_fisa_702_directive", traffic, "", 2000, 2000),
		usProcess("us_fisa_order", []string{"content", "traffic"}, "", 3000, 3000),
		usProcess("us_fisa_order", []string{"subscriber", "traffic"}, "", 4000, 4000)))
	in.Structure = structure(t, "a1")
	// The same classes in the third half-year before.
	e := EarlierPeriod{Period: Period{2025, 1}, Groups: in.Groups[len(in.Groups)-4:], Counted: 10000}
	in.Earlier = []EarlierPeriod{e}
	r, err := Build(rb, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []band{{"nsl", "2026-H2", "1000-1999", "1000-1999"}, {"fisa_contents", "2025-H1", "5000-5999", "5000-5999"},
		{"fisa_non_contents", "2025-H1", "4000-4999", "4000-4999"}}
	if got := bandsOf(r); !slices.Equal(got, want) {
		t.Errorf("bands %v, want %v", got, want)
	}
}

// Ordinary process from a US authority of kind national_security is counted
// in exact figures under its country like every other demand, although it
// carries the NATIONAL_SECURITY flag.
func TestOrdinaryProcessOfUSNationalSecurityAuthorityIsExact(t *testing.T) {
	rb := rulebook(t)
	base, err := Build(rb, input(groups()))
	if err != nil {
		t.Fatal(err)
	}
	in := input(append(groups(), usAuthoritySubpoena))
	in.Authority = []AuthorityDemand{{DemandGroup: usAuthoritySubpoena, EnterpriseCustomer: 9}}
	r, err := Build(rb, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"countries[US].accounts_specified: 10 ≠ 12", "countries[US].demands_received: 8 ≠ 9",
		"countries[US].enterprise_customers_affected: 1 ≠ 2", "countries[US].outcomes.no_data.demands: 0 ≠ 1",
		"instruments[us_subpoena].demands_received: 3 ≠ 4", "reconciliation.demands_counted: 12 ≠ 13",
		"totals.demands_received: 12 ≠ 13", "totals.enterprise_customers_affected: 2 ≠ 3",
	}
	d := Diff(base, r)
	for _, w := range want {
		if !slices.Contains(d, w) {
			t.Errorf("the differences lack %q:\n%s", w, strings.Join(d, "\n"))
		}
	}
	if !slices.Equal(bandsOf(r), bandsOf(base)) {
		t.Errorf("ordinary process moved the bands: %v", bandsOf(r))
	}
}

// Demands of foreign national-security authorities are in no figure by
// default, whatever their instrument, and counted exactly under their
// country when the setting includes them; the statement follows.
func TestForeignNationalSecurity(t *testing.T) {
	rb := rulebook(t)
	without := func(in Input) Input {
		in.Groups = slices.DeleteFunc(slices.Clone(in.Groups), func(g Group) bool { return g.Country == "GB" && g.NationalSecurityFlag })
		in.Authority = slices.DeleteFunc(slices.Clone(in.Authority), func(a AuthorityDemand) bool { return a.Country == "GB" })
		in.Counted, in.ClosedCounted = 0, 0
		for _, g := range in.Groups {
			in.Counted += g.Demands
			if g.Outcome != "" {
				in.ClosedCounted += g.Demands
			}
		}
		for i := range in.Earlier {
			e := &in.Earlier[i]
			e.Groups = slices.DeleteFunc(slices.Clone(e.Groups), func(g Group) bool { return g.Country == "GB" })
			e.Authority, e.Counted = nil, 0
			for _, g := range e.Groups {
				e.Counted += g.Demands
			}
		}
		return in
	}
	for _, code := range []string{"a1", "a2", "a3", "a4"} {
		// Left out: the report is the report of the same records without
		// them, byte for byte.
		in := bandInput(t, code, h2, false)
		r, err := Build(rb, in)
		if err != nil {
			t.Fatal(err)
		}
		none, err := Build(rb, without(in))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := r.JSON()
		b, _ := none.JSON()
		if !bytes.Equal(a, b) {
			t.Errorf("%s: demands of foreign national-security authorities changed the report:\n%s", code, strings.Join(Diff(none, r), "\n"))
		}
		if !slices.Equal(r.NotIncluded.Categories, []string{CategoryForeignNationalSecurity}) ||
			r.NotIncluded.Statement != "One category of demand is not included in this report: demands of foreign national-security authorities." {
			t.Errorf("%s: %+v", code, r.NotIncluded)
		}

		// Included: counted exactly under GB, the directive too, and in no
		// band.
		in = bandInput(t, code, h2, true)
		r, err = Build(rb, in)
		if err != nil {
			t.Fatal(err)
		}
		var gb *CountryFigures
		for i := range r.Countries {
			if r.Countries[i].Country == "GB" {
				gb = &r.Countries[i]
			}
		}
		if gb == nil || gb.Demands != 3 || gb.Accounts != 402 || gb.Outcomes.ContentDisclosed.Demands != 1 || gb.Outcomes.Pending.Demands != 1 ||
			gb.Emergency != 1 || gb.EmergencyWithData != 1 || gb.EnterpriseCustomers != 1 {
			t.Fatalf("%s: GB %+v", code, gb)
		}
		var directive InstrumentFigures
		for _, i := range r.Instruments {
			if i.Instrument == "us_fisa_702_directive" {
				directive = i
			}
		}
		if directive.Demands != 1 || directive.Accounts != 400 {
			t.Errorf("%s: the directive of a foreign authority, included: %+v", code, directive)
		}
		if !slices.Equal(bandsOf(r), bandsOf(none)) {
			t.Errorf("%s: included foreign demands moved a band: %v, want %v", code, bandsOf(r), bandsOf(none))
		}
		if len(r.NotIncluded.Categories) != 0 || r.NotIncluded.Statement != "No category of demand is left out of this report." {
			t.Errorf("%s: included, the statement is %+v", code, r.NotIncluded)
		}
		if strings.Contains(r.NotIncluded.Statement, "foreign") {
			t.Errorf("%s: the statement still names them", code)
		}
	}
}

// The statement is in every report, the same whether or not such a demand
// was received, and gives no number.
func TestNotIncludedStatementInEveryReport(t *testing.T) {
	rb := rulebook(t)
	const want = "One category of demand is not included in this report: demands of foreign national-security authorities."
	empty := inputFor(h2, nil)
	empty.Customers = nil
	for name, in := range map[string]Input{"empty": empty, "no foreign demand": input(groups()), "foreign demands": bandInput(t, "a3", h2, false),
		"before the half-year ended": func() Input { in := bandInput(t, "a1", h2, false); in.AsOf, in.Earlier = storetestNow, nil; return in }()} {
		r, err := Build(rb, in)
		if err != nil {
			t.Fatal(err)
		}
		if r.NotIncluded.Statement != want {
			t.Errorf("%s: %q", name, r.NotIncluded.Statement)
		}
		if regexp.MustCompile(`[0-9]`).MatchString(r.NotIncluded.Statement) {
			t.Errorf("%s: a numeral in %q", name, r.NotIncluded.Statement)
		}
		var b, h bytes.Buffer
		WriteCSV(&b, r)
		WriteHTML(&h, Page{Report: r}, words(t, i18n.English))
		if !strings.Contains(b.String(), want) || !strings.Contains(h.String(), want) {
			t.Errorf("%s: a rendering lacks the statement", name)
		}
		// The band section is present even when nothing was received.
		js, _ := r.JSON()
		var raw map[string]json.RawMessage
		json.Unmarshal(js, &raw)
		if raw["national_security"] == nil || raw["not_included"] == nil {
			t.Errorf("%s: a section is missing", name)
		}
	}
	if got := notIncludedStatement([]string{CategoryForeignNationalSecurity, CategoryForeignNationalSecurity}, "report"); strings.ContainsAny(got, "0123456789") ||
		!strings.HasPrefix(got, "Two categories of demand are not included in this report: ") {
		t.Errorf("two categories: %q", got)
	}
}

// storetestNow is when the store's tests build their reports: before the
// end of 2026-H2.
var storetestNow = time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)

// A report computed before its half-year ends gives no band, and says so.
func TestBandsWithheldBeforeTheHalfYearEnds(t *testing.T) {
	rb := rulebook(t)
	for _, code := range []string{"a1", "a2", "a3", "a4"} {
		in := bandInput(t, code, h2, false)
		in.AsOf, in.Earlier = storetestNow, nil
		r, err := Build(rb, in)
		if err != nil {
			t.Fatal(err)
		}
		ns := r.NationalSecurity
		if len(ns.Figures) != 0 || ns.Withheld != WithheldHalfYearNotEnded || ns.Structure != code {
			t.Errorf("%s: %+v", code, ns)
		}
		if !strings.Contains(r.WithheldText(), "on 1 January 2027 or later") {
			t.Errorf("%s: %q", code, r.WithheldText())
		}
		in.AsOf = h2.End()
		in = bandInput(t, code, h2, false)
		in.AsOf = h2.End()
		if r, err = Build(rb, in); err != nil || len(r.NationalSecurity.Figures) == 0 {
			t.Errorf("%s: at the end of the half-year: %v %+v", code, err, r.NationalSecurity)
		}
	}
}

// A canary never names US national-security process with a figure other
// than a band the report of its period gives, by every structure and in
// both halves: its text is the same whatever process is added within the
// bands, and every numeral in a line about such process is part of a band,
// the band width, a period or the citation.
func TestCanaryNeverStatesNationalSecurityOutsideItsBands(t *testing.T) {
	rb := rulebook(t)
	rng := rand.New(rand.NewPCG(3, 4))
	nsWords := regexp.MustCompile(`(?i)national.security|FISA|1874|2709|1881|directive|selector|nsl`)
	for _, code := range []string{"a1", "a2", "a3", "a4"} {
		for _, p := range []Period{h2, {2027, 1}} {
			for _, asOf := range []time.Time{p.End().Add(14 * 24 * time.Hour), p.Start().Add(24 * time.Hour)} {
				name := fmt.Sprintf("%s %s at %s", code, p, asOf.Format(time.DateOnly))
				base := bandInput(t, code, p, false)
				base.AsOf = asOf
				base.Earlier = nil
				for _, ep := range OtherBandPeriods(base.Structure, p, asOf) {
					base.Earlier = append(base.Earlier, EarlierPeriod{Period: ep})
				}
				first, err := BuildCanary(rb, base, asOf.AddDate(1, 0, 0))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				r, _ := Build(rb, base)
				for _, s := range first.Statements {
					if strings.HasPrefix(s.Code, "no-") && nsWords.MatchString(s.Text) {
						t.Errorf("%s: a statement of national-security process not received: %s", name, s.Text)
					}
					if !nsWords.MatchString(s.Text) {
						continue
					}
					rest := s.Text
					for _, f := range r.NationalSecurity.Figures {
						rest = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(rest, f.Demands, ""), f.Selectors, ""), f.Period, "")
					}
					rest = strings.ReplaceAll(rest, r.NationalSecurity.Citation, "")
					rest = strings.ReplaceAll(rest, fmt.Sprintf("bands of %d", r.NationalSecurity.BandWidth), "")
					rest = strings.ReplaceAll(rest, r.PeriodEnd.Format("2 January 2006"), "")
					if strings.ContainsAny(rest, "0123456789") {
						t.Errorf("%s: a figure outside the bands in %q", name, s.Text)
					}
				}
				bandCodes := 0
				for _, s := range first.Statements {
					if strings.HasPrefix(s.Code, "us-") {
						bandCodes++
					}
				}
				if want := max(1, len(r.NationalSecurity.Figures)); bandCodes != want {
					t.Errorf("%s: %d band statements, want %d", name, bandCodes, want)
				}
				// Any US national-security process within the bands, from any
				// authority, and any demand of a foreign national-security
				// authority, leave the canary as it was.
				for range 30 {
					in := base
					in.Groups, in.Authority = slices.Clone(base.Groups), slices.Clone(base.Authority)
					in.Earlier = slices.Clone(base.Earlier)
					for range 1 + rng.IntN(4) {
						g := Group{Country: "US", Instrument: []string{"us_nsl", "us_fisa_order", "us_fisa_702_directive"}[rng.IntN(3)],
							Categories: [][]string{subscriber, content, traffic}[rng.IntN(3)], NationalSecurityFlag: true, Demands: 1, Accounts: 1,
							LongGags: int64(rng.IntN(2))}
						if rng.IntN(2) == 0 {
							g.Outcome = writ.OutcomeContentDisclosed
						}
						foreign := rng.IntN(3) == 0
						if foreign {
							g.Country = "DE"
							g.Categories = content
						}
						in.Groups = append(in.Groups, g)
						in.Counted++
						if g.Outcome != "" {
							in.ClosedCounted++
						}
						if foreign {
							in.Authority = append(in.Authority, AuthorityDemand{DemandGroup: g})
						}
					}
					c, err := BuildCanary(rb, in, asOf.AddDate(1, 0, 0))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					again, _ := Build(rb, in)
					if slices.Equal(bandsOf(again), bandsOf(r)) && c.Text() != first.Text() {
						t.Fatalf("%s: process within the bands changed the canary:\n%s\nwas\n%s", name, c.Text(), first.Text())
					}
				}
			}
		}
	}
}

// A report of schema v1, published before, still reads and renders, and is
// not taken for one of this schema.
func TestParseV1Report(t *testing.T) {
	r, err := Build(rulebook(t), input(groups()))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := r.JSON()
	var m map[string]any
	json.Unmarshal(js, &m)
	m["schema"] = SchemaV1
	m["national_security"] = map[string]any{"band_width": 250, "demands_band": "0-249", "accounts_band": "250-499"}
	delete(m, "not_included")
	v1, _ := json.Marshal(m)
	old, err := Parse(v1)
	if err != nil {
		t.Fatal(err)
	}
	f := old.NationalSecurity.Figures
	if old.Schema != SchemaV1 || len(f) != 1 || f[0].Demands != "0-249" || f[0].Selectors != "250-499" || old.NotIncluded.Statement != "" {
		t.Fatalf("%+v", old.NationalSecurity)
	}
	var h bytes.Buffer
	if err := WriteHTML(&h, Page{Report: old}, words(t, i18n.English)); err != nil || !strings.Contains(h.String(), "report schema v1") || strings.Contains(h.String(), "not included") {
		t.Errorf("the page of a v1 report: %v", err)
	}
	m["schema"] = "writ.transparency-report/v9"
	v9, _ := json.Marshal(m)
	if _, err := Parse(v9); writ.ErrorField(err) != "schema" {
		t.Errorf("an unknown schema: %v", err)
	}
}
