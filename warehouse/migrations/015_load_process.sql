-- Which process ran a load, so a later run can say which one was interrupted ("process 1234 on
-- host X no longer running") when it settles a load left `running` as `aborted`.
-- loads.status: running | completed | failed | aborted
ALTER TABLE loads ADD COLUMN pid INTEGER;
ALTER TABLE loads ADD COLUMN host VARCHAR;

