"""Gradio entry point: `python app.py` serves the chat UI over the index of corpus/.

Every setting comes from the environment (QA_CORPUS, QA_INDEX, QA_MODEL, QA_HOST, QA_PORT…,
see `qa.config.Settings.from_env`), as for `qa serve`.
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
        loading = start_loading(settings)  # the index and the model load while the server's modules are imported
        from qa.server import serve

        serve(settings, loading=loading)
    except QAError as exc:
        print(f"错误：{exc.zh} / error: {exc.en}", file=sys.stderr)
        sys.exit(1)
