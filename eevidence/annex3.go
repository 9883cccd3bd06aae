// Package eevidence drafts the forms of the EU e-Evidence Regulation,
// (EU) 2023/1543, that a provider sends back: the Annex III form by which
// it informs the issuing authority that a European Production or
// Preservation Order cannot be executed, or only in part. The grounds of
// the form and the findings that tick them are data (annex3.yaml); the
// draft is made from the demand's assessment, for the legal team to
// complete and send. A draft is versioned JSON; WritePDF prints it.
package eevidence

import (
	_ "embed"
	"fmt"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"writ/rules"
)

// Version is the version of the draft's JSON; a change of its fields
// gets a new one.
const Version = "writ.annex-iii/v1"

//go:embed annex3.yaml
var annexYAML []byte

// form is annex3.yaml.
type form struct {
	Version    int      `yaml:"version"`
	Form       string   `yaml:"form"`
	Grounds    []ground `yaml:"grounds"`
	ToComplete []string `yaml:"to_complete"`
}

type ground struct {
	Code         string   `yaml:"code"`
	Article      string   `yaml:"article"`
	Text         string   `yaml:"text"`
	Deficiencies []string `yaml:"deficiencies"`
	Conflicts    []string `yaml:"conflicts"`
	Flags        []string `yaml:"flags"`
}

// Order is what the draft says of the order it answers.
type Order struct {
	DemandID         int64     `json:"demand_id"`
	Kind             string    `json:"kind"` // eu_epoc or eu_epoc_pr
	Reference        string    `json:"reference"`
	IssuingState     string    `json:"issuing_state"`
	IssuingAuthority string    `json:"issuing_authority"`
	IssuedBy         string    `json:"issued_by"`
	ValidatedBy      string    `json:"validated_by"`
	ReceivedAt       time.Time `json:"received_at"`
	DataCategories   []string  `json:"data_categories"`
}

// Draft is an Annex III form drafted from an assessment.
type Draft struct {
	Version string `json:"version"`
	Form    string `json:"form"`
	Order   Order  `json:"order"`
	// Execution is "none" when nothing can be produced, "partial" when
	// some of the categories asked can.
	Execution string `json:"execution"`
	// Producible are the categories that can be produced.
	Producible []string   `json:"producible_categories"`
	Grounds    []Ground   `json:"grounds"`
	Deadlines  []Deadline `json:"deadlines"`
	// Findings are the assessment's messages behind the ticked grounds.
	Findings   []Finding `json:"findings"`
	ToComplete []string  `json:"to_complete"`
	// Languages are those in which the provider accepts certificates.
	Languages []string `json:"languages_accepted"`
}

// Ground is one ground of the form, ticked or not, with the findings of
// the assessment that ticked it.
type Ground struct {
	Code    string   `json:"code"`
	Article string   `json:"article"`
	Text    string   `json:"text"`
	Ticked  bool     `json:"ticked"`
	Because []string `json:"because"`
}

// Deadline is a deadline of the assessment that the form must meet or
// names.
type Deadline struct {
	Code    string    `json:"code"`
	Due     time.Time `json:"due"`
	Message string    `json:"message"`
}

// Finding is a deficiency or conflict of the assessment, with the
// rulebook's message.
type Finding struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// NeedsAnnex reports whether an order of the instrument, so assessed,
// calls for an Annex III form: a European order that cannot be executed
// in full.
func NeedsAnnex(instrument string, a rules.Assessment) bool {
	return (instrument == "eu_epoc" || instrument == "eu_epoc_pr") &&
		(!a.LegallySufficient || len(a.Conflicts) > 0 || hasFlag(a, "CONTENT_TECHNICALLY_UNAVAILABLE"))
}

func hasFlag(a rules.Assessment, flag string) bool { return slices.Contains(a.Flags, flag) }

// DraftAnnexIII drafts the Annex III form for an order from its
// assessment: each ground ticked by the deficiencies, conflicts and flags
// the form's data names, the deadlines of the assessment, the categories
// that can still be produced.
func DraftAnnexIII(o Order, a rules.Assessment, languages []string) (Draft, error) {
	var f form
	if err := yaml.Unmarshal(annexYAML, &f); err != nil {
		return Draft{}, fmt.Errorf("eevidence: annex3.yaml: %w", err)
	}
	d := Draft{Version: Version, Form: f.Form, Order: o, Producible: []string{}, Grounds: []Ground{}, Deadlines: []Deadline{},
		Findings: []Finding{}, ToComplete: f.ToComplete, Languages: languages}
	if d.Languages == nil {
		d.Languages = []string{}
	}
	for _, c := range o.DataCategories {
		if slices.Contains(a.DisclosableCategories, c) {
			d.Producible = append(d.Producible, c)
		}
	}
	d.Execution = "none"
	if len(d.Producible) > 0 {
		d.Execution = "partial"
	}
	for _, g := range f.Grounds {
		out := Ground{Code: g.Code, Article: g.Article, Text: g.Text, Because: []string{}}
		for _, def := range a.Deficiencies {
			if slices.Contains(g.Deficiencies, def.Code) {
				out.Because = append(out.Because, def.Code)
				d.Findings = append(d.Findings, Finding{Code: def.Code, Message: def.Message})
			}
		}
		for _, c := range a.Conflicts {
			if slices.Contains(g.Conflicts, c.Code) {
				out.Because = append(out.Because, c.Code)
				d.Findings = append(d.Findings, Finding{Code: c.Code, Message: c.Message})
			}
		}
		for _, fl := range g.Flags {
			if hasFlag(a, fl) {
				out.Because = append(out.Because, fl)
			}
		}
		out.Ticked = len(out.Because) > 0
		d.Grounds = append(d.Grounds, out)
	}
	for _, dl := range a.Deadlines {
		d.Deadlines = append(d.Deadlines, Deadline{Code: dl.Code, Due: dl.Due.UTC(), Message: dl.Message})
	}
	return d, nil
}

func itoa(n int64) string { return fmt.Sprint(n) }
