package report

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
	"writ/i18n"
	"writ/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func rulebook(t testing.TB) *rules.Rulebook {
	t.Helper()
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

func TestParsePeriod(t *testing.T) {
	for s, want := range map[string][2]time.Time{
		"2026-H1": {time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)},
		"2026-H2": {time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		p, err := ParsePeriod(s)
		if err != nil || !p.Start().Equal(want[0]) || !p.End().Equal(want[1]) || p.String() != s {
			t.Errorf("%s: %v %v–%v", s, err, p.Start(), p.End())
		}
	}
	for _, bad := range []string{"2026-H3", "2026-H0", "2026", "26-H1", "2026-h1", "2026-H1 ", " 2026-H1", "+2026-H1", "2026-H12", "", "0000-H1"} {
		_, err := ParsePeriod(bad)
		if writ.ErrorCode(err) != writ.EINVALID || writ.ErrorField(err) != "period" {
			t.Errorf("%q: %v, want EINVALID naming period", bad, err)
		}
	}
	p := Period{2026, 2}
	if !p.Contains(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) || p.Contains(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		p.Contains(time.Date(2026, 6, 30, 23, 59, 59, 999999999, time.UTC)) {
		t.Error("the period's bounds are wrong")
	}
	if PeriodOf(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)) != p || (Period{2026, 2}).Next() != (Period{2027, 1}) {
		t.Error("PeriodOf or Next")
	}
}

func TestPercentAndBand(t *testing.T) {
	for _, c := range []struct {
		part, whole int64
		want        string
	}{{1, 3, "33.3"}, {2, 3, "66.7"}, {1, 8, "12.5"}, {1, 16, "6.3"}, {0, 0, "0.0"}, {5, 5, "100.0"}, {1, 2000, "0.1"}, {1, 2001, "0.0"}} {
		if got := PercentOf(c.part, c.whole).String(); got != c.want {
			t.Errorf("%d of %d is %s %%, want %s", c.part, c.whole, got, c.want)
		}
	}
	for n, want := range map[int64]string{0: "0-249", 1: "0-249", 249: "0-249", 250: "250-499", 499: "250-499", 1000: "1000-1249"} {
		if got := Band(n, 250); got != want {
			t.Errorf("Band(%d) = %s, want %s", n, got, want)
		}
	}
}

var h2 = Period{2026, 2}

// groups is a small data set: 3 countries, every outcome group, an
// emergency, a delayed notice and two enterprise customers, one of them
// named from two countries.
func groups() []Group {
	g := func(country, outcome, instrument string, categories []string, n, accounts int64) Group {
		return Group{Country: country, Outcome: outcome, Instrument: instrument, Categories: categories, Demands: n, Accounts: accounts, ExampleID: 1}
	}
	content, subscriber := []string{"content"}, []string{"subscriber"}
	out := []Group{
		g("US", writ.OutcomeContentDisclosed, "us_search_warrant", content, 3, 4),
		g("US", writ.OutcomeNonContentDisclosed, "us_subpoena", subscriber, 2, 2),
		g("US", writ.OutcomeRejected, "us_subpoena", subscriber, 1, 1),
		g("US", "", "us_2703d_order", []string{"traffic", "subscriber"}, 2, 3),
		g("DE", writ.OutcomeRedirected, "eu_epoc", subscriber, 1, 1),
		g("DE", writ.OutcomeNoData, "foreign_police_request", subscriber, 2, 2),
		g("GB", writ.OutcomeWithdrawn, "uk_copo", content, 1, 1),
	}
	out[0].Emergency = 3
	out[3].DelayedNotices = 2
	return out
}

// customers of the groups: customer 7 is named from the US (and had
// content disclosed) and from DE.
func customers() []CustomerGroup {
	return []CustomerGroup{{Country: "US", Customer: 7, Demands: 3, WithData: true}, {Country: "DE", Customer: 7, Demands: 1}, {Country: "DE", Customer: 8, Demands: 2}}
}

// input is the input of the report of 2026-H2, computed on 15 January
// 2027 with the rulebook's structure (a3), from groups and the customers of
// the data set.
func input(gs []Group) Input { return inputFor(h2, gs) }

// inputFor is the input of the report of p, computed two weeks after p
// ended.
func inputFor(p Period, gs []Group) Input {
	rb, _ := rules.Default()
	in := Input{Period: p, AsOf: p.End().Add(14*24*time.Hour + 9*time.Hour), Groups: gs, Customers: customers(),
		Checkpoint: Checkpoint{Origin: "writ.test/log", TreeSize: 42, RootHash: "cm9vdA==", Note: "writ.test/log\n42\ncm9vdA==\n"},
		Structure:  rb.Transparency().Structure}
	for _, g := range gs {
		in.Counted += g.Demands
		if g.Outcome != "" {
			in.ClosedCounted += g.Demands
		}
	}
	return in
}

func TestBuildFigures(t *testing.T) {
	r, err := Build(rulebook(t), input(groups()))
	if err != nil {
		t.Fatal(err)
	}
	tot := r.Totals
	if tot.Demands != 12 || tot.Accounts != 14 || tot.Outcomes.Pending.Demands != 2 || tot.Outcomes.ContentDisclosed.Percent != 250 ||
		tot.Emergency != 3 || tot.EmergencyWithData != 3 || tot.EnterpriseCustomers != 2 || tot.EnterpriseCustomersWithData != 1 || tot.DelayedNotices != 2 {
		t.Errorf("totals %+v", tot)
	}
	// Customer 7 is named from the US and DE: once in each, once in all.
	var sum int64
	for _, c := range r.Countries {
		sum += c.EnterpriseCustomers
	}
	if sum != 3 {
		t.Errorf("the countries have %d enterprise customers, want 3", sum)
	}
	for _, c := range r.DataCategories {
		if c.Category == "subscriber" && c.Demands != 8 {
			t.Errorf("subscriber: %d demands, want 8 (a demand asking two categories counts under both)", c.Demands)
		}
	}
}

// words are the report's words in lang, from writ's catalogs.
func words(t testing.TB, lang string) Words {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c.Printer(lang)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./report -update to accept):\n%s", name, got)
	}
}

// Whatever US national-security process, and whatever demands of foreign
// national-security authorities, are added, no exact figure changes.
func TestNationalSecurityProcessChangesNoExactFigure(t *testing.T) {
	rb := rulebook(t)
	base, err := Build(rb, input(groups()))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		gs := groups()
		var authority []AuthorityDemand
		for range 1 + rng.IntN(5) {
			g := Group{Country: "US", Instrument: []string{"us_nsl", "us_fisa_order", "us_fisa_702_directive"}[rng.IntN(3)],
				Categories: []string{"subscriber"}, Demands: 1 + int64(rng.IntN(300)), NationalSecurityFlag: true, ExampleID: 99}
			foreign := rng.IntN(2) == 0
			if foreign {
				// A foreign national-security authority, with any instrument.
				g.Country = []string{"DE", "GB", "FR"}[rng.IntN(3)]
				g.Instrument = []string{"us_nsl", "us_fisa_702_directive", "foreign_police_request", "eu_epoc"}[rng.IntN(4)]
			}
			g.Accounts, g.Emergency, g.DelayedNotices, g.LongGags = g.Demands, rng.Int64N(g.Demands+1), rng.Int64N(g.Demands+1), rng.Int64N(g.Demands+1)
			if rng.IntN(3) > 0 {
				g.Outcome = writ.Outcomes()[rng.IntN(6)]
			}
			gs = append(gs, g)
			if foreign || rng.IntN(2) == 0 {
				authority = append(authority, AuthorityDemand{DemandGroup: g, EnterpriseCustomer: 7})
			}
		}
		in := input(gs)
		in.Authority = authority
		r, err := Build(rb, in)
		if err != nil {
			t.Fatal(err)
		}
		if d := Diff(base, r); !allNationalSecurity(d) {
			t.Fatalf("case %d: national-security process changed %v", i, d)
		}
	}
	// The bands move only by whole bands.
	gs := groups()
	gs = append(gs, Group{Country: "US", Instrument: "us_nsl", Categories: []string{"subscriber"},
		NationalSecurityFlag: true, Demands: 250, Accounts: 499, ExampleID: 5})
	r, err := Build(rb, input(gs))
	if err != nil {
		t.Fatal(err)
	}
	if f := r.NationalSecurity.Figures; len(f) != 1 || f[0].Demands != "250-499" || f[0].Selectors != "250-499" {
		t.Errorf("bands %+v", r.NationalSecurity)
	}
}

func allNationalSecurity(diffs []string) bool {
	for _, d := range diffs {
		if !strings.HasPrefix(d, "national_security.") {
			return false
		}
	}
	return true
}

func TestReconciliationFailsLoudly(t *testing.T) {
	rb := rulebook(t)
	cases := []struct {
		name string
		edit func(*Input)
		want string
	}{
		{"a demand counted twice", func(in *Input) { in.Groups = append(in.Groups, in.Groups[1]) }, "counted twice or not at all"},
		{"a demand not counted", func(in *Input) { in.Counted++ }, "counted twice or not at all"},
		{"an unknown country", func(in *Input) { in.Groups[2].Country = "ZZ"; in.Groups[2].ExampleID = 31 }, `demand 31: the requesting authority's country "ZZ"`},
		{"an outcome not of the six", func(in *Input) { in.Groups[2].Outcome = "disclosed" }, `closed with outcome "disclosed"`},
		{"an unknown state", func(in *Input) { in.UnknownStates = []int64{77} }, "demand 77: its state is not one of writ's"},
		{"an unknown instrument", func(in *Input) { in.Groups[2].Instrument = "letter" }, "unknown instrument"},
		{"a repeated category", func(in *Input) { in.Groups[2].Categories = []string{"subscriber", "subscriber"} }, "data categories"},
		{"a national security letter without its flag", func(in *Input) { in.Groups[2].Instrument = "us_nsl" }, "NATIONAL_SECURITY flag is missing, but the instrument us_nsl"},
		{"a national-security authority's demand without it", func(in *Input) {
			g := in.Groups[2]
			g.Demands, g.Accounts, g.ExampleID = 1, 1, 31
			in.Authority = []AuthorityDemand{{DemandGroup: g}}
		}, "demand 31: the NATIONAL_SECURITY flag is missing, but it came from a national-security authority"},
		{"a flag without cause", func(in *Input) { in.Groups[2].NationalSecurityFlag = true }, "the NATIONAL_SECURITY flag was set without cause"},
		{"a national-security authority's demand in no group", func(in *Input) {
			in.Authority = []AuthorityDemand{{DemandGroup: Group{Country: "GB", Instrument: "foreign_police_request", Categories: []string{"subscriber"},
				NationalSecurityFlag: true, Demands: 1, Accounts: 1, ExampleID: 32}}}
		}, "demand 32: it came from a national-security authority but is in none of the groups"},
		{"more of a national-security authority's demands than the group holds", func(in *Input) {
			g := in.Groups[2]
			g.NationalSecurityFlag = true
			in.Groups[2] = g
			g.Demands, g.Accounts = 2, 2
			in.Authority = []AuthorityDemand{{DemandGroup: g}}
		}, "2 demands of national-security authorities are counted in it, more than it holds"},
		{"an earlier half-year the bands do not cover", func(in *Input) { in.Earlier = []EarlierPeriod{{Period: Period{2025, 1}}} },
			"the bands cover the half-years [] but the input holds [2025-H1]"},
		{"an earlier half-year's count", func(in *Input) {
			in.Structure, _ = rb.Transparency().StructureByCode("a1")
			in.Earlier = []EarlierPeriod{{Period: Period{2025, 1}, Counted: 2,
				Groups: []Group{{Country: "US", Instrument: "us_fisa_order", Categories: []string{"content"}, NationalSecurityFlag: true, Demands: 1, Accounts: 1}}}}
		}, "2025-H1: the groups hold 1 demands of US national-security instruments but the half-year has 2"},
		{"an earlier half-year's ordinary process", func(in *Input) {
			in.Structure, _ = rb.Transparency().StructureByCode("a1")
			in.Earlier = []EarlierPeriod{{Period: Period{2025, 1}, Counted: 1,
				Groups: []Group{{Country: "US", Instrument: "us_subpoena", Categories: []string{"subscriber"}, Demands: 1, Accounts: 1, ExampleID: 33}}}}
		}, "2025-H1: demand 33: the instrument us_subpoena is not US national-security process"},
		{"a customer of a country without demands", func(in *Input) { in.Customers[2].Country = "FR" }, "customer 8: named by demands of FR"},
		{"a demand without accounts", func(in *Input) { in.Groups[2].Accounts = 0 }, "names no account"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input(groups())
			c.edit(&in)
			_, err := Build(rb, in)
			var rec *ReconcileError
			if !errors.As(err, &rec) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a reconciliation failure with %q", err, c.want)
			}
		})
	}
}

func TestReconcileCatchesAnEditedReport(t *testing.T) {
	rb := rulebook(t)
	edits := map[string]func(*Report){
		"a total":                 func(r *Report) { r.Totals.Demands++ },
		"a percentage":            func(r *Report) { r.Countries[0].Outcomes.NoData.Percent++ },
		"a row":                   func(r *Report) { r.Rows[3].Accounts++ },
		"a row dropped":           func(r *Report) { r.Rows = r.Rows[1:] },
		"an instrument":           func(r *Report) { r.Instruments[0].Demands++ },
		"a band":                  func(r *Report) { r.NationalSecurity.Figures[0].Demands = "12" },
		"a band of another width": func(r *Report) { r.NationalSecurity.Figures[0].Selectors = "0-99" },
		"a band of a later time":  func(r *Report) { r.NationalSecurity.Figures[0].PeriodEnd = r.PeriodEnd.AddDate(0, 6, 0) },
		"a band withheld":         func(r *Report) { r.NationalSecurity.Figures = []BandFigure{} },
		"no structure":            func(r *Report) { r.NationalSecurity.Structure = "" },
		"the statement of what is left out": func(r *Report) {
			r.NotIncluded.Statement = "One category of demand (3 demands) is not included in this report: demands of foreign national-security authorities."
		},
		"a category left out that is not one": func(r *Report) { r.NotIncluded.Categories = append(r.NotIncluded.Categories, "secret") },
		"the counted demands":                 func(r *Report) { r.Reconciliation.DemandsCounted-- },
		"a summed percentage":                 func(r *Report) { r.Totals.Outcomes.Rejected.Percent = r.Countries[2].Outcomes.Rejected.Percent },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			r, err := Build(rb, input(groups()))
			if err != nil {
				t.Fatal(err)
			}
			edit(r)
			if err := Reconcile(r); err == nil {
				t.Fatal("an edited report reconciles")
			}
		})
	}
}

func TestDiffNamesTheFigure(t *testing.T) {
	rb := rulebook(t)
	a, _ := Build(rb, input(groups()))
	gs := groups()
	gs[5].Country = "FR"
	in := input(gs)
	in.Customers[2].Country = "FR"
	b, err := Build(rb, in)
	if err != nil {
		t.Fatal(err)
	}
	d := strings.Join(Diff(a, b), "\n")
	for _, want := range []string{"countries[DE].demands_received: 3 ≠ 1", "countries[FR]: in the records, not in the report", "rows[FR/no_data]: in the records"} {
		if !strings.Contains(d, want) {
			t.Errorf("the differences lack %q:\n%s", want, d)
		}
	}
}

func codesOf(c *Canary) []string {
	var out []string
	for _, s := range c.Statements {
		out = append(out, s.Code)
	}
	return out
}

func TestCanary(t *testing.T) {
	rb := rulebook(t)
	skey, vkey, err := note.GenerateKey(nil, "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	build := func(gs []Group, authority ...AuthorityDemand) *Canary {
		t.Helper()
		in := input(gs)
		in.Authority = authority
		c, err := BuildCanary(rb, in, DefaultCanaryExpiry(h2))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	clean := []string{"not-included", "no-long-gag", "no-foreign-content-demand-outside-agreement", "no-foreign-content-disclosed-outside-agreement",
		"us-national-security-process-band"}
	c := build(groups())
	if got := codesOf(c); !slices.Equal(got, clean) {
		t.Fatalf("the clean data set: %v, want %v", got, clean)
	}
	if c.Statements[0].Text != "One category of demand is not included in this canary: demands of foreign national-security authorities." {
		t.Errorf("statement %q", c.Statements[0].Text)
	}
	// US national-security process with a gag without end, and a foreign
	// national-security authority asking for content, falsify nothing: the
	// canary says no more of them than the report.
	nsl := Group{Country: "US", Instrument: "us_nsl", Categories: []string{"subscriber"}, NationalSecurityFlag: true, Demands: 1, Accounts: 1, LongGags: 1}
	gb := Group{Country: "GB", Instrument: "foreign_court_order", Categories: []string{"content"}, Outcome: writ.OutcomeContentDisclosed,
		NationalSecurityFlag: true, Demands: 1, Accounts: 1, LongGags: 1}
	if got := build(append(groups(), nsl, gb), AuthorityDemand{DemandGroup: gb}); got.Text() != c.Text() {
		t.Errorf("national-security process changed the canary:\n%s\nwas\n%s", got.Text(), c.Text())
	}
	// A foreign court order for content falsifies one statement; once it
	// ended with content disclosed, a second; a long gag a third.
	gs := append(groups(), Group{Country: "BR", Instrument: "foreign_court_order", Categories: []string{"content"}, Demands: 1, Accounts: 1})
	if got := codesOf(build(gs)); slices.Contains(got, "no-foreign-content-demand-outside-agreement") || len(got) != len(clean)-1 {
		t.Fatalf("statements %v", got)
	}
	gs[len(gs)-1].Outcome = writ.OutcomeContentDisclosed
	gs[len(gs)-1].LongGags = 1
	c = build(gs)
	if got := codesOf(c); !slices.Equal(got, []string{"not-included", "us-national-security-process-band"}) {
		t.Fatalf("left: %v", got)
	}

	signed, err := c.Sign(signer)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "canary.txt", []byte(c.Text()))
	issued := c.Issued
	got, err := OpenCanary(signed, verifier, issued.Add(time.Hour))
	if err != nil || got.Text() != c.Text() || got.Version != 2 {
		t.Fatalf("open: %v", err)
	}
	var expired *ExpiredError
	if _, err := OpenCanary(signed, verifier, c.Expires); !errors.As(err, &expired) {
		t.Fatalf("at its expiry: %v", err)
	}
	forged := bytes.Replace(signed, []byte("statement us-national-security"), []byte("statement no-us-nsl No US national security letter was received.\nstatement us-national-security"), 1)
	if _, err := OpenCanary(forged, verifier, issued); writ.ErrorCode(err) != writ.EINVALID {
		t.Fatalf("a canary with a statement added: %v", err)
	}
	_, otherKey, _ := note.GenerateKey(nil, "writ.test/log")
	other, _ := note.NewVerifier(otherKey)
	if _, err := OpenCanary(signed, other, issued); writ.ErrorCode(err) != writ.EINVALID {
		t.Fatalf("another key: %v", err)
	}
	if _, err := BuildCanary(rb, input(groups()), input(nil).AsOf); writ.ErrorField(err) != "expires" {
		t.Fatalf("an expiry at issue: %v", err)
	}
	// A canary signed in the first format still opens, as what it is.
	old := &Canary{Version: 1, Period: h2, Issued: issued, Expires: c.Expires, Checkpoint: c.Checkpoint,
		Statements: []Statement{{Code: "no-us-nsl", Text: "No US national security letter (18 U.S.C. 2709) was received."}}}
	oldSigned, _ := old.Sign(signer)
	if got, err := OpenCanary(oldSigned, verifier, issued); err != nil || got.Version != 1 || !strings.HasPrefix(got.Text(), "writ warrant canary v1\n") {
		t.Fatalf("a v1 canary: %v", err)
	}
}

func TestHTMLAndCharts(t *testing.T) {
	rb := rulebook(t)
	r, err := Build(rb, input(groups()))
	if err != nil {
		t.Fatal(err)
	}
	// A code no language names shows the report's own name, escaped.
	r.Countries[0].Country, r.Countries[0].CountryName = "XX", `Côte <d'Ivoire> & "Co"`
	var b bytes.Buffer
	page := Page{Report: r, History: []PeriodTotals{{Period: "2026-H1", Demands: 5, Outcomes: Outcomes{Rejected: Share{Demands: 5}}}, HistoryOf(r)}}
	if err := WriteHTML(&b, page, words(t, i18n.English)); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if strings.Count(html, "<svg") != 2 || strings.Count(html, `class="bar"`) != 1+len(nonZeroShares(r)) {
		t.Errorf("%d charts, %d bars", strings.Count(html, "<svg"), strings.Count(html, `class="bar"`))
	}
	if strings.Contains(html, "<d'Ivoire>") || !strings.Contains(html, "Côte &lt;d&#39;Ivoire&gt; &amp; &#34;Co&#34;") {
		t.Error("a country name was not escaped")
	}
	// The same report gives the same page.
	var again bytes.Buffer
	WriteHTML(&again, page, words(t, i18n.English))
	if again.String() != html {
		t.Error("rendering is not deterministic")
	}
	css := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(html)
	if css == nil || css[1] != pageCSS() {
		t.Error("the page's style sheet is not the one StyleSource hashes")
	}
}

// nonZeroShares are the bars of the outcomes chart: one per country and
// outcome group with demands, plus those of the periods chart's current
// period.
func nonZeroShares(r *Report) []string {
	var out []string
	for _, c := range r.Countries {
		for _, g := range OutcomeGroups() {
			if c.Outcomes.Group(g).Demands > 0 {
				out = append(out, c.Country+g)
			}
		}
	}
	for _, g := range OutcomeGroups() {
		if r.Totals.Outcomes.Group(g).Demands > 0 {
			out = append(out, g)
		}
	}
	return out
}

func TestPDF(t *testing.T) {
	r, err := Build(rulebook(t), input(groups()))
	if err != nil {
		t.Fatal(err)
	}
	r.Countries[0].Country, r.Countries[0].CountryName = "XX", "Côte d’Ivoire (test) \\ 東京"
	var b bytes.Buffer
	if err := WritePDF(&b, Page{Report: r, History: []PeriodTotals{HistoryOf(r)}, SHA256: strings.Repeat("ab", 32)}, words(t, i18n.English)); err != nil {
		t.Fatal(err)
	}
	pdf := b.Bytes()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatal("not a PDF")
	}
	// Every object is where the cross-reference table says.
	start, _ := strconv.Atoi(regexp.MustCompile(`startxref\n(\d+)`).FindStringSubmatch(string(pdf))[1])
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllStringSubmatch(string(pdf[start:]), -1)
	if len(entries) < 7 {
		t.Fatalf("%d objects", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(e[1])
		if !bytes.HasPrefix(pdf[off:], fmt.Appendf(nil, "%d 0 obj", i+1)) {
			t.Fatalf("object %d is not at %d", i+1, off)
		}
	}
	for _, want := range []string{`(C\364te d\222Ivoire \(test\) \\ ??)`, "(Transparency report 2026-H2)", "/BaseFont /Helvetica"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("the PDF lacks %s", want)
		}
	}
	var again bytes.Buffer
	WritePDF(&again, Page{Report: r, History: []PeriodTotals{HistoryOf(r)}, SHA256: strings.Repeat("ab", 32)}, words(t, i18n.English))
	if !bytes.Equal(again.Bytes(), pdf) {
		t.Error("the PDF is not the same for the same report")
	}
}

func FuzzParseReport(f *testing.F) {
	r, err := Build(rulebook(f), input(groups()))
	if err != nil {
		f.Fatal(err)
	}
	js, _ := r.JSON()
	f.Add(js)
	f.Add([]byte(`{"schema":"writ.transparency-report/v1","period":"2026-H3"}`))
	f.Add([]byte(`{"schema":"writ.transparency-report/v1","period":"2026-H2","national_security":{"band_width":250,"demands_band":"0-249","accounts_band":"0-249"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			if writ.ErrorCode(err) != writ.EINVALID {
				t.Fatalf("a bad report gave %v, not EINVALID", err)
			}
			return
		}
		// Whatever parses can be checked and written without a panic.
		Reconcile(r)
		WriteCSV(&bytes.Buffer{}, r)
		if _, err := r.JSON(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseCanaryText(f *testing.F) {
	rb := rulebook(f)
	c, err := BuildCanary(rb, input(groups()), DefaultCanaryExpiry(h2))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.Text())
	f.Add("writ warrant canary v1\nperiod 2026-H2\nissued x\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCanaryText(text)
		if err != nil {
			if writ.ErrorCode(err) != writ.EINVALID {
				t.Fatalf("a bad canary gave %v, not EINVALID", err)
			}
			return
		}
		// What parses prints back to text that parses to the same canary.
		again, err := ParseCanaryText(c.Text())
		if err != nil || again.Text() != c.Text() {
			t.Fatalf("round trip: %v\n%q\n%q", err, c.Text(), text)
		}
	})
}
