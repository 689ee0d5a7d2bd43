"""Ingestion: files → clean documents with metadata → passages."""
