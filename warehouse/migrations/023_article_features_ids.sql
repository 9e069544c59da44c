-- article_features holds numbers where it held strings: each term and entity key becomes its
-- 64-bit id (the first 16 hex digits of its SHA-256, as transforms.stories.key_id computes it; an
-- entity key's is its entity id), and each entity's type becomes the weight placement gives it.
-- Placement reads its candidates' features by scanning this table (it has no index: 019), and
-- DuckDB skips the rows it does not need far faster in numeric lists than in lists of strings:
-- 1,200 articles out of 1M took 3.6 s CPU with strings, 0.3 s with numbers (5.1 and 2.6 s in a
-- fresh process).
CREATE TABLE article_features_ids (
    article_id     VARCHAR NOT NULL,
    terms          UBIGINT[] NOT NULL,      -- ids of the 100 heaviest content words
    weights        DOUBLE[] NOT NULL,       -- 1 + log(count), beside terms
    shingle_rate   INTEGER NOT NULL,        -- the shingles kept are multiples of it
    shingles       UINTEGER[] NOT NULL,
    entity_ids     UBIGINT[] NOT NULL,      -- entity ids (of TYPE:name keys) as numbers
    entity_weights DOUBLE[] NOT NULL,       -- beside entity_ids: how much each counts, by type
    load_id        VARCHAR NOT NULL
);
-- The weights are transforms.stories.ENTITY_WEIGHTS as this migration was written; a change of
-- them changes the enrichment version, which re-enriches (and rewrites these rows).
INSERT INTO article_features_ids
SELECT
    article_id,
    list_transform(terms, t -> ('0x' || sha256(t)[:16])::UBIGINT),
    weights,
    shingle_rate,
    shingles,
    list_transform(entity_keys, k -> ('0x' || sha256(k)[:16])::UBIGINT),
    list_transform(entity_types, t -> CASE t
        WHEN 'PERSON' THEN 3.0 WHEN 'ORG' THEN 2.0 WHEN 'EVENT' THEN 2.0 WHEN 'FAC' THEN 1.5
        WHEN 'LOC' THEN 1.0 WHEN 'GPE' THEN 0.5 WHEN 'NORP' THEN 0.5 ELSE 1.0 END),
    load_id
FROM article_features;
DROP TABLE article_features;
ALTER TABLE article_features_ids RENAME TO article_features;

COMMENT ON TABLE article_features IS 'What story placement compares, per enriched article: a compact term vector (word ids and weights), a sample of word 5-gram hashes and its entities (ids and weights); one row per article, replaced on re-enrichment.';
COMMENT ON COLUMN article_features.terms IS 'Ids of the article''s 100 heaviest content words: the first 16 hex digits of each word''s SHA-256, as a number';
COMMENT ON COLUMN article_features.entity_ids IS 'The article''s entities: each one''s entities.entity_id, read as a hexadecimal number';
COMMENT ON COLUMN article_features.entity_weights IS 'Beside entity_ids: how much each entity counts in placement, by its type (people 3, countries 0.5)';
