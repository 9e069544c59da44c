-- The enrich stage: enrichment runs after dedup, on canonical articles, at a version of its own;
-- story placement reads stored compact features; known names are kept per entity.
-- (All ALTERs come before the UPDATEs: DuckDB refuses to commit a transaction that alters a
-- table again after updating it.)

-- The enrichment version (NLP model + our rules) that wrote each article's enrichment. NULL:
-- enriched before versions were kept, which `newsflow enrich` treats as out of date.
ALTER TABLE enrichment ADD COLUMN version VARCHAR;

-- What a load's enrich stage settled: articles enriched, and those skipped with a reason
-- (another language, a copy of an article enriched instead).
ALTER TABLE loads ADD COLUMN enriched INTEGER DEFAULT 0;
ALTER TABLE loads ADD COLUMN enrich_skipped INTEGER DEFAULT 0;

-- A few of each story's articles, those placement compares a new article with.
ALTER TABLE stories ADD COLUMN sample_members VARCHAR[] DEFAULT [];

-- How many mentions name each entity, kept per batch, so name resolution never aggregates
-- every stored mention.
ALTER TABLE entities ADD COLUMN mentions BIGINT DEFAULT 0;

-- What story placement compares, stored at enrichment so a member's text is never rebuilt:
-- a compact term vector, a consistent sample of its word 5-gram hashes and its entities.
CREATE TABLE article_features (
    article_id    VARCHAR PRIMARY KEY,
    terms         VARCHAR[] NOT NULL,
    weights       DOUBLE[] NOT NULL,        -- 1 + log(count), beside terms
    shingle_rate  INTEGER NOT NULL,         -- the shingles kept are multiples of it
    shingles      UINTEGER[] NOT NULL,
    entity_keys   VARCHAR[] NOT NULL,       -- TYPE:name (or TYPE:country code)
    entity_types  VARCHAR[] NOT NULL,
    load_id       VARCHAR NOT NULL
);

-- Where a new article finds its candidate stories without scanning: for each entity and month
-- (bucket `<entity_id>:<yyyymm>`, or `<entity_id>:any` for undated articles), the ids of the
-- latest stories naming it. Looked up by primary key, so the cost stays with the new articles.
CREATE TABLE entity_stories (
    bucket    VARCHAR PRIMARY KEY,
    story_ids VARCHAR[] NOT NULL
);

UPDATE entities SET mentions = m.n
FROM (SELECT entity_id, count(*) AS n FROM mentions GROUP BY entity_id) m
WHERE entities.entity_id = m.entity_id;

UPDATE stories SET sample_members = m.ids
FROM (SELECT story_id, list(article_id ORDER BY article_id)[1:20] AS ids FROM story_members GROUP BY story_id) m
WHERE stories.story_id = m.story_id;

INSERT INTO entity_stories
WITH named AS (
    SELECT DISTINCT m.entity_id, sm.story_id, sm.published_on, s.last_published_at
    FROM story_members sm JOIN mentions m USING (article_id) JOIN stories s USING (story_id)
)
SELECT entity_id || ':' || strftime(published_on, '%Y%m') AS bucket,
       list(DISTINCT story_id ORDER BY story_id)[-50:] AS story_ids
FROM named WHERE published_on IS NOT NULL GROUP BY ALL
UNION ALL
SELECT entity_id || ':any', list(story_id ORDER BY last_published_at NULLS FIRST, story_id)[-50:]
FROM (SELECT DISTINCT entity_id, story_id, last_published_at FROM named) GROUP BY entity_id;
