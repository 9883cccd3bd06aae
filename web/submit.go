package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"writ"
)

// submitData is the agency's form for a new demand: the choices, what was
// typed, and the field at fault with its message.
type submitData struct {
	Instruments []string
	// Languages are those a demand may say it is written in.
	Languages  []string
	Issuers    []string
	Categories []string
	Values     url.Values
	Key        string
	Error      *failure
	// Field is the form field the error belongs to.
	Field string
	// Preview is the check before submitting (preview.go), when asked.
	Preview *previewView
}

// Value is what was typed into a field.
func (d submitData) Value(name string) string { return d.Values.Get(name) }

// Checked reports whether a checkbox of name had value.
func (d submitData) Checked(name, value string) bool {
	for _, v := range d.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

func (s *Server) newSubmitData(values url.Values) (submitData, error) {
	key := values.Get("key")
	if key == "" {
		var err error
		if key, err = randomString(); err != nil {
			return submitData{}, err
		}
	}
	if values == nil {
		values = url.Values{}
	}
	return submitData{Instruments: s.store.Rules().Instruments(), Languages: demandLanguages(), Issuers: writ.Issuers(), Categories: s.store.Rules().Categories(),
		Values: values, Key: key}, nil
}

func (s *Server) submitForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	d, err := s.newSubmitData(nil)
	if err != nil {
		return err
	}
	return s.render(w, v, http.StatusOK, "submit", "submit.title", d)
}

// indexSuffix matches the list index of a field path ("accounts[2]").
var indexSuffix = regexp.MustCompile(`\[\d+\]$`)

// formField is the form field a store error's field names: the store
// speaks in the API's JSON paths, the form has flat names.
func formField(field string) string {
	field = indexSuffix.ReplaceAllString(field, "")
	switch field {
	case "date_range.from":
		return "date_from"
	case "date_range.to":
		return "date_to"
	case "nondisclosure.basis":
		return "ndo_basis"
	case "nondisclosure.until":
		return "ndo_until"
	case "emergency.justification":
		return "emergency_justification"
	case "name":
		return "document"
	}
	return field
}

// demandLanguages are the languages the form offers for a demand: the
// official languages of the European Union (Regulation No 1 of 1958, as
// amended), whose authorities ask to be answered in their own. The API
// takes any ISO 639-1 code.
func demandLanguages() []string {
	return []string{"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it",
		"lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"}
}

// demandInput reads the form into a submission. A malformed date or
// number is refused here, naming its field as the store would.
func demandInput(f url.Values) (writ.DemandInput, error) {
	in := writ.DemandInput{
		Reference: strings.TrimSpace(f.Get("reference")), Channel: "portal", Instrument: f.Get("instrument"),
		Citation: strings.TrimSpace(f.Get("citation")), IssuedBy: f.Get("issued_by"), ValidatedBy: f.Get("validated_by"),
		SubjectResidence: strings.ToUpper(strings.TrimSpace(f.Get("subject_residence"))), DataCategories: f["data_categories"],
		SubjectLocation: strings.ToUpper(strings.TrimSpace(f.Get("subject_location"))), NoticePermitted: f.Get("notice_permitted") == "on",
		DataLocationsSought: strings.Fields(strings.ToUpper(f.Get("data_locations_sought"))),
		Language:            f.Get("language"),
	}
	switch f.Get("subject_us_person") {
	case "yes", "no":
		v := f.Get("subject_us_person") == "yes"
		in.SubjectUSPerson = &v
	case "":
	default:
		return in, writ.FieldErrorf("subject_us_person", "answer yes, no or not known")
	}
	if in.DataCategories == nil {
		in.DataCategories = []string{}
	}
	for _, line := range strings.Split(f.Get("accounts"), "\n") {
		if a := strings.TrimSpace(line); a != "" {
			in.Accounts = append(in.Accounts, a)
		}
	}
	if from, to := f.Get("date_from"), f.Get("date_to"); from != "" || to != "" {
		in.DateRange = &writ.DateRange{From: from, To: to}
	}
	if due := f.Get("due"); due != "" {
		t, err := time.Parse(time.DateOnly, due)
		if err != nil {
			return in, writ.FieldErrorf("due", "not a date (YYYY-MM-DD): %q", due)
		}
		t = t.Add(24*time.Hour - time.Second)
		in.Due = &t
	}
	if y := strings.TrimSpace(f.Get("offence_max_years")); y != "" {
		n, err := strconv.ParseFloat(y, 64)
		if err != nil {
			return in, writ.FieldErrorf("offence_max_years", "a number of years is required")
		}
		in.OffenceMaxYears = &n
	}
	if f.Get("ndo") == "on" {
		in.Nondisclosure = &writ.Nondisclosure{Basis: strings.TrimSpace(f.Get("ndo_basis")), Until: f.Get("ndo_until")}
	}
	if f.Get("emergency") == "on" {
		in.Emergency = &writ.Emergency{Justification: strings.TrimSpace(f.Get("emergency_justification"))}
	}
	return in, nil
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request, v *visit) error {
	values := r.PostForm
	refuse := func(err error) error {
		if !refusable(err) {
			return err
		}
		d, derr := s.newSubmitData(values)
		if derr != nil {
			return derr
		}
		f := failureOf(err)
		d.Field = formField(f.Field)
		f.Message = fieldErrorIn(s.printer(v), f, d.Field)
		d.Error = &f
		return s.render(w, v, status(f.Code), "submit", "submit.title", d)
	}
	in, err := demandInput(values)
	if err != nil {
		return refuse(err)
	}
	name, content, err := readUpload(r, "document")
	if err != nil {
		return refuse(err)
	}
	if content != nil {
		// The document is checked before the demand is taken in, so that
		// a wrong file does not leave a demand without its warrant.
		if _, err := writ.SniffDocument(content); err != nil {
			return refuse(err)
		}
	}
	d, replayed, err := s.store.CreateDemand(r.Context(), v.actor, in, "web:"+values.Get("key"))
	if err != nil {
		return refuse(err)
	}
	msg := flashOf("flash.received", strconv.FormatInt(d.ID, 10))
	if len(d.Linked) > 0 {
		msg = flashOf("flash.received_split", strconv.FormatInt(d.ID, 10), fmt.Sprint(d.Linked))
	}
	if content != nil {
		if _, err := s.store.AddDocument(r.Context(), v.actor, d.ID, name, content); err != nil {
			if !(replayed && writ.ErrorCode(err) == writ.ECONFLICT) {
				if !refusable(err) {
					return err
				}
				msg = flashOf("flash.received_unattached", strconv.FormatInt(d.ID, 10), failureOf(err).Message)
			}
		}
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", d.ID), msg)
}

// fieldView is one form field of the submission form with its error.
type fieldView struct {
	Name, Label string
	Error       *failure
}

// fieldOf is the view of a field: its error when the refusal names it.
func fieldOf(d submitData, name, label string) fieldView {
	f := fieldView{Name: name, Label: label}
	if d.Error != nil && d.Field == name {
		f.Error = d.Error
	}
	return f
}
