package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"writ"
	"writ/i18n"
	"writ/rules"
)

//go:embed templates
var templateFS embed.FS

// Version is the version of the letter templates in use: templates/v1.
const Version = "v1"

// Templates are the parsed letter templates of one version, once for each
// language (i18n.Languages): their words come from the catalog.
type Templates struct {
	version string
	catalog *i18n.Catalog
	text    map[string]map[string]*texttemplate.Template
	html    map[string]map[string]*htmltemplate.Template
}

// The letters writ writes.
const (
	LetterNotice    = "notice"    // to the customer
	LetterRedirect  = "redirect"  // to the agency
	LetterAuthority = "authority" // to a data protection authority
	LetterReminder  = "reminder"  // to the legal team: reminders and escalations
	LetterEmergency = "emergency" // to the on-call address: an emergency arrived
	LetterMessage   = "message"   // to the other side of a thread: a message waits
)

// funcs are the letters' template functions in p's language.
func funcs(p *i18n.Printer) map[string]any {
	return map[string]any{"join": strings.Join, "lang": p.Lang, "cited": cited,
		"t": func(key string, args ...any) string {
			for i, a := range args {
				if id, ok := a.(int64); ok {
					args[i] = strconv.FormatInt(id, 10) // a demand's number, never grouped
				}
			}
			return p.T(key, args...)
		}}
}

// cited is an instrument with its citation, when there is one.
func cited(instrument, citation string) string {
	if citation == "" {
		return instrument
	}
	return instrument + " (" + citation + ")"
}

// LoadTemplates parses the letter templates of a version.
func LoadTemplates(version string) (*Templates, error) {
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	t := &Templates{version: version, catalog: cat, text: map[string]map[string]*texttemplate.Template{}, html: map[string]map[string]*htmltemplate.Template{}}
	for _, lang := range i18n.Languages() {
		fm := funcs(cat.Printer(lang))
		t.text[lang], t.html[lang] = map[string]*texttemplate.Template{}, map[string]*htmltemplate.Template{}
		for _, name := range []string{LetterNotice, LetterRedirect, LetterAuthority, LetterReminder, LetterEmergency, LetterMessage} {
			base := "templates/" + version + "/" + name
			tt, err := texttemplate.New(name+".txt.tmpl").Funcs(fm).ParseFS(templateFS, base+".txt.tmpl")
			if err != nil {
				return nil, fmt.Errorf("notify: templates: %w", err)
			}
			ht, err := htmltemplate.New(name+".html.tmpl").Funcs(fm).ParseFS(templateFS, base+".html.tmpl")
			if err != nil {
				return nil, fmt.Errorf("notify: templates: %w", err)
			}
			t.text[lang][name], t.html[lang][name] = tt.Option("missingkey=error"), ht.Option("missingkey=error")
		}
	}
	return t, nil
}

// Printer is the catalog's printer of lang, for the words a letter's data
// carries (its action, its dates).
func (t *Templates) Printer(lang string) *i18n.Printer { return t.catalog.Printer(lang) }

// LetterData is what every letter template may use.
type LetterData struct {
	Version, Provider, Date, MessageID string
	Demand                             struct {
		ID                                            int64
		Ref, Instrument, Citation, IssuedBy, Received string
		Range, State                                  string
		Justification                                 string // of an emergency
		Accounts, Categories                          []string
	}
	// Agency.Phone is the number in the agency registry, the only one to
	// call back.
	Agency struct{ Name, Country, Phone string }
	// Customer.Contact is where this letter reached the customer.
	Customer struct{ Name, Kind, LegalContact, Contact string }
	// Action is what the provider will do; Delay why notice came late;
	// ObjectBy until when the customer may object ("" when it is moot).
	Action, Delay, ObjectBy string
	Authority               writ.AuthorityNotification
	Reason                  string // why the authority is told
	Deadline                struct{ Code, Due, Message string }
	Escalation              bool
	Route                   string
	// Link is the demand's page, where a message waits.
	Link string
}

// Rendered is one letter in both forms.
type Rendered struct {
	Subject    string
	Text, HTML []byte
}

// Render renders letter name in lang (English when it is not one of
// i18n.Languages) with data.
func (t *Templates) Render(name, lang string, data LetterData) (Rendered, error) {
	var r Rendered
	data.Version = t.version
	if !i18n.Valid(lang) {
		lang = i18n.English
	}
	var subject, text, html bytes.Buffer
	tt, ok := t.text[lang][name]
	if !ok {
		return r, fmt.Errorf("notify: no letter %q", name)
	}
	if err := tt.ExecuteTemplate(&subject, "subject", data); err != nil {
		return r, fmt.Errorf("notify: letter %s: %w", name, err)
	}
	if err := tt.Execute(&text, data); err != nil {
		return r, fmt.Errorf("notify: letter %s: %w", name, err)
	}
	if err := t.html[lang][name].Execute(&html, data); err != nil {
		return r, fmt.Errorf("notify: letter %s: %w", name, err)
	}
	r.Subject = strings.Join(strings.Fields(subject.String()), " ")
	r.Text, r.HTML = text.Bytes(), html.Bytes()
	return r, nil
}

// Letters are the documents a rendered letter is kept as, for the legal
// team and audience, its recipient (writ.Audiences).
func (r Rendered) Letters(name, version, audience string) []writ.Letter {
	return []writ.Letter{
		{Name: name + "-" + version + ".txt", ContentType: writ.LetterText, Content: r.Text, Audience: audience},
		{Name: name + "-" + version + ".html", ContentType: writ.LetterHTML, Content: r.HTML, Audience: audience},
	}
}

const dateTime = "2006-01-02 15:04 UTC"

// letterData gathers what the letter of a job says from the job's facts,
// in p's language.
func letterData(rb *rules.Rulebook, p *i18n.Printer, provider string, f facts, messageID string) LetterData {
	var l LetterData
	d, a := f.Demand, f.Assessment
	l.Provider, l.MessageID = provider, messageID
	due := f.Job.Due
	if due.IsZero() {
		due = f.Job.RunAt
	}
	l.Date = p.Date(due.UTC())
	l.Demand.ID, l.Demand.Ref, l.Demand.Citation, l.Demand.IssuedBy = d.ID, d.Reference, d.Citation, word(p, "label", d.IssuedBy)
	if l.Demand.Ref == "" {
		l.Demand.Ref = p.T("letter.none_given")
	}
	l.Demand.Instrument = d.Instrument
	if name, citation := rb.InstrumentName(d.Instrument); name != "" {
		l.Demand.Instrument = name
		if l.Demand.Citation == "" {
			l.Demand.Citation = citation
		}
	}
	if name, ok := p.Label("instrument", d.Instrument); ok {
		l.Demand.Instrument = name
	}
	l.Demand.Received = p.DateTime(d.ReceivedAt)
	l.Demand.Accounts, l.Demand.State = d.Accounts, string(d.State)
	l.Demand.Categories = words(p, d.DataCategories)
	if d.DateRange != nil {
		l.Demand.Range = p.T("letter.range", p.Day(d.DateRange.From), p.Day(d.DateRange.To))
	}
	l.Agency.Name, l.Agency.Country, l.Agency.Phone = f.Agency.Name, countryName(rb, p, f.Agency.Country), f.Agency.Phone
	if d.Emergency != nil {
		l.Demand.Justification = d.Emergency.Justification
	}
	l.Customer.Name, l.Customer.Kind, l.Customer.LegalContact = f.Customer.Name, word(p, "label", f.Customer.Kind), f.Customer.LegalContact
	l.Customer.Contact = strings.Join(f.Recipients, ", ")
	l.Route = a.Route
	l.Action = action(rb, p, f)
	disclosed := d.State == writ.StateDisclosed || d.Outcome == writ.OutcomeContentDisclosed || d.Outcome == writ.OutcomeNonContentDisclosed
	switch {
	case a.Notice.Timing == rules.NoticeDelayed && d.Nondisclosure != nil:
		l.Delay = p.T("letter.delay.ndo", d.Nondisclosure.Basis, p.Day(d.Nondisclosure.Until))
	case a.Notice.Timing == rules.NoticeAfterEmergency:
		l.Delay = p.T("letter.delay.emergency")
	}
	if !disclosed && d.State != writ.StateClosed {
		// The window runs from the notice's delivery, which is this
		// letter's date at the earliest, and never ends before the
		// rulebook's earliest disclosure.
		objectBy := due.Add(rb.ObjectionWindow())
		for _, dl := range a.Deadlines {
			if dl.Code == rules.DeadlineEarliestDisclosure && dl.Due.After(objectBy) {
				objectBy = dl.Due
			}
		}
		l.ObjectBy = p.DateTime(objectBy)
	}
	l.Authority = f.Authority
	// Why an authority is told: the catalog's words in the authority's
	// language, the rulebook's reason (its contract text, in English) for
	// an English letter.
	l.Reason = p.T("letter.authority.reason")
	if p.Lang() == i18n.English {
		for _, na := range a.NotifyAuthorities {
			if na.Code == f.Authority.Code && na.Country == f.Authority.Country {
				l.Reason = na.Message
			}
		}
	}
	l.Deadline.Code, l.Deadline.Due, l.Deadline.Message = f.Deadline.Code, f.Deadline.Due.UTC().Format(dateTime), f.Deadline.Message
	l.Escalation = f.Job.Kind == JobDeadlineEscalation
	return l
}

func countryName(rb *rules.Rulebook, p *i18n.Printer, code string) string {
	if n := p.Country(code); n != code {
		return n
	}
	if n := rb.CountryName(code); n != "" {
		return n
	}
	return code
}

// word is a code's word in p's language, or the code.
func word(p *i18n.Printer, kind, code string) string {
	if w, ok := p.Label(kind, code); ok {
		return w
	}
	return code
}

func words(p *i18n.Printer, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = word(p, "label", c)
	}
	return out
}

// action says in plain words what the provider does with the demand.
func action(rb *rules.Rulebook, p *i18n.Printer, f facts) string {
	d, a := f.Demand, f.Assessment
	switch {
	case d.Outcome == writ.OutcomeContentDisclosed || d.Outcome == writ.OutcomeNonContentDisclosed || d.State == writ.StateDisclosed:
		return p.T("letter.action.disclosed")
	case d.Outcome == writ.OutcomeWithdrawn:
		return p.T("letter.action.withdrawn")
	case d.Outcome == writ.OutcomeRejected || d.State == writ.StateRejected:
		return p.T("letter.action.rejected")
	case d.Outcome == writ.OutcomeNoData || d.State == writ.StateNoData:
		return p.T("letter.action.no_data")
	}
	switch a.Route {
	case rules.RouteRedirectToCustomer:
		return p.T("letter.action.redirect", f.Customer.LegalContact)
	case rules.RouteChallenge:
		return p.T("letter.action.challenge")
	case rules.RouteReferToMLAT:
		return p.T("letter.action.mlat")
	case rules.RouteReject:
		return p.T("letter.action.reject")
	case rules.RouteNoData, rules.RoutePreserve:
		return p.T("letter.action.none")
	}
	cats := a.DisclosableCategories
	if len(cats) == 0 {
		cats = d.DataCategories
	}
	return p.T("letter.action.produce", int(rb.ObjectionWindow().Hours()/24), strings.Join(words(p, cats), ", "))
}
