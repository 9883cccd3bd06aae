// Package certificate drafts the certificate of authenticity that goes
// with a production made in answer to United States legal process: the
// custodian's declaration that the files are records of a regularly
// conducted activity (Federal Rules of Evidence 803(6) and 902(11)), made
// under penalty of perjury (28 U.S.C. 1746). Its words are data
// (declaration.yaml), for a lawyer to read and change; writ fills in the
// provider, the demand, the files with their sizes and SHA-256 digests and,
// once the custodian signs, who signed and when. A certificate is
// versioned JSON; WritePDF prints it.
package certificate

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Version is the version of the certificate's JSON; a change of its
// fields gets a new one.
const Version = "writ.certificate/v1"

//go:embed declaration.yaml
var declarationYAML []byte

// declaration is declaration.yaml.
type declaration struct {
	Version     int               `yaml:"version"`
	Title       string            `yaml:"title"`
	Authorities []string          `yaml:"authorities"`
	Instruments map[string]string `yaml:"instruments"`
	Statements  []string          `yaml:"statements"`
	Attestation string            `yaml:"attestation"`
}

// decl is the declaration, read once: it is embedded, so a fault in it is
// a fault of the build, which the package's tests catch.
var decl = func() declaration {
	var d declaration
	if err := yaml.Unmarshal(declarationYAML, &d); err != nil {
		panic(fmt.Sprintf("certificate: declaration.yaml: %v", err))
	}
	return d
}()

// Required reports whether a production answering the instrument goes
// with a certificate: the instrument is United States legal process.
func Required(instrument string) bool {
	_, ok := decl.Instruments[instrument]
	return ok
}

// Demand is what the certificate says of the demand it answers.
type Demand struct {
	ID            int64     `json:"id"`
	Reference     string    `json:"reference"`
	Agency        string    `json:"agency"`
	AgencyCountry string    `json:"agency_country"`
	Instrument    string    `json:"instrument"`
	ReceivedAt    time.Time `json:"received_at"`
}

// File is one file of the production.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Signature is the custodian's: the name and position typed into the
// signature form, the account that signed, when, and the second factor
// re-entered to sign.
type Signature struct {
	Name         string    `json:"name"`
	Title        string    `json:"title"`
	Account      string    `json:"account"`
	SignedAt     time.Time `json:"signed_at"`
	SecondFactor string    `json:"second_factor"`
}

// Certificate is a certificate of authenticity: a draft while Signature
// is nil.
type Certificate struct {
	Version       string     `json:"version"`
	Title         string     `json:"title"`
	Authorities   []string   `json:"authorities"`
	Provider      string     `json:"provider"`
	Demand        Demand     `json:"demand"`
	Files         []File     `json:"files"`
	PackageSHA256 string     `json:"package_sha256"`
	Statements    []string   `json:"statements"`
	Attestation   string     `json:"attestation"`
	Signature     *Signature `json:"signature"`
}

// Draft drafts the certificate of a production: its statements with the
// custodian left blank.
func Draft(provider string, d Demand, files []File, packageSHA256 string) Certificate {
	c := Certificate{Version: Version, Title: decl.Title, Authorities: decl.Authorities, Provider: provider, Demand: d,
		Files: files, PackageSHA256: packageSHA256, Attestation: decl.Attestation}
	if c.Files == nil {
		c.Files = []File{}
	}
	c.Statements = c.statements("____________________", "____________________")
	return c
}

// Signed is the certificate signed: its statements name the custodian.
func (c Certificate) Signed(s Signature) Certificate {
	s.SignedAt = s.SignedAt.UTC()
	c.Signature = &s
	c.Statements = c.statements(s.Name, s.Title)
	return c
}

// statements fills the declaration's placeholders in.
func (c Certificate) statements(custodian, title string) []string {
	instrument := decl.Instruments[c.Demand.Instrument]
	if instrument == "" {
		instrument = c.Demand.Instrument
	}
	r := strings.NewReplacer("{provider}", c.Provider, "{custodian}", custodian, "{custodian_title}", title,
		"{reference}", orNone(c.Demand.Reference), "{agency}", c.Demand.Agency, "{instrument}", instrument,
		"{files}", strconv.Itoa(len(c.Files)))
	out := make([]string, len(decl.Statements))
	for i, s := range decl.Statements {
		out[i] = r.Replace(s)
	}
	return out
}

// JSON is the certificate as it is stored, served and hashed: indented,
// with a final newline. Its SHA-256 is what the audit log binds.
func (c Certificate) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	return append(b, '\n'), nil
}

func orNone(s string) string {
	if s == "" {
		return "none given"
	}
	return s
}
