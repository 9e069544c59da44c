-- Per-site extraction health of each load: what a run's summary artifact reports.
CREATE VIEW site_health_by_load AS
SELECT
    load_id,
    coalesce(site_name, '(unknown)')                          AS site_name,
    count(*)                                                  AS articles,
    avg(CASE WHEN title IS NOT NULL THEN 1 ELSE 0 END)        AS with_title,
    avg(CASE WHEN published_at IS NOT NULL THEN 1 ELSE 0 END) AS with_date,
    avg(CASE WHEN len(authors) > 0 THEN 1 ELSE 0 END)         AS with_author,
    median(word_count)                                        AS median_words
FROM articles
GROUP BY load_id, 2;
