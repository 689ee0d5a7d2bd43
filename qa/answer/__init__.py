"""Answering: quotes, the refusal decision, and the JSON contract."""
