package writ

import "time"

// A production is the data the provider produces for an approved demand,
// delivered through writ: a package of files the legal team uploads with
// its declared scope, which the agency downloads from its portal within an
// expiry and a number of downloads the legal team sets. Each file's
// SHA-256 is committed to in the audit log, so that the agency can check
// what it received against the log with public tools.

// Defaults of a production's delivery.
const (
	DefaultProductionExpiry = 14 * 24 * time.Hour
	DefaultDownloadLimit    = 5
	// MaxProductionFiles and MaxProductionSize bound one package.
	MaxProductionFiles = 20
	MaxProductionSize  = 50 << 20
)

// ProductionScope is what a package declares it holds: which of the
// demand's accounts, which data categories, which period. It may not go
// beyond what was approved.
type ProductionScope struct {
	Accounts   []string   `json:"accounts"`
	Categories []string   `json:"categories"`
	DateRange  *DateRange `json:"date_range"`
}

// ProductionUpload is one file of a package being uploaded.
type ProductionUpload struct {
	Name    string `json:"name"`
	Content []byte `json:"content"` // base64 in JSON
}

// ProductionInput is a package the legal team makes available to the
// agency: its scope and files, the records it holds (for the transparency
// figures), the rationale of the move to disclosed, and the delivery's
// expiry (days, default 14) and download limit (default 5).
type ProductionInput struct {
	Scope         ProductionScope    `json:"scope"`
	Files         []ProductionUpload `json:"files"`
	Records       int                `json:"records"`
	Rationale     string             `json:"rationale"`
	ExpiresInDays int                `json:"expires_in_days"`
	DownloadLimit int                `json:"download_limit"`
}

// Production is a package made available to the agency.
type Production struct {
	DemandID      int64            `json:"demand_id"`
	Scope         ProductionScope  `json:"scope"`
	Files         []ProductionFile `json:"files"`
	ExpiresAt     time.Time        `json:"expires_at"`
	DownloadLimit int              `json:"download_limit"`
	Downloads     int              `json:"downloads"`
	MadeBy        string           `json:"made_by"`
	MadeAt        time.Time        `json:"made_at"`
	// AvailableAt is when the agency could first download the package;
	// nil while its certificate waits for the custodian's signature.
	AvailableAt *time.Time `json:"available_at"`
	// Certificate is the state of the package's certificate of
	// authenticity; nil when the production needs none (it answers no US
	// legal process).
	Certificate *ProductionCertificate `json:"certificate"`
}

// ProductionCertificate is the state of a production's certificate of
// authenticity: a draft until the custodian signs it, then signed, with
// the SHA-256 of the signed certificate's JSON as the audit log binds it.
type ProductionCertificate struct {
	Signed   bool       `json:"signed"`
	SHA256   string     `json:"sha256"`
	SignedBy string     `json:"signed_by"`
	SignedAt *time.Time `json:"signed_at"`
}

// CertificateSignature is the custodian's signature of a certificate of
// authenticity: their name, typed as their account gives it, their
// position, and a code of their authenticator app, entered again to sign.
type CertificateSignature struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Code  string `json:"code"`
}

// ProductionFile is one file of a package: its name, size and SHA-256,
// and the audit-log entry that commits to that SHA-256 with the proof of
// its inclusion at the latest checkpoint (nil until a checkpoint covers
// it).
type ProductionFile struct {
	Name   string   `json:"name"`
	SHA256 string   `json:"sha256"`
	Size   int64    `json:"size"`
	Entry  LogEntry `json:"entry"`
}

// LogEntry is one entry of the audit log as an outside verifier checks it:
// the leaf exactly as hashed into the log (its data_sha256 is the SHA-256
// of Data), the event's data, and the proof of the leaf's inclusion.
type LogEntry struct {
	Index     int64           `json:"index"`
	Leaf      string          `json:"leaf"`
	Data      string          `json:"data"`
	Inclusion *InclusionProof `json:"inclusion"`
}

// Reasons say why a demand was answered as it was, as the agency may read
// them: the deficiencies of a rejected demand (each message cites its
// source), whom a redirected demand goes to, and the grounds of a
// challenge the legal team chose to share.
type Reasons struct {
	State            State          `json:"state"`
	Deficiencies     []ReasonDetail `json:"deficiencies"`
	RedirectTo       *RedirectTo    `json:"redirect_to"`
	ChallengeGrounds string         `json:"challenge_grounds"`
}

// ReasonDetail is one deficiency: its code and the rulebook's message.
type ReasonDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// RedirectTo is the customer a redirected demand should be addressed to.
type RedirectTo struct {
	Customer     string `json:"customer"`
	LegalContact string `json:"legal_contact"`
}

// DemandOverview is what a customer's portal says of a demand beyond the
// request: which authority of which country asks, by when the customer
// must object before the data may be disclosed (nil until the notice was
// given), and where the demand sits in the public audit log: the proof
// that its receipt is in the tree of the latest checkpoint (nil until a
// checkpoint covers it).
type DemandOverview struct {
	Authority         string          `json:"authority"`
	AuthorityCountry  string          `json:"authority_country"`
	ObjectionDeadline *time.Time      `json:"objection_deadline"`
	Received          *InclusionProof `json:"received"`
}
