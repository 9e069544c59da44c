-- Views downstream users query. Staging views rename and cast; marts build on them.

-- One row per article with the cluster it belongs to.
CREATE VIEW stg_article_members AS
SELECT
    a.*,
    coalesce(d.duplicate_of, a.article_id) AS canonical_id,
    d.article_id IS NOT NULL               AS is_copy,
    d.method                               AS duplicate_method,
    CASE a.date_precision WHEN 'day' THEN 0 WHEN 'month' THEN 1 WHEN 'year' THEN 2 ELSE 3 END
                                           AS date_rank
FROM articles a
LEFT JOIN duplicates d USING (article_id);

-- One row per distinct article. Metadata missing on the first copy is completed from the others:
-- the title from one copy, the date from another. A date taken from a copy says so.
CREATE VIEW articles_canonical AS
WITH clusters AS (
    SELECT
        canonical_id,
        first(title ORDER BY is_copy, article_id) FILTER (WHERE title IS NOT NULL)       AS title,
        first(byline ORDER BY is_copy, article_id) FILTER (WHERE byline IS NOT NULL)     AS byline,
        first(authors ORDER BY is_copy, article_id) FILTER (WHERE len(authors) > 0)      AS authors,
        first(site_name ORDER BY is_copy, article_id) FILTER (WHERE site_name IS NOT NULL) AS site_name,
        first(url ORDER BY is_copy, article_id) FILTER (WHERE url IS NOT NULL)           AS url,
        first(language ORDER BY is_copy, article_id) FILTER (WHERE language IS NOT NULL) AS language,
        first(published_at ORDER BY date_rank, is_copy, published_at) FILTER (WHERE published_at IS NOT NULL)
                                                                                         AS published_at,
        first(CASE WHEN is_copy THEN 'duplicate_of' ELSE date_source END
              ORDER BY date_rank, is_copy, published_at) FILTER (WHERE published_at IS NOT NULL)
                                                                                         AS date_source,
        first(date_precision ORDER BY date_rank, is_copy, published_at) FILTER (WHERE published_at IS NOT NULL)
                                                                                         AS date_precision,
        list_distinct(flatten(list(agencies)))                                           AS agencies,
        count(*)                                                                         AS copies,
        list(source_uri ORDER BY is_copy, article_id)                                    AS sources
    FROM stg_article_members
    GROUP BY canonical_id
)
SELECT
    c.canonical_id AS article_id,
    c.title, c.byline, coalesce(c.authors, []) AS authors, c.agencies, c.site_name, c.url,
    c.published_at, c.date_source, c.date_precision, c.language,
    a.dateline_place, a.text, a.word_count, c.copies, c.sources, a.load_id
FROM clusters c
JOIN articles a ON a.article_id = c.canonical_id;

-- Rejected inputs by reason, over all loads.
CREATE VIEW rejects_by_reason AS
SELECT reason, stage, count(*) AS inputs, any_value(source_uri) AS example
FROM rejects
GROUP BY reason, stage;

-- Per-site extraction health: how often we get a title, a date and an author.
CREATE VIEW site_health AS
SELECT
    coalesce(site_name, '(unknown)')                     AS site_name,
    count(*)                                             AS articles,
    avg(CASE WHEN title IS NOT NULL THEN 1 ELSE 0 END)   AS with_title,
    avg(CASE WHEN published_at IS NOT NULL THEN 1 ELSE 0 END) AS with_date,
    avg(CASE WHEN len(authors) > 0 THEN 1 ELSE 0 END)    AS with_author,
    median(word_count)                                   AS median_words
FROM articles
GROUP BY 1;
