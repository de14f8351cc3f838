"""Last pipeline: write items to PostgreSQL in batches, durably.

``StorePipeline.process_item`` returns only once the transaction holding its item is
committed (the Redis frontier acknowledges a request only after that). Items are
gathered into batches (``CRAWLER_STORE_BATCH_SIZE`` items or
``CRAWLER_STORE_BATCH_TIMEOUT`` seconds) and each batch is written by
:func:`write_items` in one transaction; while PostgreSQL is away the items are held
and the batch retried every ``CRAWLER_STORE_RETRY_INTERVAL`` seconds.

Deduplication is decided here, by the database: ``articles`` is ``UNIQUE
(content_hash)``, so whatever number of workers write the same content at once, one
article is stored and every URL gets its ``article_urls`` row pointing at it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem, Image
from crawler.urls import site_of
from pipelines.database import Database, Rejection
from pipelines.validate import raw_fields

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


#: A batch ends before its bodies add up to more characters than this, so that a run of
#: very long articles is not sent as one statement of hundreds of megabytes.
MAX_BATCH_BODY_CHARS = 16_000_000


@dataclass(frozen=True)
class StoreOutcome:
    """What writing one item did.

    ``new_article``: its content was new and this item stored it. ``new_url``: its
    canonical URL was new. ``changed``: its URL was known with another content, so a
    new version was written.
    """

    article_id: int
    new_article: bool
    new_url: bool
    changed: bool

    @property
    def kind(self) -> str:
        """``stored`` (new content), ``duplicate`` (known content at a new URL),
        ``version`` (a known URL now showing known content it did not show before) or
        ``unchanged`` (a re-fetch of the same content: nothing new written)."""
        if self.new_article:
            return "stored"
        if self.new_url:
            return "duplicate"
        if self.changed:
            return "version"
        return "unchanged"


_SELECT_ARTICLE_IDS = "SELECT content_hash, id FROM articles WHERE content_hash = ANY(%b::text[])"

_INSERT_ARTICLES = """
INSERT INTO articles (content_hash, url, canonical_url, profile, title, body_text,
                      published_at, author, source, images, prev_url, next_url, site)
SELECT h, u, cu, p, t, b, pa::timestamptz, a, s, i::jsonb, pu, nu, st
FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[],
            %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[])
     AS t(h, u, cu, p, t, b, pa, a, s, i, pu, nu, st)
ORDER BY h
ON CONFLICT (content_hash) DO NOTHING
RETURNING content_hash, id
"""

# One statement per round: upsert the URLs (the row lock of ON CONFLICT DO UPDATE
# orders concurrent writers of one URL), bump a URL's version when its content
# differs, and record that version. An unchanged re-fetch keeps its version, so its
# (canonical_url, version) row exists and nothing new is written.
_UPSERT_URLS = """
WITH input AS (
    SELECT * FROM unnest(%b::text[], %b::text[], %b::bigint[], %b::text[], %b::text[],
                         %b::text[], %b::text[], %b::text[])
        AS t(canonical_url, url, article_id, site, seed_url, prev_url, next_url, content_hash)
    ORDER BY canonical_url
), up AS (
    INSERT INTO article_urls AS u (canonical_url, url, article_id, site, seed_url,
                                   prev_url, next_url, content_hash, version)
    SELECT canonical_url, url, article_id, site, seed_url, prev_url, next_url, content_hash, 1
    FROM input
    ON CONFLICT (canonical_url) DO UPDATE SET
        url = EXCLUDED.url,
        article_id = EXCLUDED.article_id,
        site = EXCLUDED.site,
        seed_url = coalesce(EXCLUDED.seed_url, u.seed_url),
        prev_url = EXCLUDED.prev_url,
        next_url = EXCLUDED.next_url,
        last_seen_at = now(),
        version = u.version + (u.content_hash <> EXCLUDED.content_hash)::int,
        changed_at = CASE WHEN u.content_hash <> EXCLUDED.content_hash
                          THEN now() ELSE u.changed_at END,
        content_hash = EXCLUDED.content_hash
    RETURNING u.canonical_url, u.url, u.article_id, u.content_hash, u.version,
              (u.xmax = 0) AS inserted
), ver AS (
    INSERT INTO article_versions (canonical_url, version, article_id, content_hash, url)
    SELECT canonical_url, version, article_id, content_hash, url FROM up
    ON CONFLICT (canonical_url, version) DO NOTHING
    RETURNING canonical_url
)
SELECT up.canonical_url, up.inserted, ver.canonical_url IS NOT NULL
FROM up LEFT JOIN ver USING (canonical_url)
"""

_UPDATE_RUN = """
UPDATE crawl_runs SET stored = stored + %s, duplicates = duplicates + %s,
       versions = versions + %s, unchanged = unchanged + %s, batches = batches + 1
WHERE id = %s
"""


def _images_json(images: Sequence[Image | dict[str, Any]]) -> str:
    return json.dumps(
        [img if isinstance(img, dict) else asdict(img) for img in images], ensure_ascii=False
    )


async def _article_ids(conn: AsyncConnection[Any], hashes: list[str]) -> dict[str, int]:
    cur = await conn.execute(_SELECT_ARTICLE_IDS, (hashes,))
    return {h: int(i) for h, i in await cur.fetchall()}


async def write_items(
    conn: AsyncConnection[Any],
    items: Sequence[ArticleItem],
    *,
    run_id: int | None = None,
    skip_known: bool = True,
) -> list[StoreOutcome]:
    """Write normalized ``items`` inside the caller's transaction; one outcome per item.

    1. ids of the contents already stored (one query; bodies of known contents are
       never sent again);
    2. insert the new contents ``ON CONFLICT (content_hash) DO NOTHING`` — the first
       item of a content in the batch stores it — and read the ids of those a
       concurrent writer committed meanwhile;
    3. upsert ``article_urls`` and write ``article_versions`` for new or changed URLs,
       in rounds so that a URL appearing twice in a batch is written in order;
    4. add the outcomes to the run's counters (``crawl_runs``).

    ``skip_known=False`` leaves out step 1 and sends every body to the INSERT (the
    benchmark measures what step 1 saves).

    Rows are taken in a fixed order (by hash, then by URL) so concurrent writers do
    not deadlock in the usual case; a deadlock that happens anyway rolls back and
    the caller retries the batch. Writing a batch twice is harmless.
    """
    if not items:
        return []
    hashes = list(dict.fromkeys(item.content_hash for item in items))
    ids = await _article_ids(conn, hashes) if skip_known else {}

    creators: dict[str, int] = {}  # content_hash -> index of the item that may store it
    for index, item in enumerate(items):
        if item.content_hash not in ids:
            creators.setdefault(item.content_hash, index)
    created: set[str] = set()
    if creators:
        new = [items[i] for i in creators.values()]
        cur = await conn.execute(
            _INSERT_ARTICLES,
            (
                [it.content_hash for it in new],
                [it.url for it in new],
                [it.canonical_url for it in new],
                [it.profile for it in new],
                [it.title for it in new],
                [it.body_text for it in new],
                [it.published_at for it in new],
                [it.author for it in new],
                [it.source for it in new],
                [_images_json(it.images) for it in new],
                [it.prev_url for it in new],
                [it.next_url for it in new],
                [site_of(it.url) for it in new],
            ),
        )
        inserted = {h: int(i) for h, i in await cur.fetchall()}
        created = set(inserted)
        ids.update(inserted)
        missing = [h for h in creators if h not in ids]
        if missing:
            # Stored by a concurrent writer whose commit our insert waited for.
            ids.update(await _article_ids(conn, missing))
        lost = [h for h in hashes if h not in ids]
        if lost:
            raise RuntimeError(f"articles vanished while being stored: {lost[:3]}")

    # Rounds: the n-th occurrence of a URL in the batch goes in round n.
    rounds: list[list[int]] = []
    seen: Counter[str] = Counter()
    for index, item in enumerate(items):
        n = seen[item.canonical_url]
        seen[item.canonical_url] += 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(index)

    url_results: dict[int, tuple[bool, bool]] = {}
    for indexes in rounds:
        batch = [items[i] for i in indexes]
        cur = await conn.execute(
            _UPSERT_URLS,
            (
                [it.canonical_url for it in batch],
                [it.url for it in batch],
                [ids[it.content_hash] for it in batch],
                [site_of(it.url) for it in batch],
                [it.seed_url for it in batch],
                [it.prev_url for it in batch],
                [it.next_url for it in batch],
                [it.content_hash for it in batch],
            ),
        )
        by_url = {url: (bool(ins), bool(ver)) for url, ins, ver in await cur.fetchall()}
        for i in indexes:
            url_results[i] = by_url[items[i].canonical_url]

    outcomes = []
    for index, item in enumerate(items):
        new_url, new_version = url_results[index]
        outcomes.append(
            StoreOutcome(
                article_id=ids[item.content_hash],
                new_article=item.content_hash in created and creators[item.content_hash] == index,
                new_url=new_url,
                changed=new_version and not new_url,
            )
        )
    if run_id is not None:
        kinds = Counter(o.kind for o in outcomes)
        versions = sum(1 for o in outcomes if o.changed)
        await conn.execute(
            _UPDATE_RUN,
            (kinds["stored"], kinds["duplicate"], versions, kinds["unchanged"], run_id),
        )
    return outcomes


class StorePipeline:
    """Stores each item in PostgreSQL and returns it once its batch is committed.

    Stats: ``store/stored`` (new contents), ``store/duplicates`` (known content at a
    new URL), ``store/versions`` (a known URL whose content changed), ``store/unchanged``
    (re-fetches that wrote nothing new), ``store/batches``, ``store/retries`` and
    ``store/errors`` (items PostgreSQL refused; they go to ``rejected_items`` with the
    reason ``store_error`` and are dropped). The same counts are added to the run's
    ``crawl_runs`` row in the transactions that write the items.
    """

    def __init__(self, database: Database, stats: StatsCollector | None = None) -> None:
        self.database = database
        self.stats = stats
        # Two batches in flight: one is encoded while the other is in PostgreSQL. Items
        # of one URL never share two batches in flight, so a page's states keep their order.
        self.writer = database.writer(
            self._write,
            name="articles",
            unit="items",
            stats_prefix="store",
            max_concurrent=2,
            key=lambda item: item.canonical_url,
            weight=lambda item: len(item.body_text),
            max_batch_weight=MAX_BATCH_BODY_CHARS,
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(Database.from_crawler(crawler), crawler.stats)

    async def open_spider(self) -> None:
        await self.database.open()

    async def close_spider(self) -> None:
        try:
            await self.writer.close()
        finally:
            await self.database.close()

    async def _write(
        self, conn: AsyncConnection[Any], items: Sequence[ArticleItem]
    ) -> list[StoreOutcome]:
        return await write_items(conn, items, run_id=self.database.run_id)

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        try:
            outcome = await self.writer.submit(item)
        except psycopg.Error as exc:
            # PostgreSQL refused this item's data (it is not merely unreachable: that
            # is waited out). Keep it where refusals go, then drop it.
            message = " ".join(str(exc).split())
            await self.database.reject(
                Rejection(url=item.url, reason="store_error", message=message, raw=raw_fields(item))
            )
            if self.stats is not None:
                self.stats.inc_value("store/errors")
            raise DropItem(f"store_error: {message}", log_level="ERROR") from exc
        if self.stats is not None:
            kind = outcome.kind
            self.stats.inc_value(
                {"stored": "store/stored", "duplicate": "store/duplicates",
                 "version": "store/versions", "unchanged": "store/unchanged"}[kind]
            )
            if outcome.changed and kind == "stored":
                self.stats.inc_value("store/versions")
        return item
