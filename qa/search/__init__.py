"""Search: encoders, the vector store, BM25, fusion, and the index directory."""
