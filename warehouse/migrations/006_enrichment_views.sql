-- Views over enrichment for downstream users.

-- Who said what, where and when: one row per attributed quote.
CREATE VIEW quotes_by_speaker AS
SELECT
    e.name          AS speaker,
    e.entity_id     AS speaker_entity_id,
    q.text          AS quote,
    q.cue,
    a.site_name,
    a.title,
    a.published_at,
    coalesce(a.url, a.source_uri) AS url,
    q.article_id,
    q.quote_id
FROM quotes q
JOIN entities e ON e.entity_id = q.speaker_entity_id
JOIN articles a ON a.article_id = q.article_id;

-- Mentions of each entity per publication day (undated articles fall under NULL).
CREATE VIEW entity_mentions_daily AS
SELECT
    e.entity_id,
    e.name,
    e.type,
    a.published_at                 AS day,
    count(*)                       AS mentions,
    count(DISTINCT m.article_id)   AS articles
FROM mentions m
JOIN entities e USING (entity_id)
JOIN articles a USING (article_id)
GROUP BY ALL;

-- Pairs of entities named in the same article, with how many articles name both.
CREATE VIEW entity_cooccurrence AS
WITH per_article AS (
    SELECT DISTINCT article_id, entity_id FROM mentions
)
SELECT
    x.entity_id                    AS entity_a,
    ea.name                        AS name_a,
    y.entity_id                    AS entity_b,
    eb.name                        AS name_b,
    count(*)                       AS articles
FROM per_article x
JOIN per_article y ON x.article_id = y.article_id AND x.entity_id < y.entity_id
JOIN entities ea ON ea.entity_id = x.entity_id
JOIN entities eb ON eb.entity_id = y.entity_id
GROUP BY ALL;

-- Each story's articles in order: outlet, date, and how late each came after the first.
CREATE VIEW story_timeline AS
SELECT
    s.story_id,
    s.label,
    sm.article_id,
    coalesce(a.site_name, '(unknown)')                   AS site_name,
    a.title,
    sm.published_on,
    s.first_published_at,
    sm.published_on - s.first_published_at               AS lag_days,
    sm.wire_group_id,
    sm.evidence,
    rank() OVER (PARTITION BY s.story_id ORDER BY sm.published_on NULLS LAST) AS position
FROM stories s
JOIN story_members sm USING (story_id)
JOIN articles a USING (article_id);

-- Wire copy: who ran the same agency text, who ran it first, and each other outlet's lag.
CREATE VIEW wire_lineage AS
WITH members AS (
    SELECT
        sm.story_id, sm.wire_group_id, sm.article_id, sm.published_on, sm.containment,
        coalesce(a.site_name, '(unknown)') AS site_name,
        list_sort(list_distinct(coalesce(list(g.agency) FILTER (WHERE g.agency IS NOT NULL), []))) AS agencies
    FROM story_members sm
    JOIN articles a USING (article_id)
    LEFT JOIN article_agencies g USING (article_id)
    GROUP BY ALL
),
groups AS (
    SELECT wire_group_id
    FROM members GROUP BY wire_group_id HAVING count(*) > 1
)
SELECT
    m.story_id,
    m.wire_group_id,
    m.article_id,
    m.site_name,
    m.agencies,
    m.published_on,
    first(m.site_name ORDER BY m.published_on NULLS LAST, m.article_id) OVER w  AS first_site,
    min(m.published_on) OVER w                                                 AS first_published_on,
    m.published_on - min(m.published_on) OVER w                                AS lag_days,
    m.containment
FROM members m
JOIN groups USING (wire_group_id)
WINDOW w AS (PARTITION BY m.wire_group_id);
