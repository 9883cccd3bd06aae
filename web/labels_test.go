package web_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"writ"
	"writ/demo"
	"writ/identity"
	"writ/store"
	"writ/store/storetest"
)

// apiCodes are the codes of the API's enums (httpapi/openapi.json) that
// are codes and not also words: those with an underscore, a dot or a
// slash, and the upper-case ones. A lower-case word such as "received"
// is both the code and the start of its own label, so it cannot tell a
// raw code from a sentence.
func apiCodes(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../httpapi/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if list, ok := v["enum"].([]any); ok {
				for _, e := range list {
					if s, ok := e.(string); ok {
						seen[s] = true
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	var codes []string
	for c := range seen {
		if strings.ContainsAny(c, "_./") || (len(c) >= 3 && c == strings.ToUpper(c) && strings.ToLower(c) != c) {
			codes = append(codes, c)
		}
	}
	slices.Sort(codes)
	if len(codes) < 50 {
		t.Fatalf("only %d codes in the API's enums: %v", len(codes), codes)
	}
	return codes
}

// shownText is the text a person reads on a page: no markup,
// attributes, scripts or styles, and not the raw events a person opens
// on purpose (details.raw).
func shownText(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "head":
				return
			case "details":
				for _, a := range n.Attr {
					if a.Key == "class" && strings.Contains(a.Val, "raw") {
						return
					}
				}
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data + " ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

// Every page, as every role sees it on demo data, shows words and never a
// code of the API's enums: states, routes, deadlines, flags, deficiencies,
// event kinds, error codes. The codes may stay in attributes (title, value)
// and in the raw events a person opens on purpose.
func TestEveryPageShowsLabelsNotCodes(t *testing.T) {
	t.Parallel()
	s, actors := newDemoSite(t)
	ctx := context.Background()
	reviewer := actors[writ.RoleReviewer]
	all, err := s.Store.Demands(ctx, writ.System(), writ.DemandFilter{Limit: 500, Sort: "newest"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.AddNote(ctx, reviewer, all.Items[0].ID, "checked the docket"); err != nil {
		t.Fatal(err)
	}
	codes := apiCodes(t)
	patterns := make([]*regexp.Regexp, len(codes))
	for i, c := range codes {
		patterns[i] = regexp.MustCompile(`(^|[^A-Za-z0-9_.])` + regexp.QuoteMeta(c) + `($|[^A-Za-z0-9_])`)
	}
	common := []string{"/public", "/transparency", "/account", "/demands/999999", "/nowhere"}
	legal := []string{"/home", "/queue", "/queue?sort=id", "/notices", "/notices?state=all", "/calendar",
		"/admin", "/admin/users", "/admin/agencies", "/admin/customers", "/admin/rulebook"}
	for _, v := range writ.Views() {
		legal = append(legal, "/queue?view="+v)
	}
	var agencyOwn, customerOwn []string
	for _, d := range all.Items {
		legal = append(legal, demandPath(d.ID))
		if d.AgencyID == actors[writ.RoleAgency].AgencyID && len(agencyOwn) < 30 {
			agencyOwn = append(agencyOwn, demandPath(d.ID))
		}
	}
	mine, err := s.Store.Demands(ctx, actors[writ.RoleCustomer], writ.DemandFilter{Limit: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range mine.Items {
		customerOwn = append(customerOwn, demandPath(d.ID))
	}
	if len(agencyOwn) == 0 || len(customerOwn) == 0 {
		t.Fatalf("the agency sees %d demo demands, the customer %d", len(agencyOwn), len(customerOwn))
	}
	pages := map[writ.Role][]string{
		writ.RoleReviewer: legal, writ.RoleApprover: legal[:40], writ.RoleAdmin: legal[:40], writ.RoleAuditor: legal[:40],
		writ.RoleAgency:   append([]string{"/agency", "/agency/new"}, agencyOwn...),
		writ.RoleCustomer: append([]string{"/customer", "/customer/locations"}, customerOwn...),
	}
	checked := 0
	for role, paths := range pages {
		actor := actors[role]
		b := s.browser(t).signIn(actor)
		for _, path := range append(paths, common...) {
			b.get(path)
			text := shownText(t, b.page)
			for i, p := range patterns {
				// Most codes are nowhere in the text: looking for the
				// code itself first spares most of the pattern matching,
				// which took half the test's time.
				if !strings.Contains(text, codes[i]) {
					continue
				}
				if m := p.FindStringIndex(text); m != nil {
					from, to := max(m[0]-60, 0), min(m[1]+60, len(text))
					t.Errorf("%s, as %s: the code %s shows: …%s…", path, actor.Role, codes[i], strings.Join(strings.Fields(text[from:to]), " "))
				}
			}
			checked++
		}
	}
	t.Logf("%d pages checked for %d codes", checked, len(codes))
	if checked < 150 {
		t.Fatalf("only %d pages checked", checked)
	}
}

// newDemoSite serves the demo data set (120 demands) with the demo's
// users, who sign in as the demo tells them to.
func newDemoSite(t *testing.T) (*site, map[writ.Role]writ.Actor) {
	t.Helper()
	clock := storetest.NewClock(storetest.Start)
	st := demoData.Open(t, clock.Now)
	ctx := context.Background()
	s := &site{Fixture: &storetest.Fixture{Clock: clock, Store: st, Identity: identity.New(st)}, secrets: map[string]string{}}
	actors := map[writ.Role]writ.Actor{}
	for _, c := range demo.Credentials() {
		u, err := st.UserByEmail(ctx, c.Email)
		if err != nil {
			t.Fatal(err)
		}
		s.secrets[c.Email] = c.TOTPSecret
		actors[c.Role] = writ.ActorOf(u)
	}
	s.start(t)
	return s, actors
}

// demoData is the demo data set with every demo user's password, loaded
// once (a few thousand commits) and copied for each demo site.
var demoData = &storetest.Template{Build: func(t *testing.T, st *store.Store, clock *storetest.Clock) {
	ctx := context.Background()
	if _, err := demo.Load(ctx, st, demo.Options{Demands: 120, Now: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	id := identity.New(st)
	for _, c := range demo.Credentials() {
		u, err := st.UserByEmail(ctx, c.Email)
		if err != nil {
			t.Fatal(err)
		}
		if err := id.SetPassword(ctx, writ.System(), u.ID, password); err != nil {
			t.Fatal(err)
		}
	}
}}
