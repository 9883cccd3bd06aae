package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"writ"
	"writ/store/storetest"
)

// words are what the portals must say in one language.
type words struct {
	lang, signIn, codeHint, signedIn                    string
	agencyTitle, reference, newDemand, legend, received string
	answer, customerTitle, locations, custody, saved    string
	demandLead, object                                  string
}

var portalWords = []words{
	{lang: "fr", signIn: "Connexion", codeHint: "application d'authentification", signedIn: "Connecté en tant que",
		agencyTitle: "Vos demandes", reference: "Référence", newDemand: "Soumettre une demande", legend: "L'instrument juridique", received: "a été reçue",
		answer: "La réponse du fournisseur", customerTitle: "Demandes portant sur vos données", locations: "Emplacements des données",
		custody: "Garde des clés", saved: "Votre langue a été enregistrée", demandLead: "Une autorité publique a demandé", object: "Former une objection"},
	{lang: "de", signIn: "Anmeldung", codeHint: "Authenticator-App", signedIn: "Angemeldet als",
		agencyTitle: "Ihre Ersuchen", reference: "Aktenzeichen", newDemand: "Ein Ersuchen einreichen", legend: "Das Rechtsinstrument", received: "ist eingegangen",
		answer: "Die Antwort des Anbieters", customerTitle: "Ersuchen um Ihre Daten", locations: "Speicherorte der Daten",
		custody: "Schlüsselverwahrung", saved: "Ihre Sprache wurde gespeichert", demandLead: "Eine Behörde hat den Anbieter", object: "Der Herausgabe widersprechen"},
}

// lang is the page's html lang attribute.
func (b *tab) lang() string {
	b.t.Helper()
	l, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if err != nil {
		b.t.Fatal(err)
	}
	return l
}

func (b *tab) wantLang(want string) {
	b.t.Helper()
	if got := b.lang(); got != want {
		b.t.Fatalf("html lang %q, want %q", got, want)
	}
}

// signInAs signs in through the form in whatever language the pages
// speak, checking the words of w on the way.
func (b *tab) signInAs(a writ.Actor, w words) {
	b.t.Helper()
	email := b.s.email(b.t, a)
	b.open("/signin")
	b.wantText("h1", w.signIn)
	b.wantLang(w.lang)
	b.run(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit(`form[action="/signin"] button[type="submit"]`)
	if b.s.secrets[email] != "" {
		b.wantText("main", w.codeHint)
		b.wantLang(w.lang)
		b.run(chromedp.SendKeys(chromedp.ID("code"), b.s.code(b.t, email)))
		b.submit(`form[action="/signin/code"] button[type="submit"]`)
	}
	b.wantText(".flash", w.signedIn+" "+a.Name)
}

// An agency user whose browser asks for French (then German) signs in,
// lists its demands and submits one; a customer user chooses the language
// on the account page, and reads its notices, a demand and its data
// locations in it. Every page carries the language in its html lang
// attribute.
func TestBrowserPortalsInFrenchAndGerman(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	browser := startBrowser(t)
	ctx := context.Background()
	// A demand noticed to the consumer customer, for its demand page.
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		by writ.Actor
		to writ.State
	}{{s.Reviewer, writ.StateVerifying}, {s.Reviewer, writ.StateInReview}, {s.Approver, writ.StateApproved}, {s.Reviewer, writ.StateNoticed}} {
		if _, err := s.Store.Transition(ctx, m.by, d.ID, writ.TransitionInput{To: m.to, Rationale: "r"}); err != nil {
			t.Fatalf("%s: %v", m.to, err)
		}
	}
	for _, w := range portalWords {
		t.Run(w.lang, func(t *testing.T) {
			s.Clock.Advance(time.Minute) // a second factor's code is good once
			agency := s.newTab(t, browser)
			agency.t = t
			if _, err := chromedp.Call(agency.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": w.lang + ";q=1, en;q=0.5"}}); err != nil {
				t.Fatal(err)
			}
			agency.signInAs(s.AgencyUserDE, w)
			agency.open("/agency")
			agency.wantText("h1", w.agencyTitle)
			agency.wantText("thead", w.reference)
			agency.wantLang(w.lang)
			agency.open("/agency/new")
			agency.wantText("h1", w.newDemand)
			agency.wantText("main", w.legend)
			agency.run(
				chromedp.SendKeys(chromedp.ID("reference"), "EPOC-"+w.lang),
				chromedp.SetValue(chromedp.ID("instrument"), "eu_epoc"),
				chromedp.SetValue(chromedp.ID("issued_by"), "judge"),
				chromedp.Click(chromedp.CSS(`input[name="data_categories"][value="subscriber"]`)),
				chromedp.SendKeys(chromedp.ID("accounts"), "anna@beispiel.example"),
			)
			agency.screenshot("agency-submit-" + w.lang)
			agency.submit(`form[action="/agency/demands"] button[type="submit"]`)
			agency.wantText(".flash", w.received)
			agency.wantText("main", w.answer)
			agency.wantLang(w.lang)
			agency.screenshot("agency-demand-" + w.lang)

			customer := s.newTab(t, browser)
			customer.t = t
			customer.signInAs(s.CustomerUserConsumer, portalWords0)
			customer.open("/account")
			customer.run(chromedp.SetValue(chromedp.ID("lang"), w.lang))
			customer.submit(`#language button[type="submit"]`)
			customer.wantText(".flash", w.saved)
			customer.wantLang(w.lang)
			customer.open("/customer")
			customer.wantText("h1", w.customerTitle)
			customer.wantLang(w.lang)
			customer.screenshot("customer-" + w.lang)
			// Opened by its address rather than a click, so that nothing is
			// read from the list while the demand's page loads.
			href, err := chromedp.Run(customer.ctx, chromedp.Evaluate[string](`document.querySelector("td.reference a").getAttribute("href")`))
			if err != nil {
				t.Fatal(err)
			}
			customer.open(href)
			customer.run(chromedp.WaitReady(chromedp.CSS("#respond")))
			customer.wantText(".lead", w.demandLead)
			customer.wantText("#respond", w.object)
			customer.screenshot("customer-demand-" + w.lang)
			customer.open("/customer/locations")
			customer.wantText("h1", w.locations)
			customer.wantText("main", w.custody)
			// Back to the browser's language (English) for the next run.
			customer.open("/account")
			customer.run(chromedp.SetValue(chromedp.ID("lang"), ""))
			customer.submit(`#language button[type="submit"]`)
			customer.wantLang("en")
		})
	}
}

// portalWords0 are the English words of the sign-in.
var portalWords0 = words{lang: "en", signIn: "Sign in", codeHint: "authenticator app", signedIn: "Signed in as"}
