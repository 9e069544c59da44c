-- entity_mentions_daily and entity_cooccurrence over pre-aggregated counts, kept up to date by the
-- writer for the articles each batch adds or changes (warehouse/aggregates.py), so reading them
-- costs the size of the answer rather than a pass over every stored mention.

-- Each article's entities: how often it names each, on the article's publication day. It holds
-- what an article contributed to the counts below, so a changed article's old share can be taken off.
CREATE TABLE article_entity_days (
    article_id VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL,
    day        DATE,
    mentions   BIGINT NOT NULL
);

CREATE TABLE entity_day_counts (
    entity_id VARCHAR NOT NULL,
    day       DATE,
    mentions  BIGINT NOT NULL,
    articles  BIGINT NOT NULL
);

CREATE TABLE entity_pair_counts (
    entity_a VARCHAR NOT NULL,
    entity_b VARCHAR NOT NULL,
    articles BIGINT NOT NULL
);

INSERT INTO article_entity_days
SELECT m.article_id, m.entity_id, a.published_at, count(*)
FROM mentions m JOIN articles a USING (article_id)
GROUP BY ALL;

INSERT INTO entity_day_counts
SELECT entity_id, day, sum(mentions), count(*) FROM article_entity_days GROUP BY ALL;

INSERT INTO entity_pair_counts
SELECT x.entity_id, y.entity_id, count(*)
FROM article_entity_days x
JOIN article_entity_days y ON x.article_id = y.article_id AND x.entity_id < y.entity_id
GROUP BY ALL;

CREATE OR REPLACE VIEW entity_mentions_daily AS
SELECT
    e.entity_id,
    e.name,
    e.type,
    c.day,
    c.mentions,
    c.articles
FROM entity_day_counts c
JOIN entities e USING (entity_id);

CREATE OR REPLACE VIEW entity_cooccurrence AS
SELECT
    p.entity_a,
    ea.name                        AS name_a,
    p.entity_b,
    eb.name                        AS name_b,
    p.articles
FROM entity_pair_counts p
JOIN entities ea ON ea.entity_id = p.entity_a
JOIN entities eb ON eb.entity_id = p.entity_b;
