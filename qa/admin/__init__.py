"""The site owner's console: sign-in, documents and indexing, retrieval testing, the question log and report."""
