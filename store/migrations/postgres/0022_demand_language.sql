-- The language a demand was written in, or the one its issuing authority
-- asks to be answered in: an ISO 639-1 code, '' when not stated. Letters
-- and notifications to an authority of the European Union are written in
-- it where writ speaks it, else in the language of the authority's country.
ALTER TABLE demands ADD COLUMN language TEXT NOT NULL DEFAULT '';
