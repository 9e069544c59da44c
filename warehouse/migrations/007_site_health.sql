-- Per-site extraction health against the site's previous 7 days, and the template-change
-- alerts a run raised (transforms/site_health.py holds the rule).

-- One row per article: the extraction facts site health is made of, with its load's start.
CREATE VIEW stg_article_health AS
SELECT
    a.load_id,
    l.started_at,
    coalesce(a.site_name, '(unknown)')                      AS site_name,
    a.title IS NOT NULL                                     AS has_title,
    a.published_at IS NOT NULL                              AS has_date,
    -- a month or a year is not a publication date a reader can use
    a.published_at IS NOT NULL AND a.date_precision = 'day' AS has_day_date,
    len(a.authors) > 0                                      AS has_author,
    a.word_count
FROM articles a
JOIN loads l USING (load_id);

-- site_health_by_load (003) built on the staging view, with the share with a day-precise date added last.
CREATE OR REPLACE VIEW site_health_by_load AS
SELECT
    load_id,
    site_name,
    count(*)                      AS articles,
    avg(has_title::INTEGER)       AS with_title,
    avg(has_date::INTEGER)        AS with_date,
    avg(has_author::INTEGER)      AS with_author,
    median(word_count)            AS median_words,
    avg(has_day_date::INTEGER)    AS with_day_date
FROM stg_article_health
GROUP BY load_id, site_name;

-- Each load's per-site health beside the site's baseline: the articles of earlier loads that
-- started within the 7 days before it. Written once, at the end of the load (Writer.record_site_health),
-- so it is what the run compared and alerted on. A table, not a view: DuckDB pushes a literal
-- load_id filter into such a view, but not `load_id = (SELECT ...)`, and then compares every
-- load with its week (out of memory after a minute on 1M articles at the 512 MB cap).
CREATE TABLE site_health_checks (
    load_id                VARCHAR NOT NULL,
    site_name              VARCHAR NOT NULL,
    articles               INTEGER NOT NULL,
    with_title             DOUBLE NOT NULL,
    with_day_date          DOUBLE NOT NULL,
    with_author            DOUBLE NOT NULL,
    median_words           DOUBLE NOT NULL,
    baseline_loads         INTEGER NOT NULL,  -- earlier loads in the 7 days that had articles from the site
    baseline_articles      INTEGER NOT NULL,  -- 0: a new site (the baseline columns are NULL)
    baseline_with_title    DOUBLE,
    baseline_with_day_date DOUBLE,
    baseline_with_author   DOUBLE,
    baseline_median_words  DOUBLE,
    checked_at             TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (load_id, site_name)
);

-- A site whose extraction fell sharply in one load: most likely its page template changed.
CREATE TABLE site_alerts (
    load_id           VARCHAR NOT NULL,
    site_name         VARCHAR NOT NULL,
    field             VARCHAR NOT NULL,  -- title | date | author | median_words
    baseline          DOUBLE NOT NULL,   -- share (0-1) or median words over the previous 7 days
    observed          DOUBLE NOT NULL,   -- the same figure in this load
    articles          INTEGER NOT NULL,  -- the site's articles in this load
    baseline_articles INTEGER NOT NULL,
    raised_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (load_id, site_name, field)
);
