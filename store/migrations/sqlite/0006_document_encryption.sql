-- Legal documents are kept encrypted (AES-256-GCM). key_id names the key
-- of the documents-key file that sealed the content; '' marks content
-- written before encryption, which key rotation seals.
ALTER TABLE documents ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
