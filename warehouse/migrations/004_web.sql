-- Web sources: what each URL returned last time, the raw HTTP responses, and every fetch.

-- Web discovery figures per load. Entries a listing dates before a source's `since`, and
-- entries over its max_articles (fetched on a later run), are not inputs of the load.
-- (DuckDB cannot add NOT NULL columns; the defaults keep them filled.)
ALTER TABLE loads ADD COLUMN listings INTEGER DEFAULT 0;
ALTER TABLE loads ADD COLUMN skipped_older INTEGER DEFAULT 0;
ALTER TABLE loads ADD COLUMN deferred INTEGER DEFAULT 0;

-- One row per URL ever requested (normalized, as requested): the validators for the next
-- conditional GET, and whether it is settled (loaded, duplicate, or refused for good), in
-- which case a feed or sitemap listing it again costs no request.
CREATE TABLE web_resources (
    url            VARCHAR PRIMARY KEY,
    kind           VARCHAR NOT NULL,        -- page | feed | sitemap | sitemap_index
    final_url      VARCHAR,                 -- after redirects
    status         SMALLINT,                -- last HTTP status; NULL when no response arrived
    etag           VARCHAR,
    last_modified  VARCHAR,                 -- as the server sent it, echoed in If-Modified-Since
    content_sha256 VARCHAR,                 -- the last body received (raw_blobs)
    outcome        VARCHAR NOT NULL,        -- loaded | duplicate | rejected | listing
    reason         VARCHAR,                 -- the rejection reason, when rejected
    fetched_at     TIMESTAMPTZ,
    load_id        VARCHAR NOT NULL
);

-- Raw HTTP responses: status, final URL and headers beside the body kept in raw_blobs, so
-- re-extraction needs no network. Cookies and credentials are never stored.
CREATE TABLE http_responses (
    url            VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    final_url      VARCHAR NOT NULL,
    status         SMALLINT NOT NULL,
    headers        STRUCT(name VARCHAR, value VARCHAR)[] NOT NULL,
    fetched_at     TIMESTAMPTZ NOT NULL,
    load_id        VARCHAR NOT NULL,
    PRIMARY KEY (url, content_sha256)
);

-- Every URL a load asked for, with what happened: the run summary's fetch figures.
CREATE TABLE fetches (
    load_id    VARCHAR NOT NULL,
    url        VARCHAR NOT NULL,
    host       VARCHAR NOT NULL,            -- host[:port], the unit of politeness
    kind       VARCHAR NOT NULL,            -- page | feed | sitemap | sitemap_index | listing
    status     SMALLINT,                    -- final HTTP status; NULL when none arrived
    outcome    VARCHAR NOT NULL,            -- ok | not_modified | the rejection reason
    requests   SMALLINT NOT NULL,           -- HTTP requests sent: attempts and redirect hops
    redirects  SMALLINT NOT NULL,
    bytes      BIGINT NOT NULL,             -- body bytes received (decompressed)
    elapsed_ms DOUBLE NOT NULL,             -- all attempts included
    fetched_at TIMESTAMPTZ
);

-- Fetch figures per load and host: requests, bytes, statuses, latency.
CREATE VIEW fetch_health_by_load AS
SELECT
    load_id,
    host,
    count(*)                                            AS urls,
    sum(requests)                                       AS requests,
    sum(bytes)                                          AS bytes,
    count(*) FILTER (WHERE outcome = 'ok')              AS ok,
    count(*) FILTER (WHERE outcome = 'not_modified')    AS not_modified,
    count(*) FILTER (WHERE outcome = 'robots_denied')   AS robots_denied,
    count(*) FILTER (WHERE outcome NOT IN ('ok', 'not_modified')) AS failed,
    quantile_cont(elapsed_ms, 0.5) FILTER (WHERE requests > 0) AS median_ms,
    quantile_cont(elapsed_ms, 0.95) FILTER (WHERE requests > 0) AS p95_ms
FROM fetches
GROUP BY load_id, host;
