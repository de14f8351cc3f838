"""Every project setting with its default, unit and a one-line doc.

This is the one place defaults live. ``crawler.settings`` wires them into
Scrapy; ``crawler.config`` applies environment overrides: ``DATABASE_URL``,
``REDIS_URL`` and ``CRAWLER_<NAME>`` for any setting ``<NAME>`` below or any
Scrapy setting (``CRAWLER_CONCURRENT_REQUESTS=32``).

Components read these only in ``from_crawler``; plain code takes plain values.
"""

from __future__ import annotations

# --- Backends -----------------------------------------------------------------

#: PostgreSQL connection URL (libpq form). ``DATABASE_URL`` overrides it.
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
#: Redis connection URL. ``REDIS_URL`` overrides it.
REDIS_URL = "redis://127.0.0.1:6379/0"
#: Prefix of every Redis key the service writes; two deployments may share one Redis.
CRAWLER_REDIS_PREFIX = "crawler"
#: Seconds to wait for a backend to answer at start before failing with a clear error.
CRAWLER_CONNECT_TIMEOUT = 5.0

# --- Frontier (Redis scheduler) ----------------------------------------------

#: Seconds a request taken by a worker stays leased to it before another worker may take it.
CRAWLER_LEASE_TIMEOUT = 120.0
#: Seconds between lease renewals of a live worker (0: a third of the lease timeout).
CRAWLER_LEASE_RENEW_INTERVAL = 0.0
#: Requests a worker takes from Redis in one round trip (its local prefetch).
CRAWLER_PREFETCH = 16
#: Seconds between flushes of buffered enqueues/acknowledgements to Redis.
CRAWLER_FLUSH_INTERVAL = 0.05
#: Buffered enqueues + acknowledgements that trigger a flush before the interval ends.
CRAWLER_FLUSH_SIZE = 256
#: Number of Redis sets the seen fingerprints are spread over (a power of two).
#: Each set stays in Redis's compact intset encoding while it holds <= 512 members,
#: so 8192 buckets keep ~8 bytes per URL up to about 3.5 million URLs.
CRAWLER_SEEN_BUCKETS = 8192
#: Priority of seed requests (higher is fetched first).
CRAWLER_SEED_PRIORITY = 100
#: Priority added to links in the "next" direction over "prev" links.
CRAWLER_NEXT_PRIORITY_BONUS = 1
#: Default walk direction from a seed: ``prev``, ``next`` or ``both``.
CRAWLER_DIRECTION = "both"
#: Most articles to walk from one seed in each direction, the seed included (0: no limit).
CRAWLER_MAX_PAGES = 0
#: Seconds a worker sleeps on an empty frontier between polls.
CRAWLER_IDLE_POLL = 1.0
#: Seconds the whole frontier (queue and leases) must stay empty before a worker exits
#: (negative: never; ``crawler worker --exit-when-idle`` sets it).
CRAWLER_EXIT_WHEN_IDLE = -1.0
#: Seconds between reconnection attempts while Redis is unreachable.
CRAWLER_REDIS_RETRY_INTERVAL = 2.0
#: Times a request is tried when its items fail in a pipeline with an error (not a refusal).
CRAWLER_MAX_ATTEMPTS = 3
#: Rebuild the frontier and seen set from PostgreSQL when a worker starts on an empty Redis.
CRAWLER_RECOVER_ON_START = True

# --- Politeness shared by the whole fleet ------------------------------------

#: Enforce per-domain concurrency and delay across all workers through Redis.
CRAWLER_FLEET_POLITENESS = True
#: Requests in flight to one domain across the whole fleet.
CRAWLER_DOMAIN_CONCURRENCY = 8
#: Seconds between the starts of two requests to one domain across the fleet.
CRAWLER_DOMAIN_DELAY = 0.0
#: Refuse links to private, loopback and link-local addresses when the seed is public.
CRAWLER_BLOCK_PRIVATE_ADDRESSES = True
#: Hosts always allowed even when private (e.g. the bundled demo site on 127.0.0.1).
CRAWLER_ALLOWED_PRIVATE_HOSTS: list[str] = []

# --- Extraction ---------------------------------------------------------------

#: Extra directory of TOML site profiles, read beside the bundled ones ("" for none).
CRAWLER_PROFILES_DIR = ""
#: Time zone for dates printed without a zone when the site's profile names none.
CRAWLER_DEFAULT_TIMEZONE = "Asia/Seoul"

# --- Storage (PostgreSQL pipelines) ------------------------------------------

#: Items written to PostgreSQL in one batch at most.
CRAWLER_STORE_BATCH_SIZE = 200
#: Seconds an item may wait for its batch to fill before the batch is written anyway.
CRAWLER_STORE_BATCH_TIMEOUT = 0.05
#: Connections in the PostgreSQL pool of one worker.
CRAWLER_PG_POOL_SIZE = 4
#: Seconds between retries of a batch while PostgreSQL is unreachable (items are held, not lost).
CRAWLER_STORE_RETRY_INTERVAL = 2.0
#: Longest body text accepted, in characters; longer items are rejected with the reason.
CRAWLER_MAX_BODY_CHARS = 2_000_000
#: Shortest body text accepted, in characters.
CRAWLER_MIN_BODY_CHARS = 1
#: Longest title accepted, in characters.
CRAWLER_MAX_TITLE_CHARS = 1_000
#: Days into the future a published date may lie before the item is rejected.
CRAWLER_MAX_FUTURE_DAYS = 2
#: Longest article URL accepted, in characters (PostgreSQL cannot index much longer keys).
CRAWLER_MAX_URL_CHARS = 2_000

# --- Operations ---------------------------------------------------------------

#: Port of the ``/metrics`` and ``/healthz`` HTTP endpoint (0: off).
CRAWLER_METRICS_PORT = 0
#: Address the metrics endpoint binds to.
CRAWLER_METRICS_HOST = "127.0.0.1"
#: Python's garbage-collector thresholds while a crawl runs (``gc.set_threshold``; empty
#: list: Python's own, 700/10/10). A worker allocates fast and makes little cyclic
#: garbage; at 700 the collector took ~12% of its CPU (see ``crawler.gctuning``).
CRAWLER_GC_THRESHOLD: list[int] = [10_000, 10, 10]
#: Move everything alive when the crawl starts (modules, settings, compiled selectors) out
#: of the collector's view (``gc.freeze``), so full collections stop walking it.
CRAWLER_GC_FREEZE = True
#: Log format: ``text`` for people, ``json`` for log shippers.
CRAWLER_LOG_FORMAT = "text"
#: Name of this worker in logs, leases and metrics ("" : host name and process id).
CRAWLER_WORKER_ID = ""
#: Schedule file read by ``crawler schedule`` ("" : ``schedule.yaml`` if present).
CRAWLER_SCHEDULE_FILE = ""
#: Seconds between checks of the schedule for due entries.
CRAWLER_SCHEDULE_TICK = 1.0
#: Folder of ``crawler run``'s private PostgreSQL/Redis and worker logs (relative to the working directory).
CRAWLER_DATA_DIR = ".data"
