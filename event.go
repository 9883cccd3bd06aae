package writ

import (
	"bytes"
	"encoding/json"
	"time"
)

// Event is one entry of the append-only history: every change to an agency,
// customer, user, demand or its documents, with who made it and when.
// Events are never updated or deleted.
type Event struct {
	ID       int64           `json:"id"`
	DemandID *int64          `json:"demand_id"`
	ActorID  *int64          `json:"actor_id"`
	Actor    string          `json:"actor"`
	Kind     string          `json:"kind"`
	Data     json.RawMessage `json:"data"`
	At       time.Time       `json:"at"`
	// LogIndex is the event's entry in the audit log: nil while the event,
	// committed with its change, waits for the log's sequencer to give it
	// its place (normally before the change is answered).
	LogIndex *int64 `json:"log_index"`
	// Inclusion proves the entry is in the log at the latest checkpoint;
	// nil until a checkpoint covers it.
	Inclusion *InclusionProof `json:"inclusion"`
}

// InclusionProof proves that a log entry is in the tree of a checkpoint
// (RFC 6962 audit path; hashes in base64).
type InclusionProof struct {
	Index    int64    `json:"index"`
	TreeSize int64    `json:"tree_size"`
	LeafHash string   `json:"leaf_hash"`
	RootHash string   `json:"root_hash"`
	Proof    []string `json:"proof"`
}

// ConsistencyProof proves that the tree of one size is a prefix of the
// tree of a larger size.
type ConsistencyProof struct {
	Old     int64    `json:"old"`
	New     int64    `json:"new"`
	OldRoot string   `json:"old_root"`
	NewRoot string   `json:"new_root"`
	Proof   []string `json:"proof"`
}

// Document is a legal document attached to a demand (the warrant, the
// order, a letter), stored once by its SHA-256, and seen only by its
// Audience (one of Audiences) beside auditors.
type Document struct {
	SHA256      string    `json:"sha256"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Audience    string    `json:"audience"`
	UploadedBy  string    `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// The audiences of a document: who besides the legal team and auditors
// may list and download it.
const (
	AudienceLegal    = "legal"    // the legal team only
	AudienceAgency   = "agency"   // the legal team and the agency
	AudienceCustomer = "customer" // the legal team and the customer
	AudienceAll      = "all"      // everyone on the demand
)

// Audiences lists the audiences of a document, narrowest first.
func Audiences() []string {
	return []string{AudienceLegal, AudienceAgency, AudienceCustomer, AudienceAll}
}

// Sees reports whether a user of role may see a document of audience a.
func (r Role) Sees(a string) bool {
	switch {
	case r.SeesAll():
		return true
	case r == RoleAgency:
		return a == AudienceAgency || a == AudienceAll
	case r == RoleCustomer:
		return a == AudienceCustomer || a == AudienceAll
	}
	return false
}

// MaxDocumentSize is the largest legal document writ accepts.
const MaxDocumentSize = 20 << 20

// Decision is what the legal team decided about a demand.
type Decision struct {
	ID         int64     `json:"id"`
	DemandID   int64     `json:"demand_id"`
	Kind       string    `json:"kind"` // redirect, reject, narrow, challenge, disclose, no_data
	Categories []string  `json:"categories"`
	Rationale  string    `json:"rationale"`
	DecidedBy  string    `json:"decided_by"`
	ApprovedBy string    `json:"approved_by"`
	At         time.Time `json:"at"`
}

// SniffDocument returns the content type of a legal document from its first
// bytes, or EINVALID when it is not one writ accepts. What the uploader
// claims is not trusted: a script named warrant.pdf is still refused.
func SniffDocument(content []byte) (string, error) {
	switch {
	case len(content) == 0:
		return "", FieldErrorf("document", "the document is empty")
	case bytes.HasPrefix(content, []byte("%PDF-")):
		return "application/pdf", nil
	case bytes.HasPrefix(content, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case bytes.HasPrefix(content, []byte("\xff\xd8\xff")):
		return "image/jpeg", nil
	case bytes.HasPrefix(content, []byte("II*\x00")), bytes.HasPrefix(content, []byte("MM\x00*")):
		return "image/tiff", nil
	}
	return "", FieldErrorf("document", "not a PDF, PNG, JPEG or TIFF file")
}
