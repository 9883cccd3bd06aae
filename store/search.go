package store

import (
	"context"
	"slices"
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
// is a word of its reference, agency, customer, authority country,
// instrument, state, flags, accounts, rationales or internal notes, the
// last word also the start of one (as one types): every word in the
// demand's own facts, or every word in one of the texts added to it.
// SQLite searches its FTS5 tables, PostgreSQL its tsvectors; both are
// kept in step by triggers (migration 0014). Only the legal team and
// auditors search (EFORBIDDEN): the rationales and notes are theirs.
//
// Whole words but the last keep a search fast at a million demands: a
// word is found by skipping through its list of demands to those of the
// other words, where the start of a word first gathers the lists of
// every word it starts ("demo", the start of every reference of the
// demo's demands, is a list of them all).
func (s *Store) searchCond(ctx context.Context, p *params, actor writ.Actor, q string) (string, error) {
	if !actor.Role.SeesAll() {
		return "", writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors search the demands")
	}
	words := searchWords(q)
	if len(words) == 0 {
		return "", writ.FieldErrorf("search", "type a word to search for")
	}
	// The search is run once, and the queue's phases (the urgent
	// emergencies, then the rest) read the ids it found: SQLite would
	// otherwise search in each phase, and PostgreSQL, which cannot know
	// how many demands a search finds, reads the demands newest first
	// waiting for matches that may be a handful among a million.
	search, arg := `SELECT rowid FROM demand_facts WHERE demand_facts MATCH $1
		UNION SELECT demand_id FROM demand_words WHERE demand_words MATCH $1`, sqliteMatch(words)
	if s.postgres {
		starts, err := s.wordsStarting(ctx, words[len(words)-1])
		if err != nil {
			return "", err
		}
		search, arg = `SELECT DISTINCT demand_id FROM demand_search WHERE doc @@ to_tsquery('simple', $1)`, postgresQuery(words, starts)
	}
	ids, listed, err := s.searchedIDs(ctx, search, arg)
	if err != nil {
		return "", err
	}
	switch {
	case !listed:
		// Too many to list: most demands match, and reading them in the
		// phase's order finds a page's worth soon.
		return `d.id IN (` + strings.ReplaceAll(search, "$1", p.add(arg)) + `)`, nil
	case s.postgres:
		return `d.id = ANY (CAST(` + p.add("{"+strings.Trim(jsonText(ids), "[]")+"}") + ` AS bigint[]))`, nil
	}
	return `d.id IN (SELECT value FROM json_each(` + p.add(jsonText(ids)) + `))`, nil
}

// sqliteMatch is an FTS5 query for words: every one a whole word but the
// last, which may also start one.
func sqliteMatch(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = `"` + w + `"`
	}
	return searchQuery(quoted, "*", " AND ")
}

// postgresQuery is sqliteMatch for PostgreSQL's to_tsquery. starts are
// the words the last word starts, when they are few: the last word is then
// any of them rather than a prefix, which to_tsquery answers by reading
// every demand of every word the prefix starts.
func postgresQuery(words, starts []string) string {
	if len(starts) == 0 {
		return searchQuery(words, ":*", " & ")
	}
	quoted := make([]string, len(starts))
	for i, w := range starts {
		quoted[i] = `'` + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + `'`
	}
	return strings.Join(append(slices.Clone(words[:len(words)-1]), "("+strings.Join(quoted, " | ")+")"), " & ")
}

// maxWordStarts bounds the words a search's last word is expanded to on
// PostgreSQL; a start of more words is searched as a prefix.
const maxWordStarts = 32

// wordsStarting lists the words of PostgreSQL's search index that start
// with prefix (migration 0027), or none when there are more than
// maxWordStarts of them, or none at all.
func (s *Store) wordsStarting(ctx context.Context, prefix string) ([]string, error) {
	// A range rather than LIKE: a prepared statement's generic plan cannot
	// read an index for LIKE with an argument. No letter or digit sorts
	// after U+10FFFF.
	out, err := queryColumn[string](ctx, s.read, "store: search", `SELECT DISTINCT word FROM search_words WHERE word >= $1 AND word < $2 ORDER BY word LIMIT $3`,
		prefix, prefix+"\U0010FFFF", maxWordStarts+1)
	if err != nil || len(out) > maxWordStarts {
		return nil, err
	}
	return out, nil
}

// searchQuery joins terms with and, the last marked with prefix.
func searchQuery(terms []string, prefix, and string) string {
	terms = slices.Clone(terms)
	terms[len(terms)-1] += prefix
	return strings.Join(terms, and)
}

// maxSearchedIDs bounds the demands a search on SQLite hands on as a list.
const maxSearchedIDs = 50000

// searchedIDs runs search (a query of demand ids with one argument, arg)
// and gives the ids it found; listed is false, and the ids none, when it
// found more than maxSearchedIDs.
func (s *Store) searchedIDs(ctx context.Context, search, arg string) (ids []int64, listed bool, err error) {
	ids, err = queryColumn[int64](ctx, s.read, "store: search", search+` LIMIT $2`, arg, maxSearchedIDs+1)
	if err != nil || len(ids) > maxSearchedIDs {
		return nil, false, err
	}
	return ids, true, nil
}
