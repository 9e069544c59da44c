-- Entity pair counts take each batch's changes as appended rows, folded into entity_pair_counts
-- in one pass once they reach 5% of it (warehouse/aggregates.py): updating the counts in place
-- for every batch is a keyed upsert, which DuckDB runs as a hash join over the whole table
-- (36M pair rows at 100,000 articles), and an index on the pair would not fit the writer's
-- memory cap. Adding the pending rows at read time cost more than it saved (a full outer join of
-- the whole table: 45 s at 100,000 articles), so entity_cooccurrence reads the folded counts.
CREATE TABLE entity_pair_deltas (
    entity_a VARCHAR NOT NULL,
    entity_b VARCHAR NOT NULL,
    articles BIGINT NOT NULL
);

COMMENT ON TABLE entity_pair_deltas IS 'Changes to entity_pair_counts not yet folded into it (at most 5% of its rows; a small warehouse folds every batch).';
COMMENT ON COLUMN entity_pair_deltas.entity_a IS 'The pair''s first entity (entities.entity_id), the smaller id.';
COMMENT ON COLUMN entity_pair_deltas.entity_b IS 'The pair''s second entity (entities.entity_id).';
COMMENT ON COLUMN entity_pair_deltas.articles IS 'Articles naming both that a batch added (negative: took away).';
COMMENT ON VIEW entity_cooccurrence IS 'Pairs of entities named in the same article, with how many articles name both (as of the last fold of entity_pair_deltas).';
