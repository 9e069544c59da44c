-- Enrichment: entities and their mentions, quotes with speakers, key phrases, agencies,
-- stories and wire lineage.

-- Whether each article went through the NLP pass, and if not, why (e.g. language_de).
CREATE TABLE enrichment (
    article_id VARCHAR PRIMARY KEY,
    status     VARCHAR NOT NULL,            -- enriched | skipped
    reason     VARCHAR,                     -- why it was skipped
    model      VARCHAR,                     -- the NLP model that enriched it
    load_id    VARCHAR NOT NULL
);

-- One row per normalized entity: "President Putin", "Putin" and "Vladimir Putin" are one.
-- entity_id is a hash of type and canonical name, so it is stable across runs.
CREATE TABLE entities (
    entity_id     VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    type          VARCHAR NOT NULL,         -- PERSON | ORG | GPE | NORP | LOC | FAC | EVENT
    country_code  VARCHAR,                  -- ISO 3166-1 alpha-2, for countries
    first_load_id VARCHAR NOT NULL
);

CREATE TABLE mentions (
    article_id VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL,
    surface    VARCHAR NOT NULL,            -- as written
    start_char INTEGER NOT NULL,            -- offsets into articles.text
    end_char   INTEGER NOT NULL,
    load_id    VARCHAR NOT NULL
);

CREATE TABLE quotes (
    quote_id          VARCHAR PRIMARY KEY,  -- hash of article and offsets
    article_id        VARCHAR NOT NULL,
    text              VARCHAR NOT NULL,
    speaker_entity_id VARCHAR,              -- NULL when the text does not say who spoke
    speaker_text      VARCHAR,              -- as written: "Putin", "he", "the ministry"
    cue               VARCHAR,              -- said, told, according to, ...
    start_char        INTEGER NOT NULL,
    end_char          INTEGER NOT NULL,
    load_id           VARCHAR NOT NULL
);

CREATE TABLE keywords (
    article_id VARCHAR NOT NULL,
    phrase     VARCHAR NOT NULL,
    score      DOUBLE NOT NULL,             -- relative to the article's best phrase (1.0)
    load_id    VARCHAR NOT NULL
);

-- News agencies each article credits (byline, dateline, trailer): AFP, AP, Reuters, dpa, ...
CREATE TABLE article_agencies (
    article_id VARCHAR NOT NULL,
    agency     VARCHAR NOT NULL,
    load_id    VARCHAR NOT NULL
);

-- Stories: articles about the same event. Ids never change once given; a new article joins
-- an existing story or starts one, so re-running a load does not reshuffle stories.
CREATE TABLE stories (
    story_id           VARCHAR PRIMARY KEY,
    label              VARCHAR NOT NULL,    -- the first article's title
    first_published_at DATE,
    last_published_at  DATE,
    article_count      INTEGER NOT NULL,
    created_load_id    VARCHAR NOT NULL,
    updated_load_id    VARCHAR NOT NULL
);

-- Each article's story, with the evidence that put it there. Copies (rows of `duplicates`)
-- join their original's story. wire_group_id groups articles sharing wire copy.
CREATE TABLE story_members (
    article_id    VARCHAR PRIMARY KEY,
    story_id      VARCHAR NOT NULL,
    evidence      VARCHAR NOT NULL,         -- new_story | text | entities | duplicate
    score         DOUBLE,                   -- the evidence's strength when it joined
    published_on  DATE,                     -- the date used for the story's time window
    wire_group_id VARCHAR,                  -- the first article of its wire copy group
    containment   DOUBLE,                   -- share of its text found in that group's first article
    load_id       VARCHAR NOT NULL
);
