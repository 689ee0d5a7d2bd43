"""Gradio entry point: `python app.py` serves the chat UI over the index of corpus/.

Reads QA_CORPUS, QA_INDEX, QA_MODEL, QA_HOST, QA_PORT from the environment.
"""

from __future__ import annotations

import os
import sys

from qa.config import Settings
from qa.errors import QAError
from qa.ui.app import serve

if __name__ == "__main__":
    try:
        serve(
            Settings.from_env(os.environ),
            host=os.environ.get("QA_HOST", "127.0.0.1"),
            port=int(os.environ.get("QA_PORT", "7860")),
        )
    except QAError as exc:
        print(f"错误：{exc.zh} / error: {exc.en}", file=sys.stderr)
        sys.exit(1)
