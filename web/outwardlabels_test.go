package web

import (
	"io/fs"
	"regexp"
	"testing"

	"writ"
	"writ/i18n"
	"writ/rules"
)

// outwardCodes are the codes agencies, customers and the public read as
// words: states, outcomes, routes, notice timings and states, deadlines
// and their statuses, flags, deficiencies, error codes, issuers, roles,
// channels, the kinds of agencies and customers, key custody, call-backs
// and deliveries.
// Each list comes from where the codes are defined, so that a new code
// without words fails TestEveryOutwardLabelIsInEveryCatalog.
func outwardCodes() []string {
	var codes []string
	for _, s := range writ.States() {
		codes = append(codes, string(s))
	}
	for _, r := range writ.Roles() {
		codes = append(codes, string(r))
	}
	for _, list := range [][]string{writ.Outcomes(), rules.Routes(), rules.NoticeTimings(), writ.NoticeStates(),
		rules.DeadlineCodes(), writ.DeadlineStatuses(), rules.FlagCodes(), rules.DeficiencyCodes(), writ.Issuers(),
		writ.AgencyKinds(), writ.CustomerKinds(), writ.KeyCustodies(), writ.CallbackOutcomes(), writ.DeliveryMethods(),
		writ.Channels(),
		{writ.ECONFLICT, writ.EFORBIDDEN, writ.EINTERNAL, writ.EINVALID, writ.ENOTFOUND, writ.ETOOLARGE, writ.EUNAUTHORIZED,
			writ.EUNAVAILABLE, writ.ETOOMANY, writ.ESTORAGE, writ.EGONE, writ.EKEYREUSED, writ.EPRECONDITION, writ.EIFMATCH},
		{"EMERGENCY_RESPONSE", "review_due", "undeliverable"}} {
		codes = append(codes, list...)
	}
	return codes
}

// TestEveryOutwardLabelIsInEveryCatalog: every code an outward page may
// show has its words in every language, so that no page for agencies,
// customers or the public falls back to the legal team's English table.
func TestEveryOutwardLabelIsInEveryCatalog(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range outwardCodes() {
		for _, lang := range i18n.Languages() {
			if _, ok := cat.Printer(lang).Label("label", code); !ok {
				t.Errorf("%s: no label.%s", lang, code)
			}
		}
	}
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	for kind, codes := range map[string][]string{"deficiency": rules.DeficiencyCodes(), "instrument": rb.Instruments(), "audience": writ.Audiences()} {
		for _, code := range codes {
			for _, lang := range i18n.Languages() {
				if _, ok := cat.Printer(lang).Label(kind, code); !ok {
					t.Errorf("%s: no %s.%s", lang, kind, code)
				}
			}
		}
	}
}

// TestEveryFormFieldHasItsExplanation: every field of the agency's
// submission form the store can refuse has its explanation in the
// catalogs, so that a refusal reads in the agency's language.
func TestEveryFormFieldHasItsExplanation(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(templateFS, "templates/submit.html")
	if err != nil {
		t.Fatal(err)
	}
	// The form's key and its checkboxes cannot be refused.
	unrefusable := map[string]bool{"key": true, "ndo": true, "emergency": true, "notice_permitted": true}
	names := regexp.MustCompile(`name="([a-z_]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(names) < 20 {
		t.Fatalf("%d fields", len(names))
	}
	for _, m := range names {
		if unrefusable[m[1]] {
			continue
		}
		for _, lang := range i18n.Languages() {
			if !cat.Printer(lang).Has("fielderror." + m[1]) {
				t.Errorf("%s: no fielderror.%s", lang, m[1])
			}
		}
	}
}
