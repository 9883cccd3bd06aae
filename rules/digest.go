package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Digest is the SHA-256 of the rulebook's files — names and contents, in
// name order. Two rulebooks with one version but another text (an edited
// copy, say) have different digests, so the audit log can record exactly
// which text was in force.
func (rb *Rulebook) Digest() string {
	files := slices.Clone(rb.files)
	slices.SortFunc(files, func(a, b sourceFile) int { return strings.Compare(a.name, b.name) })
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\n%d\n", f.name, len(f.data))
		h.Write(f.data)
	}
	return hex.EncodeToString(h.Sum(nil))
}
