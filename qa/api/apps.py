"""Apps: what a site owner embeds. An app binds a knowledge base to its settings, to the origins allowed
to embed it, and to its limits; its public key is checked on the server against the request's origin.

A public key is not a secret: it is written in the owner's page. What keeps a copied key from working
on another site is the check here (the browser's `Origin`, which a page cannot forge) and the
`frame-ancestors` policy of the pages that can be framed. A site with its own sign-in can instead
give its visitors a short-lived token its backend signs with the app's secret (HS256, a JWT):
`{"app": "<id>", "exp": <unix time>, "sub": "<visitor id, optional>"}`.

Apps are kept in one JSON file (`Settings.apps_path`), written atomically and read again when it
changes on disk, so `qa apps` and the console can change them while the server runs. The `default`
app is not in the file: it is the `default` knowledge base with the origins of QA_ALLOWED_ORIGINS,
which is how embeds made before apps existed keep working without a key.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qa.config import MAX_TOP_K, Settings
from qa.errors import InputError, QAError
from qa.kbs import DEFAULT, check_name, require

MAX_APPS = 1000
MAX_ORIGINS = 50
MAX_EXAMPLES = 8
MAX_TOKEN_SECONDS = 24 * 3600  # a visitor token living longer than a day is refused
APP_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
KEY_PREFIX = "pk_"
SECRET_PREFIX = "sk_"


class AccessError(QAError):
    """A request an app's key, token or origin list does not allow (HTTP 401/403)."""

    code = "forbidden"

    def __init__(self, code: str, zh: str, en: str, status: int = 403) -> None:
        super().__init__(zh, en)
        self.code, self.status = code, status


@dataclass(frozen=True)
class App:
    """One embedding of a knowledge base. `key` is public; `secret` signs visitor tokens and never leaves
    the server except to the owner (`qa apps`, the console)."""

    id: str
    kb: str = DEFAULT
    title: str | None = None
    welcome: str | None = None
    examples: tuple[str, ...] = ()
    top_k: int = 3
    lang: str = "zh"
    origins: tuple[str, ...] = ()
    key: str = ""
    secret: str = field(default="", repr=False)
    rate_limit: int = 0  # questions per visitor per minute; 0 = the server's QA_RATE_LIMIT
    daily_quota: int = 0  # questions per day for the whole app; 0 = no quota
    revoked: bool = False

    def public(self) -> dict[str, Any]:
        """What a widget may read: the app's look and wording, never its key, secret or origins."""
        return {
            "app": self.id,
            "kb": self.kb,
            "title": self.title,
            "welcome": self.welcome,
            "examples": list(self.examples),
            "top_k": self.top_k,
            "lang": self.lang,
        }

    def owner_view(self) -> dict[str, Any]:
        """Everything but the secret (the console's list)."""
        data = asdict(self)
        data.pop("secret")
        data["examples"], data["origins"] = list(self.examples), list(self.origins)
        return data


def normalize_origin(value: str) -> str:
    """`https://Example.com:443/path` → `https://example.com`: scheme, host and a non-default port.

    Raises:
        InputError: not an http(s) origin.
    """
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise InputError(
            f"来源 {text[:80]!r} 无效：应写成 https://example.com 的形式。",
            f"invalid origin {text[:80]!r}: write it as https://example.com.",
        )
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"来源 {text[:80]!r} 的端口无效。", f"origin {text[:80]!r} has an invalid port.") from None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def origin_of(url: str | None) -> str | None:
    """The origin of a URL (a Referer), or None when it has none."""
    if not url:
        return None
    try:
        return normalize_origin(url)
    except InputError:
        return None


def check_app(app: App) -> App:
    """`app` with its fields checked and tidied.

    Raises:
        InputError: a field out of bounds, saying which.
    """
    if not APP_ID.fullmatch(app.id):
        raise InputError(
            "应用编号只能用小写字母、数字、- 和 _，最多 32 个字符。",
            "app id: a-z, 0-9, - and _, at most 32 characters.",
        )
    check_name(app.kb)
    if len(app.origins) > MAX_ORIGINS or len(app.examples) > MAX_EXAMPLES:
        raise InputError(
            f"来源最多 {MAX_ORIGINS} 个，示例问题最多 {MAX_EXAMPLES} 个。",
            f"at most {MAX_ORIGINS} origins and {MAX_EXAMPLES} example questions.",
        )
    if not 1 <= app.top_k <= min(10, MAX_TOP_K) or app.lang not in ("zh", "en"):
        raise InputError("top_k 应为 1 到 10，语言为 zh 或 en。", "top_k must be 1..10 and lang zh or en.")
    if not 0 <= app.rate_limit <= 10_000 or not 0 <= app.daily_quota <= 10_000_000:
        raise InputError("频率限制或每日额度超出范围。", "rate limit or daily quota out of range.")
    texts = [app.title or "", app.welcome or "", *app.examples]
    if any(len(t) > 500 for t in texts):
        raise InputError(
            "标题、欢迎语和示例问题每项不超过 500 字。", "title, welcome text and examples: 500 characters each."
        )
    return replace(app, origins=tuple(dict.fromkeys(normalize_origin(o) for o in app.origins)))


class Apps:
    """The apps of a server, kept in a JSON file; thread-safe; the file is read again when it changes."""

    def __init__(self, settings: Settings) -> None:
        """Args: settings: the apps file and QA_ALLOWED_ORIGINS (the default app's origins)."""
        self.path = settings.apps_path
        self.settings = settings
        self.default = App(
            DEFAULT,
            origins=tuple(dict.fromkeys(normalize_origin(o) for o in settings.allowed_origins)),
            top_k=3,
        )
        self._apps: dict[str, App] = {}
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    # reading ------------------------------------------------------------------------------------

    def all(self) -> list[App]:
        """The default app, then the file's apps by id."""
        self._refresh()
        return [self.default, *sorted(self._apps.values(), key=lambda a: a.id)]

    def get(self, app_id: str) -> App | None:
        """The app with this id (the default app included)."""
        if app_id == DEFAULT:
            return self.default
        self._refresh()
        return self._apps.get(app_id)

    def by_key(self, key: str) -> App | None:
        """The app whose current public key this is (compared in constant time)."""
        self._refresh()
        for app in self._apps.values():
            if app.key and secrets.compare_digest(app.key.encode(), key.encode()):
                return app
        return None

    def origins(self) -> frozenset[str]:
        """Every origin any app allows."""
        return frozenset(o for app in self.all() if not app.revoked for o in app.origins)

    def frame_origins(self, kb: str) -> tuple[str, ...]:
        """Origins allowed to frame the chat of knowledge base `kb`: those of the apps bound to it."""
        return tuple(dict.fromkeys(o for app in self.all() if app.kb == kb and not app.revoked for o in app.origins))

    def verify_token(self, token: str) -> tuple[App, str | None]:
        """The app a visitor token was signed for, and the visitor id it names.

        Raises:
            AccessError: malformed, badly signed, expired, too long-lived, or for a revoked app.
        """
        import jwt

        try:
            claims = jwt.decode(token, options={"verify_signature": False}, algorithms=["HS256"])
        except jwt.PyJWTError:
            raise _bad_token() from None
        app = self.get(str(claims.get("app", ""))) if isinstance(claims, dict) else None
        if app is None or not app.secret or app.revoked:
            raise _bad_token()
        try:
            claims = jwt.decode(token, app.secret, algorithms=["HS256"], options={"require": ["exp", "app"]}, leeway=30)
        except jwt.ExpiredSignatureError:
            raise AccessError(
                "token_expired", "访问令牌已过期，请刷新页面。", "the visitor token has expired; reload the page.", 401
            ) from None
        except jwt.PyJWTError:
            raise _bad_token() from None
        if float(claims["exp"]) - time.time() > MAX_TOKEN_SECONDS:
            raise AccessError(
                "token_too_long",
                "访问令牌的有效期超过 24 小时，不予接受。",
                "the visitor token lives longer than 24 hours; it is refused.",
                401,
            )
        visitor = claims.get("sub")
        return app, str(visitor)[:128] if visitor is not None else None

    # changing -----------------------------------------------------------------------------------

    def add(self, app: App) -> App:
        """Save a new app with a fresh key and secret.

        Raises:
            InputError: a bad field, an id taken, or too many apps.
        """
        app = check_app(replace(app, key=_new(KEY_PREFIX), secret=_new(SECRET_PREFIX), revoked=False))
        require(self.settings, app.kb)
        with self._lock:
            self._refresh(locked=True)
            if app.id in self._apps or app.id == DEFAULT:
                raise InputError(f"应用 {app.id} 已存在。", f"app {app.id} already exists.")
            if len(self._apps) >= MAX_APPS:
                raise InputError(f"应用最多 {MAX_APPS} 个。", f"at most {MAX_APPS} apps.")
            self._apps[app.id] = app
            self._save()
        return app

    def update(self, app_id: str, **changes: Any) -> App:
        """Change an app's settings (not its key: `rotate`).

        Raises:
            InputError: no such app, or a bad field.
        """
        changes = {k: v for k, v in changes.items() if k not in ("id", "key", "secret") and v is not None}
        for name in ("examples", "origins"):
            if name in changes:
                changes[name] = tuple(changes[name])
        if "kb" in changes:
            require(self.settings, changes["kb"])
        return self._change(app_id, lambda app: check_app(replace(app, **changes)))

    def rotate(self, app_id: str) -> App:
        """A new public key and secret: the old key and every token signed with the old secret stop working."""
        return self._change(app_id, lambda app: replace(app, key=_new(KEY_PREFIX), secret=_new(SECRET_PREFIX)))

    def revoke(self, app_id: str, revoked: bool = True) -> App:
        """Turn an app off (its key and tokens are refused) or back on."""
        return self._change(app_id, lambda app: replace(app, revoked=revoked))

    def remove(self, app_id: str) -> None:
        """Delete an app."""
        with self._lock:
            self._refresh(locked=True)
            if self._apps.pop(app_id, None) is None:
                raise _no_app(app_id)
            self._save()

    def _change(self, app_id: str, change: Any) -> App:
        with self._lock:
            self._refresh(locked=True)
            app = self._apps.get(app_id)
            if app is None:
                raise _no_app(app_id)
            self._apps[app_id] = changed = change(app)
            self._save()
        return changed

    # the file -----------------------------------------------------------------------------------

    def _refresh(self, locked: bool = False) -> None:
        """Read the file again when its size or modification time changed."""
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        if not locked:
            with self._lock:
                return self._refresh(locked=True)
        apps: dict[str, App] = {}
        if stamp is not None:
            try:
                rows = json.loads(self.path.read_text(encoding="utf-8")).get("apps", [])
                for row in rows:
                    row["examples"], row["origins"] = tuple(row.get("examples", ())), tuple(row.get("origins", ()))
                    app = App(**row)
                    apps[app.id] = app
            except (OSError, ValueError, TypeError, AttributeError) as exc:
                raise QAError(
                    f"应用配置文件 {self.path} 无法读取：{exc}",
                    f"the apps file {self.path} cannot be read: {exc}",
                ) from exc
        self._apps, self._stamp = apps, stamp

    def _save(self) -> None:
        """Write the file atomically (readable by the owner only: it holds the secrets)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = [asdict(a) | {"examples": list(a.examples), "origins": list(a.origins)} for a in self._apps.values()]
        fd, tmp = tempfile.mkstemp(prefix=".apps-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"apps": rows}, handle, ensure_ascii=False, indent=1)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        stat = self.path.stat()
        self._stamp = (stat.st_mtime_ns, stat.st_size)


def sign_token(app: App, seconds: int = 3600, visitor: str | None = None) -> str:
    """A visitor token for `app`, as the owner's backend would mint it (for tests and `qa apps token`)."""
    import jwt

    claims: dict[str, Any] = {"app": app.id, "exp": int(time.time()) + seconds}
    if visitor is not None:
        claims["sub"] = visitor
    return jwt.encode(claims, app.secret, algorithm="HS256")


def _new(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(24)


def _bad_token() -> AccessError:
    return AccessError("bad_token", "访问令牌无效。", "the visitor token is invalid.", 401)


def _no_app(app_id: str) -> InputError:
    return InputError(f"没有应用 {app_id[:40]}。", f"no app {app_id[:40]}.")
