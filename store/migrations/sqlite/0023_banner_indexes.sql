-- The legal team's banner and home count and list from these alone, never
-- visiting the rows of closed demands or of notices that need nobody
-- (issue 17: a page in milliseconds at a million demands).
--
-- Open demands by next deadline: overdue, due today, due this week, and
-- their first few in deadline order.
CREATE INDEX demands_open_deadline ON demands (next_deadline, id) WHERE state <> 'closed';
-- Urgent emergencies by deadline: the banner's list.
CREATE INDEX demands_urgent_deadline ON demands (next_deadline, id) WHERE urgent;
-- Notices by state and order end, with the end the legal team confirmed:
-- the reviews due are counted from the index alone.
CREATE INDEX notices_state_until ON notices (state, until, released_until);
DROP INDEX notices_state;
-- Deliveries that are neither done nor on their way without a failure.
CREATE INDEX notice_deliveries_failing ON notice_deliveries (demand_id)
    WHERE NOT (state IN ('sent', 'delivered') OR (state = 'pending' AND last_error = ''));
