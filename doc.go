// Package writ holds the domain of writ — agencies, customers, demands and
// their life, decisions, notices, challenges, disclosures and events — and
// the contracts of the services that store and move them. Implementations
// live in subpackages: rules (the rulebook and its evaluator), store (SQLite
// and PostgreSQL), identity (who a user is and how they prove it), sealing
// (encryption at rest), httpapi (the JSON API); cmd/writ wires them
// together.
package writ
