-- Entity pair counts stored for lookups by entity: each pair twice (once from each side), in
-- ranges of entity ids whose rows are kept together and sorted (warehouse/aggregates.py), so
-- "who appears with X" reads the row groups holding X instead of every pair (2.65 s at 100,000
-- articles, 36M pairs, when pairs were stored once and unordered), and a batch folds its changes
-- into a few ranges rather than into the whole table in one long pass.
CREATE TABLE entity_pairs (
    entity_id VARCHAR NOT NULL,
    other_id  VARCHAR NOT NULL,
    articles  BIGINT NOT NULL
);

-- The ranges: [lo, the next range's lo). The first starts at '' so every id has one.
CREATE TABLE entity_pair_ranges (
    lo      VARCHAR NOT NULL,
    pairs   BIGINT NOT NULL,
    pending BIGINT NOT NULL
);

-- The pairs are recounted from each article's entities (article_entity_days) by
-- warehouse.aggregates.recount_pairs, which warehouse/db.py runs right after this migration, in
-- its transaction: slice by slice, in bounded memory, with the cap the writer now applies (the
-- 20 entities an article names most), which this file's SQL alone could not do within the
-- writer's memory cap on a large warehouse.

DROP VIEW entity_cooccurrence;
DROP TABLE entity_pair_counts;
DROP TABLE entity_pair_deltas;

CREATE TABLE entity_pair_deltas (
    entity_id VARCHAR NOT NULL,
    other_id  VARCHAR NOT NULL,
    articles  BIGINT NOT NULL
);

-- One row per pair, the smaller id first. Filtering on entity_a (or name_a) reads only the rows
-- of that entity; for everyone named beside one entity, either side, use cooccurring_entities.
CREATE VIEW entity_cooccurrence AS
SELECT
    p.entity_id  AS entity_a,
    ea.name      AS name_a,
    p.other_id   AS entity_b,
    eb.name      AS name_b,
    p.articles
FROM entity_pairs p
JOIN entities ea ON ea.entity_id = p.entity_id
JOIN entities eb ON eb.entity_id = p.other_id
WHERE p.entity_id < p.other_id;

CREATE VIEW cooccurring_entities AS
SELECT
    p.entity_id,
    e.name,
    e.type,
    p.other_id,
    o.name AS other_name,
    o.type AS other_type,
    p.articles
FROM entity_pairs p
JOIN entities e ON e.entity_id = p.entity_id
JOIN entities o ON o.entity_id = p.other_id;

-- The strongest pairs over the whole archive. A view ordered by articles joins the names of
-- every pair before it can keep the first n (5.4 s at 100,000 articles); this ranks the counts first.
CREATE MACRO top_entity_pairs(n) AS TABLE
SELECT p.entity_id AS entity_a, ea.name AS name_a, p.other_id AS entity_b, eb.name AS name_b, p.articles
FROM (SELECT * FROM entity_pairs WHERE entity_id < other_id ORDER BY articles DESC, entity_id, other_id LIMIT n) p
JOIN entities ea ON ea.entity_id = p.entity_id
JOIN entities eb ON eb.entity_id = p.other_id
ORDER BY p.articles DESC, p.entity_id, p.other_id;

COMMENT ON TABLE entity_pairs IS 'How many articles name both entities of a pair, stored from each side (two rows per pair), kept sorted by entity within entity_pair_ranges; changes wait in entity_pair_deltas until their range is folded.';
COMMENT ON COLUMN entity_pairs.entity_id IS 'The entity (entities.entity_id) whose partners these rows list.';
COMMENT ON COLUMN entity_pairs.other_id IS 'An entity named in the same articles (entities.entity_id).';
COMMENT ON COLUMN entity_pairs.articles IS 'Articles naming both.';
COMMENT ON TABLE entity_pair_ranges IS 'Ranges of entity ids whose entity_pairs rows are stored together and rewritten together when a batch folds its changes.';
COMMENT ON COLUMN entity_pair_ranges.lo IS 'The range''s first entity id; it ends where the next range begins.';
COMMENT ON COLUMN entity_pair_ranges.pairs IS 'entity_pairs rows in the range at its last fold.';
COMMENT ON COLUMN entity_pair_ranges.pending IS 'entity_pair_deltas rows waiting to be folded into the range.';
COMMENT ON TABLE entity_pair_deltas IS 'Changes to entity_pairs not yet folded into their range (a batch folds the ranges with most waiting first; a warehouse under a million pair rows folds all of them every batch).';
COMMENT ON COLUMN entity_pair_deltas.entity_id IS 'As entity_pairs.entity_id.';
COMMENT ON COLUMN entity_pair_deltas.other_id IS 'As entity_pairs.other_id.';
COMMENT ON COLUMN entity_pair_deltas.articles IS 'Articles naming both that a batch added (negative: took away).';
COMMENT ON VIEW entity_cooccurrence IS 'Pairs of entities named in the same article, once each (the smaller id first), with how many articles name both.';
COMMENT ON VIEW cooccurring_entities IS 'For each entity, every entity named in the same articles, with how many articles name both: filter on entity_id or name.';
COMMENT ON MACRO TABLE top_entity_pairs IS 'The n pairs of entities named together in most articles: SELECT * FROM top_entity_pairs(20).';
