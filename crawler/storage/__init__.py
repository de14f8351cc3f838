"""PostgreSQL storage: schema migrations and the queries the pipelines and commands use."""
