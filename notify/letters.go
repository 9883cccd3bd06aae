package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"writ"
	"writ/rules"
)

//go:embed templates
var templateFS embed.FS

// Version is the version of the letter templates in use: templates/v1.
const Version = "v1"

// Templates are the parsed letter templates of one version.
type Templates struct {
	version string
	text    map[string]*texttemplate.Template
	html    map[string]*htmltemplate.Template
}

// The letters writ writes.
const (
	LetterNotice    = "notice"    // to the customer
	LetterRedirect  = "redirect"  // to the agency
	LetterAuthority = "authority" // to a data protection authority
	LetterReminder  = "reminder"  // to the legal team: reminders and escalations
	LetterEmergency = "emergency" // to the on-call address: an emergency arrived
)

var funcs = map[string]any{"join": strings.Join}

// LoadTemplates parses the letter templates of a version.
func LoadTemplates(version string) (*Templates, error) {
	t := &Templates{version: version, text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, name := range []string{LetterNotice, LetterRedirect, LetterAuthority, LetterReminder, LetterEmergency} {
		base := "templates/" + version + "/" + name
		tt, err := texttemplate.New(name+".txt.tmpl").Funcs(funcs).ParseFS(templateFS, base+".txt.tmpl")
		if err != nil {
			return nil, fmt.Errorf("notify: templates: %w", err)
		}
		ht, err := htmltemplate.New(name+".html.tmpl").Funcs(funcs).ParseFS(templateFS, base+".html.tmpl")
		if err != nil {
			return nil, fmt.Errorf("notify: templates: %w", err)
		}
		t.text[name], t.html[name] = tt.Option("missingkey=error"), ht.Option("missingkey=error")
	}
	return t, nil
}

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
}

// Rendered is one letter in both forms.
type Rendered struct {
	Subject    string
	Text, HTML []byte
}

// Render renders letter name with data.
func (t *Templates) Render(name string, data LetterData) (Rendered, error) {
	var r Rendered
	data.Version = t.version
	var subject, text, html bytes.Buffer
	tt, ok := t.text[name]
	if !ok {
		return r, fmt.Errorf("notify: no letter %q", name)
	}
	if err := tt.ExecuteTemplate(&subject, "subject", data); err != nil {
		return r, fmt.Errorf("notify: letter %s: %w", name, err)
	}
	if err := tt.Execute(&text, data); err != nil {
		return r, fmt.Errorf("notify: letter %s: %w", name, err)
	}
	if err := t.html[name].Execute(&html, data); err != nil {
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

// letterData gathers what the letter of a job says from the job's facts.
func letterData(rb *rules.Rulebook, provider string, f facts, messageID string) LetterData {
	var l LetterData
	d, a := f.Demand, f.Assessment
	l.Provider, l.MessageID = provider, messageID
	due := f.Job.Due
	if due.IsZero() {
		due = f.Job.RunAt
	}
	l.Date = due.UTC().Format(time.DateOnly)
	l.Demand.ID, l.Demand.Ref, l.Demand.Citation, l.Demand.IssuedBy = d.ID, d.Reference, d.Citation, d.IssuedBy
	if l.Demand.Ref == "" {
		l.Demand.Ref = "(none given)"
	}
	l.Demand.Instrument = d.Instrument
	if name, citation := rb.InstrumentName(d.Instrument); name != "" {
		l.Demand.Instrument = name
		if l.Demand.Citation == "" {
			l.Demand.Citation = citation
		}
	}
	l.Demand.Received = d.ReceivedAt.UTC().Format(dateTime)
	l.Demand.Accounts, l.Demand.Categories, l.Demand.State = d.Accounts, d.DataCategories, string(d.State)
	if d.DateRange != nil {
		l.Demand.Range = d.DateRange.From + " to " + d.DateRange.To
	}
	l.Agency.Name, l.Agency.Country, l.Agency.Phone = f.Agency.Name, countryName(rb, f.Agency.Country), f.Agency.Phone
	if d.Emergency != nil {
		l.Demand.Justification = d.Emergency.Justification
	}
	l.Customer.Name, l.Customer.Kind, l.Customer.LegalContact = f.Customer.Name, strings.ReplaceAll(f.Customer.Kind, "_", "-"), f.Customer.LegalContact
	l.Customer.Contact = strings.Join(f.Recipients, ", ")
	l.Route = a.Route
	l.Action = action(rb, f)
	disclosed := d.State == writ.StateDisclosed || d.Outcome == writ.OutcomeContentDisclosed || d.Outcome == writ.OutcomeNonContentDisclosed
	switch {
	case a.Notice.Timing == rules.NoticeDelayed && d.Nondisclosure != nil:
		l.Delay = "A non-disclosure order (" + d.Nondisclosure.Basis + ") forbade us to tell you until " + d.Nondisclosure.Until + "."
	case a.Notice.Timing == rules.NoticeAfterEmergency:
		l.Delay = "The authority claimed an emergency (a danger to life or of serious injury), which let it be answered before you were told."
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
		l.ObjectBy = objectBy.UTC().Format(dateTime)
	}
	l.Authority = f.Authority
	for _, na := range a.NotifyAuthorities {
		if na.Code == f.Authority.Code && na.Country == f.Authority.Country {
			l.Reason = na.Message
		}
	}
	if l.Reason == "" {
		l.Reason = "The demand comes from outside the EEA for personal data protected by the GDPR (Art. 48)."
	}
	l.Deadline.Code, l.Deadline.Due, l.Deadline.Message = f.Deadline.Code, f.Deadline.Due.UTC().Format(dateTime), f.Deadline.Message
	l.Escalation = f.Job.Kind == JobDeadlineEscalation
	return l
}

func countryName(rb *rules.Rulebook, code string) string {
	if n := rb.CountryName(code); n != "" {
		return n
	}
	return code
}

// action says in plain words what the provider does with the demand.
func action(rb *rules.Rulebook, f facts) string {
	d, a := f.Demand, f.Assessment
	switch {
	case d.Outcome == writ.OutcomeContentDisclosed || d.Outcome == writ.OutcomeNonContentDisclosed || d.State == writ.StateDisclosed:
		return "We have produced data under the demand; what we produced is on record with us and we will answer your questions about it."
	case d.Outcome == writ.OutcomeWithdrawn:
		return "The authority withdrew the demand; we disclosed nothing."
	case d.Outcome == writ.OutcomeRejected || d.State == writ.StateRejected:
		return "We rejected the demand as legally insufficient and disclosed nothing."
	case d.Outcome == writ.OutcomeNoData || d.State == writ.StateNoData:
		return "We hold no data we can disclose under the demand and disclosed nothing."
	}
	switch a.Route {
	case rules.RouteRedirectToCustomer:
		return "We will not disclose your data: we are asking the authority to address its demand to you, at your legal contact " +
			f.Customer.LegalContact + "."
	case rules.RouteChallenge:
		return "We intend to challenge the demand, because it conflicts with other law that protects your data; we disclose nothing while the challenge runs."
	case rules.RouteReferToMLAT:
		return "We will not disclose data directly; the authority must use the lawful channel of mutual legal assistance."
	case rules.RouteReject:
		return "We consider the demand legally insufficient and will not disclose data under it."
	case rules.RouteNoData, rules.RoutePreserve:
		return "We will not disclose data under the demand."
	}
	cats := a.DisclosableCategories
	if len(cats) == 0 {
		cats = d.DataCategories
	}
	return "We intend to produce " + strings.Join(cats, ", ") + " data of the named accounts, and not before the end of your objection window (" +
		rb.ObjectionWindow().String() + " after notice), unless you object."
}
