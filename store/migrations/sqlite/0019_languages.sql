-- The language each person outside the legal team reads writ in.
--
-- A user's own choice for the pages ('' follows the browser's
-- Accept-Language), and a customer's language of correspondence for its
-- letters ('' follows its home country: i18n.ForCountry).
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT '';
