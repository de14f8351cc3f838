"""Item pipelines, in order: validate -> normalize -> dedupe -> store."""
