// Package writ holds the domain of writ — agencies, customers, demands and
// their life, decisions, notices, challenges, disclosures and events — and
// the contracts of the services that store and move them, and the rows and
// counts a transparency report is computed from. Implementations live in
// subpackages: rules (the rulebook and its evaluator), store (SQLite and
// PostgreSQL), identity (who a user is and how they prove it), sealing
// (encryption at rest), report (transparency reports, from the store's
// rows), httpapi (the JSON API) and web (the pages), which share httpbase;
// cmd/writ wires them together.
package writ
