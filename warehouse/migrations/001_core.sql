-- The warehouse contract (README, "The warehouse"): loads, documents, articles, duplicates, rejects,
-- plus what incremental loading and deduplication need to remember between runs.

CREATE TABLE loads (
    load_id      VARCHAR PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,          -- running | completed | failed
    flow_run_id  VARCHAR,                   -- the Prefect flow run that did this load
    discovered   INTEGER NOT NULL DEFAULT 0,
    loaded       INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    message      VARCHAR
);

-- Raw bytes, content-addressed and zlib-compressed, so a newer extractor can re-process
-- without re-reading or re-fetching.
CREATE TABLE raw_blobs (
    content_sha256 VARCHAR PRIMARY KEY,
    compression    VARCHAR NOT NULL,
    bytes          BIGINT NOT NULL,
    data           BLOB NOT NULL
);

CREATE TABLE documents (
    doc_id         VARCHAR PRIMARY KEY,     -- hash of (source_uri, content_sha256)
    source_uri     VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    media_type     VARCHAR,                 -- NULL when the bytes were never recognised
    encoding       VARCHAR,
    bytes          BIGINT NOT NULL,
    load_id        VARCHAR NOT NULL
);

CREATE TABLE articles (
    article_id        VARCHAR PRIMARY KEY,
    doc_id            VARCHAR NOT NULL,
    source_uri        VARCHAR NOT NULL,
    url               VARCHAR,
    title             VARCHAR,
    byline            VARCHAR,
    authors           VARCHAR[] NOT NULL,
    agencies          VARCHAR[] NOT NULL,
    site_name         VARCHAR,
    published_at      DATE,
    date_source       VARCHAR,
    date_precision    VARCHAR,
    dateline_place    VARCHAR,
    dateline_text     VARCHAR,
    dateline_month    TINYINT,
    dateline_day      TINYINT,
    language          VARCHAR,
    media_type        VARCHAR NOT NULL,
    text              VARCHAR NOT NULL,
    word_count        INTEGER NOT NULL,
    extractor_version VARCHAR NOT NULL,
    load_id           VARCHAR NOT NULL
);

CREATE TABLE duplicates (
    article_id   VARCHAR PRIMARY KEY,
    duplicate_of VARCHAR NOT NULL,
    method       VARCHAR NOT NULL,          -- url | exact | near
    similarity   DOUBLE NOT NULL,           -- estimated Jaccard of word 5-gram shingles
    load_id      VARCHAR NOT NULL
);

CREATE TABLE rejects (
    load_id        VARCHAR NOT NULL,
    source_uri     VARCHAR NOT NULL,
    stage          VARCHAR NOT NULL,
    reason         VARCHAR NOT NULL,
    detail         VARCHAR,
    content_sha256 VARCHAR
);

-- What each input path looked like when last seen: a re-run recognises unchanged files from
-- size and mtime without reading them.
CREATE TABLE source_files (
    source_uri     VARCHAR PRIMARY KEY,
    size           BIGINT,
    mtime_ns       BIGINT,
    content_sha256 VARCHAR,
    outcome        VARCHAR NOT NULL,        -- loaded | duplicate | rejected
    load_id        VARCHAR NOT NULL
);

-- Dedup evidence kept between runs: exact and URL keys, the MinHash signature, and its LSH
-- band hashes (joined against a new batch's bands to find near-duplicate candidates).
CREATE TABLE fingerprints (
    article_id VARCHAR PRIMARY KEY,
    exact_key  VARCHAR NOT NULL,
    url_key    VARCHAR,
    minhash    UINTEGER[] NOT NULL
);

CREATE TABLE minhash_bands (
    band       SMALLINT NOT NULL,
    band_hash  BIGINT NOT NULL,
    article_id VARCHAR NOT NULL
);
