package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"writ"
)

// offScreen opens every disclosure of the page (the raw events, the forms
// folded away) and lists what the page then shows beyond the window's
// width: the page itself when it is wider than the window, and each
// heading, form control or link of the page that lies outside it. A table a narrow window
// scrolls sideways may hold text and links beyond its edge, never a
// control: every action must be reachable without scrolling sideways.
const offScreen = `(() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  const W = innerWidth, out = [];
  if (document.documentElement.scrollWidth > W) out.push("the page is " + document.documentElement.scrollWidth + " px wide");
  const scrolled = e => { for (let p = e.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") return true; } return false; };
  const hidden = e => e.closest(".visually-hidden, .skip") !== null;
  for (const e of document.querySelectorAll("h1, h2, h3, button, input:not([type=hidden]), select, textarea, a, .flash, .error, .field-error")) {
    const r = e.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || hidden(e)) continue;
    if (r.right <= W + 1 && r.left >= -1) continue;
    const control = !/^(A|H1|H2|H3)$/.test(e.tagName);
    if (scrolled(e) && !control) continue;
    out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "") + " \"" + (e.textContent || e.value || "").trim().slice(0, 30) + "\" at " + Math.round(r.left) + ".." + Math.round(r.right));
  }
  return out.slice(0, 10).join("; ");
})()`

// fitsAll fails the test for what lies beyond the window on the page.
func (b *tab) fitsAll(path string, width int64) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](offScreen))
	if err != nil {
		b.t.Fatalf("%s: %v", path, err)
	}
	if wide != "" {
		b.t.Errorf("%s at %d px: %s", path, width, wide)
	}
}

// Every page, on a 1400 px screen and a 390 px phone, on the demo data:
// the legal team's home, queue (and its views and search), deadlines,
// delayed notices, demand pages and account; the admin pages with their
// forms; the agency's and the customer's portals; the public pages. None
// is wider than the window, and no heading, link or control lies beyond it.
func TestBrowserEveryPageFitsTheWindow(t *testing.T) {
	t.Parallel()
	browser := startBrowser(t)
	for _, width := range []int64{1400, 390} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			// The widths are checked at once, each on a demo site of its
			// own: both sign the same users in, and a code is good once.
			t.Parallel()
			s, actors := newDemoSite(t)
			pages := everyPage(t, s, actors)
			checked := 0
			for _, p := range pages {
				b := s.newTab(t, browser)
				b.run(chromedp.EmulateViewport(width, 900))
				if p.role != "" {
					s.Clock.Advance(time.Minute) // a fresh second-factor code
					b.signIn(actors[p.role], "")
				}
				for _, path := range p.paths {
					if strings.HasPrefix(path, "/transparency") {
						// The published reports are pages of their own, without the site's layout.
						b.run(chromedp.Navigate(s.srv.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
					} else {
						b.open(path)
					}
					b.fitsAll(path, width)
					checked++
				}
				if width == 390 {
					b.screenshot("fits-390-" + strings.Trim(strings.ReplaceAll(p.paths[0], "/", "-"), "-"))
				}
			}
			t.Logf("%d pages at %d px", checked, width)
		})
	}
}

// rolePages are pages a role opens.
type rolePages struct {
	role  writ.Role
	paths []string
}

// everyPage lists the pages of each role on the demo site: the legal
// team's home, queue (and its views and search), deadlines, delayed
// notices, a demand in each state and account; the admin pages; the
// agency's and the customer's portals with a demand of their own; the
// public pages.
func everyPage(t *testing.T, s *site, actors map[writ.Role]writ.Actor) []rolePages {
	t.Helper()
	ctx := context.Background()
	all, err := s.Store.Demands(ctx, writ.System(), writ.DemandFilter{Limit: 500, Sort: "newest"})
	if err != nil {
		t.Fatal(err)
	}
	legal := []string{"/home", "/queue", "/queue?sort=deadline", "/queue?search=warrant", "/queue?view=" + writ.Views()[0],
		"/calendar", "/notices", "/notices?state=all", "/account"}
	seen := map[writ.State]bool{}
	var agencyOwn, customerOwn string
	for _, d := range all.Items {
		if !seen[d.State] {
			seen[d.State] = true
			legal = append(legal, demandPath(d.ID))
		}
		if d.AgencyID == actors[writ.RoleAgency].AgencyID && agencyOwn == "" {
			agencyOwn = demandPath(d.ID)
		}
	}
	mine, err := s.Store.Demands(ctx, actors[writ.RoleCustomer], writ.DemandFilter{Limit: 1})
	if err != nil || len(mine.Items) == 0 {
		t.Fatalf("the demo customer sees no demand (%v)", err)
	}
	customerOwn = demandPath(mine.Items[0].ID)
	return []rolePages{
		{writ.RoleReviewer, legal},
		{writ.RoleAdmin, []string{"/admin", "/admin/users", "/admin/agencies", "/admin/customers", "/admin/rulebook", "/account"}},
		{writ.RoleAgency, []string{"/agency", "/agency/new", agencyOwn, "/account"}},
		{writ.RoleCustomer, []string{"/customer", "/customer/locations", customerOwn, "/account"}},
		{"", []string{"/signin", "/public", "/transparency"}},
	}
}
