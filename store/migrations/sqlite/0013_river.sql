-- River runs writ's jobs now. Before this migration runs, River's own
-- migrations have made its tables, and writ has carried every job of its
-- own queue into them (store.carryOverJobs), keeping their ids; the old
-- queue goes.
DROP TABLE jobs;
