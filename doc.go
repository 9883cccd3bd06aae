// Package writ holds the domain of writ — agencies, customers, demands and
// their life, decisions, notices, challenges, disclosures and events — and
// the contracts of the services that store and move them, and the rows and
// counts a transparency report is computed from. Implementations live in
// subpackages: rules (the rulebook and its evaluator), casework (the
// rulebook's judgement of a demand: its case and its assessment), store
// (the records, on SQLite and PostgreSQL), identity (who a user is and how they prove it), sealing
// (encryption at rest), report (transparency reports, from the store's
// rows), httpapi (the JSON API) and web (the pages), which share httpbase;
// cmd/writ wires them together.
//
// A service's interface is declared where it is used, with the contract of
// each method: store.Assessor (the assessment the store records with every
// change to a demand; casework.Assessor implements it), notify's and
// report's views of the store, identity's records. The store never
// evaluates the rulebook, and depends on neither report nor notify; only
// cmd/writ imports httpapi.
package writ
