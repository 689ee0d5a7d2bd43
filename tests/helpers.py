"""What several test files share: writing files, the seed corpus, the fake encoder's identity.

Imported as `helpers` (pytest puts this folder on the path); fixtures live in conftest.py.
"""

from __future__ import annotations

from pathlib import Path

from qa.ingest.document import Document
from qa.search.encoder import HashEncoder

TESTS_DIR = Path(__file__).resolve().parent
SEED_DIR = TESTS_DIR.parent / "corpus"
FAKE_DIM = 64
FAKE_MODEL = HashEncoder(dim=FAKE_DIM).name  # what `QA_ENCODER=hash` builds and expects an index with


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    """Write `text` (encoded with `encoding`) or raw bytes to `path`, creating folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def seed_doc(docs: list[Document], prefix: str) -> Document:
    """The seed document whose file name starts with `prefix` ("000" … "004")."""
    found = [d for d in docs if d.path.startswith(prefix)]
    assert len(found) == 1, f"expected one seed document starting with {prefix}, got {[d.path for d in docs]}"
    return found[0]
