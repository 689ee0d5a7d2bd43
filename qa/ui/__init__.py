"""User interfaces: the Gradio chat (`chat.py`) and the HTML of citation cards and document pages (`cards.py`)."""
