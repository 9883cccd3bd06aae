-- A reviewer's queue: the demands in one state, soonest deadline first.
CREATE INDEX demands_state_deadline ON demands (state, next_deadline, id);
