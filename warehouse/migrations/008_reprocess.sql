-- Reprocessing and backfills.
-- (All ALTERs come before the UPDATE: DuckDB refuses to commit a transaction that alters a
-- table again after updating it.)

-- What kind of run a load was: `ingest` (read or fetched inputs) or `reprocess` (re-extracted
-- stored documents, no network).
ALTER TABLE loads ADD COLUMN kind VARCHAR DEFAULT 'ingest';

-- Listed entries a backfill left out: dated outside its range, or without a date to place.
ALTER TABLE loads ADD COLUMN skipped_outside_range INTEGER DEFAULT 0;
ALTER TABLE loads ADD COLUMN skipped_undated INTEGER DEFAULT 0;

-- The extractor version that last turned each document into its article or rejection, so a
-- reprocess run finds the documents an extractor upgrade has not seen. NULL: not recorded
-- (a document rejected before this migration), which reprocessing treats as out of date.
ALTER TABLE documents ADD COLUMN extractor_version VARCHAR;

UPDATE documents SET extractor_version = a.extractor_version
FROM articles a
WHERE a.article_id = documents.doc_id;
