-- Requester verification: agency users are confirmed out of band before
-- they can sign in; a demand records what the check of its sender's
-- address found and the call-back that confirmed an emergency.

ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN confirmation TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN confirmed_at TIMESTAMPTZ;

ALTER TABLE demands ADD COLUMN requester_check TEXT NOT NULL DEFAULT '';
ALTER TABLE demands ADD COLUMN callback_number TEXT NOT NULL DEFAULT '';
ALTER TABLE demands ADD COLUMN callback_by TEXT NOT NULL DEFAULT '';
ALTER TABLE demands ADD COLUMN callback_at TIMESTAMPTZ;
