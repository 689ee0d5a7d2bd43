"""Gradio entry point: `python app.py` serves the chat UI over the index of corpus/.

Reads QA_CORPUS, QA_INDEX, QA_MODEL, QA_HOST, QA_PORT from the environment.
"""

from __future__ import annotations

import os
import sys

from qa.config import Settings
from qa.errors import QAError
from qa.service import start_loading

if __name__ == "__main__":
    try:
        settings = Settings.from_env(os.environ)
        loading = start_loading(settings)  # the index and the model load while Gradio is imported
        from qa.ui.app import serve

        serve(
            settings,
            host=os.environ.get("QA_HOST", "127.0.0.1"),
            port=int(os.environ.get("QA_PORT", "7860")),
            loading=loading,
        )
    except QAError as exc:
        print(f"错误：{exc.zh} / error: {exc.en}", file=sys.stderr)
        sys.exit(1)
