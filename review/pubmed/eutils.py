"""A polite NCBI E-utilities client: settings, a shared rate limiter, retries, typed errors.

Everything that touches the network for PubMed goes through ``EutilsClient.call``:

- identity: ``tool`` and ``email`` on every request (NCBI's rule), ``api_key`` when given;
- politeness: one ``RateLimiter`` per rate shared by every client in the process, 3 requests/s
  without an API key and 10/s with one (NCBI's limits);
- retries with exponential back-off on HTTP 429 and 5xx, timeouts, connection errors, and
  bodies that are not what E-utilities promise (an HTML error page, truncated or malformed
  XML, an ``<ERROR>`` saying the backend failed); ``Retry-After`` is honoured;
- an optional on-disk cache (``review.pubmed.cache``) so a rerun never refetches a response;
- injectable HTTP session, clock and sleep so tests run against a local server without
  real waiting.

Responses are parsed with Biopython's ``Bio.Entrez`` (``esearch``, ``einfo``); efetch bodies
are returned as bytes for ``review.formats.pubmed_xml.records_from_xml``.

Settings come from (first wins): ``REVIEW_EUTILS_URL`` / ``NCBI_EMAIL`` / ``NCBI_API_KEY`` /
``NCBI_TOOL`` in the environment, then the project's ``pubmed:`` section (``eutils_url``,
``email``, ``api_key``, ``tool``). ``eutils_url`` names the folder holding ``esearch.fcgi``.
"""

from __future__ import annotations

import email.utils
import os
import re
import threading
import time
import xml.parsers.expat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from urllib.parse import urlsplit

import requests

from review.errors import ReviewError

__all__ = [
    "DEFAULT_BASE_URL",
    "EutilsSettings",
    "settings_from",
    "RateLimiter",
    "shared_limiter",
    "EutilsClient",
    "ESearchResult",
    "LinkSet",
    "ClientStats",
    "EutilsError",
    "MissingEmailError",
    "EutilsHTTPError",
    "EutilsBadResponse",
    "EutilsQueryError",
    "EutilsRetriesExhausted",
]

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_TOOL = "review-scoping"
ENV_URL = "REVIEW_EUTILS_URL"
ENV_EMAIL = "NCBI_EMAIL"
ENV_API_KEY = "NCBI_API_KEY"
ENV_TOOL = "NCBI_TOOL"

RATE_WITHOUT_KEY = 3.0  # requests per second (NCBI)
SLACK = 1.05  # request starts are spaced 5% wider than 1/rate (0.35 s at 3/s): NCBI counts
# arrivals, and network jitter can bring starts exactly 1/rate apart closer together
RATE_WITH_KEY = 10.0

# Above this many ids (efetch) or characters of query string, send a POST (NCBI: GET with
# many ids fails with HTTP 414).
POST_ID_THRESHOLD = 200
POST_URL_THRESHOLD = 1800

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Text of an <ERROR> element that means "try again", not "your query is wrong".
TRANSIENT_ERROR = re.compile(
    r"backend|temporar|unavailable|timed? ?out|try again|unable to obtain|server|busy|"
    r"too many requests|rate limit",
    re.I,
)
# ...unless it says the request itself cannot work (checked first; NCBI words even the
# 9,999-record paging limit as "Search Backend failed: ... 'retstart' cannot be larger").
PERMANENT_ERROR = re.compile(
    r"cannot be larger|can only retrieve|invalid|not supported|unknown|empty term|"
    r"nothing todo|wrong db",
    re.I,
)
IDENTITY_PARAMS = ("tool", "email", "api_key")


# --------------------------------------------------------------------------------------
# Errors


class EutilsError(ReviewError):
    """Base of every E-utilities failure (message written for the user)."""


class MissingEmailError(EutilsError):
    """No email address to send to NCBI."""


class EutilsHTTPError(EutilsError):
    """A non-retryable HTTP status (e.g. 400 bad request, 414 URI too long)."""

    def __init__(self, status: int, url: str, body: str = ""):
        self.status = status
        self.url = url
        snippet = re.sub(r"\s+", " ", body)[:300]
        super().__init__(f"E-utilities answered HTTP {status} for {url}" + (f": {snippet}" if snippet else ""))


class EutilsBadResponse(EutilsError):
    """A 200 answer whose body is not usable XML (HTML page, truncated, malformed, <ERROR>)."""


class EutilsQueryError(EutilsError):
    """NCBI refused the request itself (an <ERROR> that retrying will not fix)."""


class EutilsRetriesExhausted(EutilsError):
    """Every attempt failed; ``last_error`` says how the last one failed."""

    def __init__(self, endpoint: str, attempts: int, last_error: str, url: str = ""):
        self.endpoint = endpoint
        self.attempts = attempts
        self.last_error = last_error
        unreachable = last_error.startswith(("connection", "timeout"))
        super().__init__(
            f"{endpoint}: no usable answer from E-utilities{f' at {url}' if url else ''} after "
            f"{attempts} attempts (last: {last_error}); "
            + (f"check the network and the E-utilities URL ({ENV_URL} or pubmed.eutils_url); " if unreachable else "")
            + "everything fetched so far is cached, run the same command again to continue"
        )


# --------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class EutilsSettings:
    base_url: str = DEFAULT_BASE_URL
    email: str = ""
    tool: str = DEFAULT_TOOL
    api_key: str = ""
    timeout: float = 60.0  # seconds, connect and read
    max_retries: int = 6  # retries after the first attempt
    backoff: float = 1.0  # first back-off; doubled on each retry
    max_backoff: float = 60.0
    max_retry_after: float = 300.0
    # while the server has never answered, a connection that cannot even be opened (name not
    # resolved, refused) is retried this many times only: offline, the user hears at once
    first_contact_retries: int = 2

    @property
    def rate(self) -> float:
        return RATE_WITH_KEY if self.api_key else RATE_WITHOUT_KEY

    def url(self, endpoint: str) -> str:
        return self.base_url.rstrip("/") + f"/{endpoint}.fcgi"


def settings_from(
    config: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> EutilsSettings:
    """Settings from the environment and the project's ``pubmed:`` section (env wins).

    Raises ``MissingEmailError`` (saying how to set one) when no email is configured.
    """
    env = os.environ if env is None else env
    section = dict(config or {})
    base_url = env.get(ENV_URL) or section.get("eutils_url") or DEFAULT_BASE_URL
    email_address = (env.get(ENV_EMAIL) or section.get("email") or "").strip()
    api_key = (env.get(ENV_API_KEY) or section.get("api_key") or "").strip()
    tool = (env.get(ENV_TOOL) or section.get("tool") or DEFAULT_TOOL).strip()
    if not email_address:
        raise MissingEmailError(
            "NCBI asks every E-utilities user for an email address and none is set: "
            f"export {ENV_EMAIL}=you@example.org, or add to review.yaml\n"
            "  pubmed:\n    email: you@example.org\n"
            f"(optionally also an API key, {ENV_API_KEY} or pubmed.api_key, for 10 requests/s)"
        )
    if "@" not in email_address:
        raise MissingEmailError(f"the NCBI email address {email_address!r} is not an email address")
    if re.search(r"\s", tool):
        raise MissingEmailError(f"the NCBI tool name {tool!r} must not contain spaces")
    parts = urlsplit(str(base_url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        origin = ENV_URL if env.get(ENV_URL) else "pubmed.eutils_url in review.yaml"
        raise EutilsError(f"the E-utilities URL {base_url!r} ({origin}) is not an http(s) URL; "
                          f"NCBI's is {DEFAULT_BASE_URL}")
    values: dict[str, Any] = {
        "base_url": str(base_url),
        "email": email_address,
        "tool": tool,
        "api_key": api_key,
    }
    for key in ("timeout", "max_retries", "backoff", "max_backoff", "first_contact_retries"):
        if key in section:
            kind = type(getattr(EutilsSettings, key))
            try:
                values[key] = kind(section[key])
            except (TypeError, ValueError):
                raise EutilsError(f"review.yaml: pubmed.{key} takes a {'whole ' if kind is int else ''}"
                                  f"number, not {section[key]!r}") from None
    values.update(overrides)
    return EutilsSettings(**values)


# --------------------------------------------------------------------------------------
# Rate limiting


class RateLimiter:
    """At most ``rate`` request starts per second, shared by threads.

    Each caller reserves the next free slot under a lock and sleeps outside it. ``hold``
    pushes every later slot back (a 429 with ``Retry-After`` slows everyone down).
    ``waited`` is the total time callers spent waiting here.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # slack: starts exactly 1/rate apart can arrive rate+1 in one second (jitter, rounding)
        self.interval = SLACK / rate
        self.clock = clock
        self.sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()
        self.waited = 0.0
        self.acquired = 0

    def acquire(self) -> float:
        """Wait for the next slot; return the seconds waited."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
            wait = start - now
            self.waited += wait
            self.acquired += 1
        if wait > 0:
            self.sleep(wait)
        return wait

    def hold(self, seconds: float) -> None:
        """No slot before ``seconds`` from now."""
        with self._lock:
            self._next = max(self._next, self.clock() + seconds)


_SHARED: dict[float, RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(rate: float) -> RateLimiter:
    """The process-wide limiter for ``rate`` (every client with the same rate shares it)."""
    with _SHARED_LOCK:
        if rate not in _SHARED:
            _SHARED[rate] = RateLimiter(rate)
        return _SHARED[rate]


# --------------------------------------------------------------------------------------
# The client


class Session(Protocol):
    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


class Cache(Protocol):
    def get(self, endpoint: str, params: Mapping[str, Any]) -> bytes | None: ...

    def put(self, endpoint: str, params: Mapping[str, Any], body: bytes) -> None: ...


@dataclass
class ClientStats:
    """What a client did: network requests, cache hits, retries, and where time went."""

    requests: int = 0  # HTTP requests sent (retries included)
    by_endpoint: dict[str, int] = field(default_factory=dict)
    cache_hits: int = 0
    retries: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # reason -> count
    bytes: int = 0
    http_seconds: float = 0.0  # waiting for the server
    rate_wait_seconds: float = 0.0  # waiting for the rate limiter
    backoff_seconds: float = 0.0  # waiting between retries

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_endpoint": dict(self.by_endpoint),
            "cache_hits": self.cache_hits,
            "retries": self.retries,
            "failures": dict(self.failures),
            "bytes": self.bytes,
            "http_seconds": round(self.http_seconds, 3),
            "rate_wait_seconds": round(self.rate_wait_seconds, 3),
            "backoff_seconds": round(self.backoff_seconds, 3),
        }


@dataclass
class ESearchResult:
    count: int
    ids: list[str] = field(default_factory=list)
    retmax: int = 0
    retstart: int = 0
    webenv: str = ""
    query_key: str = ""
    query_translation: str = ""
    translation_set: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class LinkSet:
    """One ``<LinkSet>`` of an elink answer: the ids it was asked for (one with a repeated
    ``id=``, several when they were comma-joined) and the linked PMIDs of ``linkname``
    (empty when the record has none); with ``cmd=neighbor_history`` the links are on the
    history server instead (``webenv``/``query_key``)."""

    ids: list[str]
    linkname: str
    links: list[str] = field(default_factory=list)
    webenv: str = ""
    query_key: str = ""
    error: str = ""


class _Retry(Exception):
    def __init__(self, reason: str, delay: float | None = None, *, unreachable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
        self.unreachable = unreachable  # the connection could not be opened at all


def _cannot_connect(exc: Exception) -> bool:
    """Whether a requests ConnectionError means no connection was opened (the host name was
    not resolved or the server refused it), not one cut in the middle of an answer."""
    from urllib3.exceptions import NewConnectionError

    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:  # the urllib3 error sits in args / .reason / __context__ of the requests one
        item = stack.pop()
        if id(item) in seen or item is None:
            continue
        seen.add(id(item))
        if isinstance(item, NewConnectionError):
            return True
        if isinstance(item, BaseException):
            stack.extend([getattr(item, "reason", None), item.__cause__, item.__context__, *item.args])
    return False


class EutilsClient:
    """E-utilities over HTTP with identity, rate limit, retries and an optional cache."""

    def __init__(
        self,
        settings: EutilsSettings,
        *,
        session: Session | None = None,
        limiter: RateLimiter | None = None,
        cache: Cache | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.session = session or requests.Session()
        self.limiter = limiter or shared_limiter(settings.rate)
        self.cache = cache
        self.clock = clock
        self.sleep = sleep
        self.stats = ClientStats()
        self.reached = False  # the server has answered at least once (any HTTP status)

    # -- the one door to the network ---------------------------------------------------

    def call(
        self,
        endpoint: str,
        params: Mapping[str, Any],
        *,
        post: bool | None = None,
        parse: Callable[[bytes], Any] | None = None,
        use_cache: bool = True,
    ) -> Any:
        """A validated answer for ``endpoint`` (``esearch``, ``efetch``, ``einfo``...).

        Returns the body (bytes), or ``parse(body)`` when ``parse`` is given; a body that
        ``parse`` rejects (``EutilsBadResponse``/``PubmedXMLError``) counts as a failed attempt
        and is never cached. Served from the cache when there; otherwise fetched with
        retries and cached (``use_cache=False``: straight to the server, nothing kept).
        """
        from review.formats.pubmed_xml import PubmedXMLError

        params = {k: _param(v) for k, v in params.items() if v is not None and v != ""}
        cache = self.cache if use_cache else None
        if cache is not None:
            body = cache.get(endpoint, params)
            if body is not None:
                try:
                    result = parse(body) if parse else body
                except (EutilsBadResponse, PubmedXMLError):
                    discard = getattr(cache, "discard", None)
                    if discard:
                        discard(endpoint, params)
                else:
                    self.stats.cache_hits += 1
                    return result
        sent = dict(params)
        sent["tool"] = self.settings.tool
        sent["email"] = self.settings.email
        if self.settings.api_key:
            sent["api_key"] = self.settings.api_key
        if post is None:
            post = _should_post(sent)
        url = self.settings.url(endpoint)
        attempts = self.settings.max_retries + 1
        last = ""
        for attempt in range(attempts):
            try:
                body = self._attempt(endpoint, url, sent, post)
                try:
                    result = parse(body) if parse else body
                except (EutilsBadResponse, PubmedXMLError) as exc:
                    raise _Retry(f"unparsable: {exc}") from exc
            except _Retry as retry:
                last = retry.reason
                kind = retry.reason.split(":")[0]
                self.stats.failures[kind] = self.stats.failures.get(kind, 0) + 1
                if attempt + 1 >= attempts:
                    break
                if retry.unreachable and not self.reached and attempt >= self.settings.first_contact_retries:
                    attempts = attempt + 1
                    break
                self.stats.retries += 1
                delay = min(self.settings.backoff * (2**attempt), self.settings.max_backoff)
                if retry.delay is not None:
                    delay = max(delay, min(retry.delay, self.settings.max_retry_after))
                    self.limiter.hold(delay)
                self.stats.backoff_seconds += delay
                self.sleep(delay)
                continue
            if cache is not None:
                cache.put(endpoint, params, body)
            return result
        raise EutilsRetriesExhausted(endpoint, attempts, last, url)

    def _attempt(self, endpoint: str, url: str, params: dict[str, str], post: bool) -> bytes:
        self.stats.rate_wait_seconds += self.limiter.acquire()
        self.stats.requests += 1
        self.stats.by_endpoint[endpoint] = self.stats.by_endpoint.get(endpoint, 0) + 1
        started = self.clock()
        try:
            if post:
                response = self.session.request(
                    "POST", url, data=params, timeout=self.settings.timeout
                )
            else:
                response = self.session.request(
                    "GET", url, params=params, timeout=self.settings.timeout
                )
            status = int(response.status_code)
            body = response.content
        except requests.Timeout as exc:
            raise _Retry(f"timeout: {type(exc).__name__}") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise _Retry(f"connection: {type(exc).__name__}", unreachable=_cannot_connect(exc)) from exc
        finally:
            self.stats.http_seconds += self.clock() - started
        self.reached = True
        self.stats.bytes += len(body or b"")
        if status in RETRY_STATUSES or 500 <= status < 600:
            delay = retry_after_seconds(response.headers.get("Retry-After"))
            raise _Retry(f"http {status}: {_snippet(body)}", delay)
        if status != 200:
            raise EutilsHTTPError(status, url, _snippet(body))
        if params.get("retmode") == "json":  # asked for JSON (esummary/esearch): a whole JSON object
            check_json(body)
        else:
            check_body(body)
        return body

    # -- typed helpers ---------------------------------------------------------------

    def einfo(self, db: str = "pubmed") -> dict[str, str]:
        """Database facts for the search log: DbName, DbBuild, Count, LastUpdate."""
        from review.formats.pubmed_xml import PubmedXMLError, entrez_read

        def parse(body: bytes) -> Any:
            try:
                return entrez_read(body)
            except PubmedXMLError as exc:
                raise EutilsBadResponse(f"einfo: {exc}") from exc

        parsed = self.call("einfo", {"db": db}, parse=parse)
        info = parsed.get("DbInfo", {}) if hasattr(parsed, "get") else {}
        if isinstance(info, list):  # the 2019 einfo DTD makes DbInfo a list
            info = info[0] if info else {}
        return {k: str(info.get(k, "")) for k in ("DbName", "MenuName", "DbBuild", "Count", "LastUpdate")}

    def esearch(
        self,
        term: str,
        *,
        db: str = "pubmed",
        retmax: int = 0,
        retstart: int = 0,
        usehistory: bool = False,
        datetype: str | None = None,
        mindate: str | None = None,
        maxdate: str | None = None,
        sort: str | None = None,
    ) -> ESearchResult:
        """Run ``term``; ``retmax`` ids from ``retstart`` (at most 9,999 in all for PubMed)."""
        params = {
            "db": db,
            "term": term,
            "retmax": retmax,
            "retstart": retstart or None,
            "usehistory": "y" if usehistory else None,
            "datetype": datetype,
            "mindate": mindate,
            "maxdate": maxdate,
            "sort": sort,
        }
        return self.call("esearch", params, parse=parse_esearch)

    def count(self, term: str, *, db: str = "pubmed") -> int:
        """Number of records ``term`` finds (``rettype=count``)."""
        params = {"db": db, "term": term, "rettype": "count"}
        return self.call("esearch", params, parse=parse_esearch).count

    def esummary(self, ids: Sequence[str], *, db: str, retmode: str = "xml", parse: Callable[[bytes], Any] | None = None) -> Any:
        """Document summaries of ``ids`` in ``db`` (XML version 2.0, or ``retmode="json"``)."""
        params = {"db": db, "id": ",".join(str(i) for i in ids), "version": "2.0" if retmode == "xml" else None,
                  "retmode": retmode if retmode == "json" else None}
        return self.call("esummary", params, parse=parse)

    def efetch(
        self,
        ids: Sequence[str],
        *,
        db: str = "pubmed",
        parse: Callable[[bytes], Any] | None = None,
        use_cache: bool = True,
    ) -> Any:
        """PubMed XML of these PMIDs (POST above 200 ids); ``parse(body)`` when given."""
        params = {"db": db, "id": ",".join(str(i) for i in ids), "retmode": "xml"}
        return self.call(
            "efetch", params, post=len(ids) > POST_ID_THRESHOLD, parse=parse, use_cache=use_cache
        )


    def elink(
        self,
        ids: Sequence[str],
        linkname: str,
        *,
        db: str = "pubmed",
        dbfrom: str = "pubmed",
        cmd: str = "neighbor",
        separate: bool = True,
    ) -> list[LinkSet]:
        """Links of ``linkname`` (``pubmed_pubmed_refs``, ``pubmed_pubmed_citedin``) from
        ``ids``. ``separate``: one ``id=`` parameter per id, so each LinkSet keeps its seed
        (comma-joined ids come back as one LinkSet holding the union of their links).
        ``cmd=neighbor_history`` puts the links on the history server instead."""
        id_param: Any = [str(i) for i in ids] if separate else ",".join(str(i) for i in ids)
        params = {"dbfrom": dbfrom, "db": db, "linkname": linkname, "cmd": cmd, "id": id_param}
        return self.call("elink", params, parse=lambda body: parse_elink(body, linkname))


# --------------------------------------------------------------------------------------
# Pure helpers


def _param(value: Any) -> Any:
    """A parameter as sent: a string, or a list of strings for a repeated parameter
    (``id=1&id=2``: elink keeps one LinkSet per ``id``)."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value)


def _should_post(params: Mapping[str, Any]) -> bool:
    def size(key: str, value: Any) -> int:
        values = value if isinstance(value, list) else [value]
        return sum(len(key) + len(v) + 2 for v in values)

    return sum(size(k, v) for k, v in params.items()) > POST_URL_THRESHOLD


def _snippet(body: bytes | None) -> str:
    if not body:
        return ""
    text = body[:400].decode("utf-8", "replace")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:200]


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (seconds from now); None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


_ERROR_ELEMENT = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)


def check_body(body: bytes) -> None:
    """Raise ``_Retry`` or ``EutilsQueryError`` unless ``body`` is well-formed E-utilities XML."""
    head = body[:512].lstrip()
    if not head:
        raise _Retry("empty: the answer had no body")
    lowered = head.lower()
    if lowered.startswith((b"<html", b"<!doctype html")) or b"<html" in lowered[:200]:
        raise _Retry(f"html: an HTML page instead of XML ({_snippet(body)[:80]})")
    if lowered.startswith(b"{"):
        raise _Retry(f"json: {_snippet(body)}")
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as exc:
        kind = "truncated" if "no element found" in str(exc) or "unclosed" in str(exc) else "malformed"
        raise _Retry(f"{kind}: XML {exc}") from exc
    match = _ERROR_ELEMENT.search(body[:4096])
    if match:
        message = re.sub(r"\s+", " ", match.group(1).decode("utf-8", "replace")).strip()
        if TRANSIENT_ERROR.search(message) and not PERMANENT_ERROR.search(message):
            raise _Retry(f"ncbi-error: {message}")
        raise EutilsQueryError(f"NCBI refused the request: {message}")


def check_json(body: bytes) -> None:
    """Raise ``_Retry`` unless ``body`` is a whole JSON object; ``EutilsQueryError`` for NCBI's
    ``{"error": ...}`` / ``esearchresult.ERROR`` answers."""
    import json

    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        kind = "html" if body[:200].lower().lstrip().startswith((b"<html", b"<!doctype html")) else "truncated"
        raise _Retry(f"{kind}: not JSON ({_snippet(body)[:80]})") from exc
    if not isinstance(data, dict):
        raise _Retry(f"malformed: JSON that is not an object ({_snippet(body)[:80]})")
    message = data.get("error") or (data.get("esearchresult") or {}).get("ERROR")
    if message:
        if TRANSIENT_ERROR.search(str(message)) and not PERMANENT_ERROR.search(str(message)):
            raise _Retry(f"ncbi-error: {message}")
        raise EutilsQueryError(f"NCBI refused the request: {message}")


def parse_esearch(body: bytes) -> ESearchResult:
    """An ``eSearchResult`` body (full or ``rettype=count``) as ``ESearchResult``."""
    from review.formats.pubmed_xml import PubmedXMLError, entrez_read

    try:
        parsed = entrez_read(body)
    except PubmedXMLError as exc:
        raise EutilsBadResponse(f"esearch: {exc}") from exc
    if not hasattr(parsed, "get") or "Count" not in parsed:
        raise EutilsBadResponse("esearch: the answer has no Count")

    def listing(value: Any) -> dict[str, list[str]]:
        if not value:
            return {}
        return {str(k): [str(x) for x in v] for k, v in value.items() if v}

    translations = [
        {"from": str(t.get("From", "")), "to": str(t.get("To", ""))}
        for t in parsed.get("TranslationSet", []) or []
        if hasattr(t, "get")
    ]
    return ESearchResult(
        count=int(parsed["Count"]),
        ids=[str(i) for i in parsed.get("IdList", [])],
        retmax=int(parsed.get("RetMax", 0) or 0),
        retstart=int(parsed.get("RetStart", 0) or 0),
        webenv=str(parsed.get("WebEnv", "")),
        query_key=str(parsed.get("QueryKey", "")),
        query_translation=str(parsed.get("QueryTranslation", "")),
        translation_set=translations,
        errors=listing(parsed.get("ErrorList")),
        warnings=listing(parsed.get("WarningList")),
    )


def parse_elink(body: bytes, linkname: str) -> list[LinkSet]:
    """An ``eLinkResult`` body as one ``LinkSet`` per ``<LinkSet>`` (links of ``linkname``
    only; a record without such links has an empty list)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise EutilsBadResponse(f"elink: {exc}") from exc
    if root.tag != "eLinkResult":
        raise EutilsBadResponse(f"elink: the answer is <{root.tag}>, not <eLinkResult>")
    out: list[LinkSet] = []
    for node in root.findall("LinkSet"):
        ids = [(i.text or "").strip() for i in node.findall("IdList/Id")]
        item = LinkSet(ids=ids, linkname=linkname, webenv=(node.findtext("WebEnv") or "").strip(),
                       error=(node.findtext("ERROR") or "").strip())
        for db in node.findall("LinkSetDb"):
            if (db.findtext("LinkName") or "").strip() == linkname:
                item.links.extend((i.text or "").strip() for i in db.findall("Link/Id"))
        for hist in node.findall("LinkSetDbHistory"):
            if (hist.findtext("LinkName") or "").strip() == linkname:
                item.query_key = (hist.findtext("QueryKey") or "").strip()
        item.links = [p for p in dict.fromkeys(item.links) if p]
        out.append(item)
    return out
