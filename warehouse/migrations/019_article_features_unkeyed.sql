-- article_features without its primary key. With the key's index, every checkpoint after an
-- append rewrote the table's last row group (up to 122,880 articles of term and shingle lists):
-- 7.9 s of CPU at 100,000 articles for a batch of 200 (benchmarks/bench_growth.py,
-- BENCH_CHECKPOINT_EACH=1), most of a run's cost; without it, appending costs what the rows do.
-- An article's row is replaced, never upserted: re-enrichment deletes it first (warehouse/enrichment.py).
CREATE TABLE article_features_unkeyed (
    article_id    VARCHAR NOT NULL,
    terms         VARCHAR[] NOT NULL,
    weights       DOUBLE[] NOT NULL,        -- 1 + log(count), beside terms
    shingle_rate  INTEGER NOT NULL,         -- the shingles kept are multiples of it
    shingles      UINTEGER[] NOT NULL,
    entity_keys   VARCHAR[] NOT NULL,       -- TYPE:name (or TYPE:country code)
    entity_types  VARCHAR[] NOT NULL,
    load_id       VARCHAR NOT NULL
);
INSERT INTO article_features_unkeyed SELECT * FROM article_features;
DROP TABLE article_features;
ALTER TABLE article_features_unkeyed RENAME TO article_features;

COMMENT ON TABLE article_features IS 'What story placement compares, per enriched article: a compact term vector, a sample of word 5-gram hashes and the entities (one row per article, replaced on re-enrichment).';
