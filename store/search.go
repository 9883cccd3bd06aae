package store

import (
	"strings"
	"unicode"

	"writ"
)

// maxSearchWords bounds the words of one search.
const maxSearchWords = 8

// searchWords splits what a person typed into words of letters and
// digits, lower case: codes such as in_review or CROSS_BORDER become
// their words, as the full-text indexes of both databases store them.
func searchWords(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return words[:min(len(words), maxSearchWords)]
}

// searchCond is the condition on a demand d that each of the words of q
// starts a word of its reference, agency, customer, authority country,
// instrument, state, flags, accounts, rationales or internal notes: every
// word in the demand's own facts, or every word in one of the texts added
// to it. SQLite searches its FTS5 tables, PostgreSQL its tsvectors; both
// are kept in step by triggers (migration 0014). Only the legal team and
// auditors search (EFORBIDDEN): the rationales and notes are theirs.
func (s *Store) searchCond(p *params, actor writ.Actor, q string) (string, error) {
	if !actor.Role.SeesAll() {
		return "", writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors search the demands")
	}
	words := searchWords(q)
	if len(words) == 0 {
		return "", writ.FieldErrorf("search", "type a word to search for")
	}
	if s.postgres {
		var terms []string
		for _, w := range words {
			terms = append(terms, w+":*")
		}
		tsq := strings.Join(terms, " & ")
		return `d.id IN (SELECT demand_id FROM demand_search WHERE doc @@ to_tsquery('simple', ` + p.add(tsq) + `))`, nil
	}
	var terms []string
	for _, w := range words {
		terms = append(terms, `"`+w+`"*`)
	}
	match := strings.Join(terms, " AND ")
	mark := p.add(match)
	return `d.id IN (SELECT rowid FROM demand_facts WHERE demand_facts MATCH ` + mark + ` UNION SELECT demand_id FROM demand_words WHERE demand_words MATCH ` + mark + `)`, nil
}
