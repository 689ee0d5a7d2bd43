"""Named errors with a Chinese and an English message that say how to fix the problem.

Callers raise them deep inside; the edges translate them: the CLI prints one
line and exits non-zero, the UI shows the Chinese message, the API returns a
4xx JSON body.
"""

from __future__ import annotations


class QAError(Exception):
    """Base of every error a user may see."""

    code = "error"

    def __init__(self, zh: str, en: str) -> None:
        """Args: zh: message in Chinese. en: the same message in English."""
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    def to_dict(self) -> dict[str, str]:
        """The error as the JSON body the API and `--json` output use."""
        return {"code": self.code, "message": self.zh, "message_en": self.en}


class InputError(QAError):
    """The question (or another user input) is unusable."""

    code = "bad_input"


class IndexNotFoundError(QAError):
    """No index has been built where one was expected."""

    code = "index_not_found"


class IndexMismatchError(QAError):
    """The index was built with another model, tokenizer or corpus."""

    code = "index_mismatch"


class IndexCorruptError(QAError):
    """An index file is missing, truncated or altered."""

    code = "index_corrupt"


class ConfigError(QAError):
    """A setting (environment variable or flag) has an unusable value."""

    code = "bad_config"


class ModelError(QAError):
    """The embedding model cannot be found or loaded."""

    code = "model_error"


class DocumentNotFoundError(QAError):
    """A document id that the index does not hold."""

    code = "document_not_found"
