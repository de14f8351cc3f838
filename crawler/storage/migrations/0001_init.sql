-- The record of the service: articles by content, every URL they were found at,
-- the history of each URL's content, and what validation refused.

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
CREATE TABLE IF NOT EXISTS article_urls (
    canonical_url  text        PRIMARY KEY,
    url            text        NOT NULL,
    article_id     bigint      NOT NULL REFERENCES articles (id),
    site           text        NOT NULL DEFAULT '',
    seed_url       text,
    prev_url       text,
    next_url       text,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS article_urls_article ON article_urls (article_id);
CREATE INDEX IF NOT EXISTS article_urls_seed ON article_urls (seed_url);

-- Every content a URL has shown, oldest first; a new row only when the content changed.
CREATE TABLE IF NOT EXISTS article_versions (
    id             bigserial   PRIMARY KEY,
    canonical_url  text        NOT NULL,
    article_id     bigint      NOT NULL REFERENCES articles (id),
    content_hash   text        NOT NULL,
    seen_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (canonical_url, content_hash)
);

CREATE TABLE IF NOT EXISTS rejected_items (
    id           bigserial   PRIMARY KEY,
    url          text,
    reason       text        NOT NULL,
    raw          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    worker       text,
    rejected_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rejected_items_at ON rejected_items (rejected_at);

CREATE TABLE IF NOT EXISTS crawl_runs (
    id          bigserial   PRIMARY KEY,
    worker      text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    reason      text,
    stats       jsonb       NOT NULL DEFAULT '{}'::jsonb
);
