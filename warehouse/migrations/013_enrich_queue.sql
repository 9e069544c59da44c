-- The enrich stage's work list: articles loaded (or changed by a reprocess) whose enrichment is
-- still to be written. A run finds its work here instead of comparing every stored article with
-- `enrichment`, so the stage costs what the run loaded. The enrich write takes its articles off;
-- a run killed before that leaves them here for the next run.
CREATE TABLE enrich_queue (
    article_id VARCHAR PRIMARY KEY,
    load_id    VARCHAR NOT NULL
);

INSERT INTO enrich_queue
SELECT a.article_id, a.load_id
FROM articles a
WHERE NOT EXISTS (SELECT 1 FROM enrichment e WHERE e.article_id = a.article_id);

COMMENT ON TABLE enrich_queue IS 'Articles waiting for the enrich stage: added when loaded or changed by a reprocess, removed when their enrichment is written.';
COMMENT ON COLUMN enrich_queue.article_id IS 'The article (articles.article_id) to enrich.';
COMMENT ON COLUMN enrich_queue.load_id IS 'The load that added it.';
