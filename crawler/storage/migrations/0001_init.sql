-- The record of the service: articles by content, every URL they were found at,
-- the history of each URL's content, what validation refused, and crawl runs.

-- One row per distinct content (content_hash = hex SHA-256 of the normalized body).
-- url / canonical_url / prev_url / next_url are those of the first URL it was found at.
CREATE TABLE IF NOT EXISTS articles (
    id             bigserial PRIMARY KEY,
    content_hash   text        NOT NULL UNIQUE,
    url            text        NOT NULL,
    canonical_url  text        NOT NULL,
    profile        text        NOT NULL,
    title          text        NOT NULL,
    body_text      text        NOT NULL,
    published_at   timestamptz,
    author         text,
    source         text,
    images         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    prev_url       text,
    next_url       text,
    site           text        NOT NULL DEFAULT '',
    first_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS articles_site_first_seen ON articles (site, first_seen_at);
CREATE INDEX IF NOT EXISTS articles_published_at ON articles (published_at);

-- One row per canonical URL: the article its content is now, and the links it
-- showed when last fetched (the chain ends and the recovery frontier come from here).
-- content_hash / version are the URL's current content and its number in
-- article_versions; changed_at is when the content last changed.
CREATE TABLE IF NOT EXISTS article_urls (
    canonical_url  text        PRIMARY KEY,
    url            text        NOT NULL,
    article_id     bigint      NOT NULL REFERENCES articles (id),
    site           text        NOT NULL DEFAULT '',
    seed_url       text,
    prev_url       text,
    next_url       text,
    content_hash   text        NOT NULL,
    version        integer     NOT NULL DEFAULT 1,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    changed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS article_urls_article ON article_urls (article_id);
CREATE INDEX IF NOT EXISTS article_urls_seed ON article_urls (seed_url);
CREATE INDEX IF NOT EXISTS article_urls_site_last_seen ON article_urls (site, last_seen_at);

-- Every content a URL has shown, numbered 1, 2, 3 ... in order; a new row only when the
-- content differs from the URL's current one. Keyed by (canonical_url, version), not by
-- (canonical_url, content_hash), so that a page going A -> B -> A keeps all three steps.
CREATE TABLE IF NOT EXISTS article_versions (
    id             bigserial   PRIMARY KEY,
    canonical_url  text        NOT NULL,
    version        integer     NOT NULL,
    article_id     bigint      NOT NULL REFERENCES articles (id),
    content_hash   text        NOT NULL,
    url            text        NOT NULL,
    seen_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (canonical_url, version)
);
CREATE INDEX IF NOT EXISTS article_versions_article ON article_versions (article_id);

-- What validation (or, for a row PostgreSQL itself refused, the store) did not keep:
-- reason is a short stable code (missing_title, body_too_long ...), message says it
-- for people, raw holds the item's fields as received. key makes a retried write of
-- the same refusal a no-op.
CREATE TABLE IF NOT EXISTS rejected_items (
    id           bigserial   PRIMARY KEY,
    key          uuid        UNIQUE,
    url          text,
    reason       text        NOT NULL,
    message      text        NOT NULL DEFAULT '',
    raw          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    worker       text,
    run_id       bigint,
    rejected_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rejected_items_at ON rejected_items (rejected_at);
CREATE INDEX IF NOT EXISTS rejected_items_reason ON rejected_items (reason);

-- One row per worker run; the counters are added in the same transaction as the
-- writes they count, so they hold even for a run that was killed.
CREATE TABLE IF NOT EXISTS crawl_runs (
    id          bigserial   PRIMARY KEY,
    worker      text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    reason      text,
    stored      bigint      NOT NULL DEFAULT 0,
    duplicates  bigint      NOT NULL DEFAULT 0,
    versions    bigint      NOT NULL DEFAULT 0,
    unchanged   bigint      NOT NULL DEFAULT 0,
    rejected    bigint      NOT NULL DEFAULT 0,
    batches     bigint      NOT NULL DEFAULT 0,
    stats       jsonb       NOT NULL DEFAULT '{}'::jsonb
);
