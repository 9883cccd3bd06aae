-- Events are committed with the change that makes them and given their
-- place in the audit log just after, by one sequencer at a time (see
-- store/sequencer.go). This index finds the ones still waiting.
CREATE INDEX events_unsequenced ON events (id) WHERE log_index IS NULL;
