-- Which process ran a load, so a later run can say which one was interrupted ("process 1234 on
-- host X no longer running") when it settles a load left `running` as `aborted`.
-- loads.status: running | completed | failed | aborted
ALTER TABLE loads ADD COLUMN pid INTEGER;
ALTER TABLE loads ADD COLUMN host VARCHAR;

-- Which stories were touched most recently, counted in committed batches rather than by load id:
-- an undated article is compared with the most recently touched stories, and a load split in two
-- by a crash (the re-run has a later load id) must choose the same ones as one clean load.
ALTER TABLE stories ADD COLUMN updated_seq BIGINT DEFAULT 0;
UPDATE stories SET updated_seq = r.seq
FROM (SELECT story_id, dense_rank() OVER (ORDER BY updated_load_id) AS seq FROM stories) r
WHERE stories.story_id = r.story_id;
