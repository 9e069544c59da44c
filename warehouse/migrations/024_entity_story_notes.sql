-- Where a new article finds its candidate stories: notes appended at placement, in place of
-- per-entity lists upserted by primary key (011). At 1M articles those lists had 9.6M keys, and
-- every upsert loaded part of their index: 4.2 s of CPU for one run's 6,600 upserts in a fresh
-- process, 616 MB of index in memory after 3,000 lookups, and a rebuild of the key that does not
-- fit the default 512 MB cap. A note is never updated; a lookup is a scan of the months it asks
-- about (the notes go in in month order here and, afterwards, in placement order, so DuckDB's
-- per-row-group min/max skip the rest), and the latest stories per entity and month are chosen
-- at read.
CREATE TABLE entity_story_notes (
    entity   UBIGINT NOT NULL,   -- the entity's entities.entity_id, read as a hexadecimal number
    month    INTEGER,            -- yyyymm of the article's publication day; NULL when undated
    story_id VARCHAR NOT NULL,
    noted    BIGINT NOT NULL     -- placement order: larger is later
);

-- Each list becomes its notes, oldest first, numbered below every later placement's (the lists'
-- order is all there is to keep). An undated list (`:any`) becomes notes without a month.
INSERT INTO entity_story_notes
SELECT entity, month, story_id, noted FROM (
    SELECT TRY_CAST('0x' || split_part(bucket, ':', 1) AS UBIGINT) AS entity,
           TRY_CAST(split_part(bucket, ':', 2) AS INTEGER) AS month,
           unnest(story_ids) AS story_id,
           generate_subscripts(story_ids, 1) - 1 - len(story_ids) AS noted
    FROM entity_stories
) WHERE entity IS NOT NULL  -- a bucket whose entity is not 16 hex digits was not written by enrichment
ORDER BY month NULLS FIRST;
DROP TABLE entity_stories;

COMMENT ON TABLE entity_story_notes IS 'Where story placement finds candidates: one note per placed article and entity it is filed under (its 20 most-named), with the article''s month and story; appended, never updated. The latest 50 stories per entity and month are the candidates (for an undated article: per entity, among the latest 100,000 placements).';
COMMENT ON COLUMN entity_story_notes.entity IS 'The entity: its entities.entity_id read as a hexadecimal number';
COMMENT ON COLUMN entity_story_notes.month IS 'Year and month (yyyymm) of the placed article''s publication day; NULL when it has none';
COMMENT ON COLUMN entity_story_notes.story_id IS 'The story the article was placed in (stories.story_id)';
COMMENT ON COLUMN entity_story_notes.noted IS 'Order of placement: a larger number was placed later';
