"""User interfaces: the Gradio chat UI (and, later, the HTTP API)."""
