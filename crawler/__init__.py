"""Article crawl service: Scrapy spiders that follow previous/next links, a Redis
frontier shared by worker processes, and PostgreSQL storage."""

__version__ = "0.1.0"
