-- fingerprints without its primary key, for the reason article_features lost its own (019):
-- the key's index made each checkpoint after an append rewrite the table's last row group of
-- MinHash signatures (1.2 s of CPU at 100,000 articles for a batch of 200). Nothing looks a
-- fingerprint up by key or upserts one: dedup joins on exact key, URL key and bands, and a
-- reprocess deletes an article's row before writing it again.
CREATE TABLE fingerprints_unkeyed (
    article_id VARCHAR NOT NULL,
    exact_key  VARCHAR NOT NULL,
    url_key    VARCHAR,
    minhash    UINTEGER[] NOT NULL
);
INSERT INTO fingerprints_unkeyed SELECT * FROM fingerprints;
DROP TABLE fingerprints;
ALTER TABLE fingerprints_unkeyed RENAME TO fingerprints;

COMMENT ON TABLE fingerprints IS 'Deduplication keys per article: exact text key, URL key, MinHash signature (one row per article).';
