-- A user's open demands by deadline ("Mine" and the team's workload),
-- without visiting the closed ones a long career leaves assigned to them;
-- every demand of an assignee, whatever its state, newest first (the
-- queue's filter by assignee).
CREATE INDEX demands_open_assignee ON demands (assignee_id, next_deadline, id) WHERE state <> 'closed';
DROP INDEX demands_assignee;
CREATE INDEX demands_assignee ON demands (assignee_id, id);
