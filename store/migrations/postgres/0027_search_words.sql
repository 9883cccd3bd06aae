-- The words of the search index. The last word of a search may be the
-- start of a word (as one types); to_tsquery's prefix (warrant:*) reads
-- every demand of every word it starts before the other words narrow
-- them (30 ms at 1M demands for "fbi warrant"), where whole words are
-- skipped through to each other's demands (3 ms). The search looks the
-- start up here and asks for the few words it starts instead.
--
-- A word is added when no committed row holds it yet, and nothing makes
-- it unique: a unique key would make a change that adds a word wait for
-- any uncommitted change that added the same word, and a server stopped
-- in the middle of one (a pause, a frozen machine) would stall the
-- others. Two changes adding the same new word at once both add it; the
-- search reads the words DISTINCT. Words are only added: one that no
-- demand holds any longer matches nothing.
CREATE TABLE search_words (word TEXT COLLATE "C" NOT NULL);
CREATE INDEX search_words_word ON search_words (word);
CREATE FUNCTION search_words_add() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
        SELECT w FROM unnest(tsvector_to_array(NEW.doc)) AS w
        WHERE NOT EXISTS (SELECT 1 FROM search_words s WHERE s.word = w);
    RETURN NULL;
END $$;
CREATE TRIGGER search_words_add AFTER INSERT OR UPDATE OF doc ON demand_search FOR EACH ROW EXECUTE FUNCTION search_words_add();
INSERT INTO search_words (word) SELECT DISTINCT unnest(tsvector_to_array(doc)) FROM demand_search;
