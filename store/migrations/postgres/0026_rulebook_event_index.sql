-- The rulebook.loaded events, which every server reads the latest of as it
-- starts: without an index of their own that read went through the whole
-- log from its head, and on a log of a million demands it outlasted the
-- statement timeout, so that writ serve did not start.
CREATE INDEX events_rulebook ON events (log_index) WHERE kind = 'rulebook.loaded';
