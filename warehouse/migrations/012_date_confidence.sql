-- How sure extraction is of an article's date: 'high' for a date the page declares or prints
-- as its own, 'low' for a last-resort reading (htmldate's guess, or a revision day the page
-- shows instead of its first one). Articles loaded before this column have NULL.
ALTER TABLE articles ADD COLUMN date_confidence VARCHAR;
COMMENT ON COLUMN articles.date_confidence IS 'high | low: how sure extraction is of published_at (NULL: loaded before it was kept, or no date)';

-- The views again, so that they carry the new column (a view's columns are fixed when it is made).
CREATE OR REPLACE VIEW stg_article_members AS
SELECT
    a.*,
    coalesce(d.duplicate_of, a.article_id) AS canonical_id,
    d.article_id IS NOT NULL               AS is_copy,
    d.method                               AS duplicate_method,
    CASE a.date_precision WHEN 'day' THEN 0 WHEN 'month' THEN 1 WHEN 'year' THEN 2 ELSE 3 END
                                           AS date_rank
FROM articles a
LEFT JOIN duplicates d USING (article_id);

CREATE OR REPLACE VIEW articles_canonical AS
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
        first(date_confidence ORDER BY date_rank, is_copy, published_at) FILTER (WHERE published_at IS NOT NULL)
                                                                                         AS date_confidence,
        list_distinct(flatten(list(agencies)))                                           AS agencies,
        count(*)                                                                         AS copies,
        list(source_uri ORDER BY is_copy, article_id)                                    AS sources
    FROM stg_article_members
    GROUP BY canonical_id
)
SELECT
    c.canonical_id AS article_id,
    c.title, c.byline, coalesce(c.authors, []) AS authors, c.agencies, c.site_name, c.url,
    c.published_at, c.date_source, c.date_precision, c.date_confidence, c.language,
    a.dateline_place, a.text, a.word_count, c.copies, c.sources, a.load_id
FROM clusters c
JOIN articles a ON a.article_id = c.canonical_id;

-- Replacing a view drops its comment: the comments 016 gives them, for warehouses made before.
COMMENT ON VIEW stg_article_members IS 'Staging: each article with the cluster (canonical article) it belongs to.';
COMMENT ON VIEW articles_canonical IS 'One row per distinct article: the first copy''s text, metadata completed from its copies.';
