"""A local E-utilities-compatible server on 127.0.0.1 for tests and benchmarks (no internet).

It answers ``esearch.fcgi``, ``efetch.fcgi`` and ``einfo.fcgi`` under ``/entrez/eutils/``
the way NCBI documents them (NBK25499), with bodies shaped like the real ones kept in
``tests/data/pubmed`` (DOCTYPEs, element names and order):

- the records are real efetch bodies (``tests/data/pubmed/efetch``) plus, for a result set
  above 10,000, records synthesised from them: same XML with a new PMID and Entrez date;
- a query resolves through ``Corpus.queries`` (exact term -> PMIDs); an unknown term gets a
  stable pseudo-random subset of the real records (so any strategy line has a count), and
  ``(TERM) AND lo:hi[uid]`` restricts a term to a PMID range;
- ``datetype``/``mindate``/``maxdate`` filter on the Entrez date; ``rettype=count``;
  ``usehistory=y`` gives a WebEnv/QueryKey that efetch accepts; esearch never returns past
  the first ``cap`` (9,999) ids: ``retstart`` beyond it is NCBI's "Search Backend failed"
  error and ``retmax`` is cut down;
- ``elink.fcgi`` (``dbfrom=pubmed&db=pubmed``, ``linkname=pubmed_pubmed_refs`` or
  ``pubmed_pubmed_citedin``) from ``Corpus.links``: one ``<LinkSet>`` per repeated ``id=``
  parameter, one LinkSet with the union of links for comma-joined ids (as NCBI does);
  ``cmd=neighbor`` lists the links, ``cmd=neighbor_history`` puts them on the history server
  (a WebEnv/QueryKey efetch accepts); a record without links gets a LinkSet without
  ``<LinkSetDb>``; ``TERM[doi]`` in esearch finds the record with that DOI;
- GET and POST (form-encoded) alike; every request is logged (``server.log``);
- faults are injected per endpoint (``server.add_fault``): HTTP 429 with ``Retry-After``,
  500/502/503, a timeout (the answer comes late), a truncated body, a connection cut
  mid-body or reset, an HTML page instead of XML, an ``<ERROR>`` body; ``withheld`` PMIDs
  are never returned by efetch; ``enforce_rate`` answers 429 like NCBI when a client sends
  more than 3 requests in a second (10 with an API key).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

DATA = Path(__file__).resolve().parent.parent / "data" / "pubmed"
BASE_PATH = "/entrez/eutils/"

ELINK_DOCTYPE = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink '
    '20101123//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n'
)
ESEARCH_DOCTYPE = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch '
    '20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
EINFO_DOCTYPE = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eInfoResult PUBLIC "-//NLM//DTD einfo '
    '20190110//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20190110/einfo.dtd">\n'
)
EFETCH_HEAD = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st '
    'January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>\n"
)
RETSTART_ERROR = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, "
    "ESearch can only retrieve the first 9,999 records matching the query. To obtain more than "
    "9,999 PubMed records, consider using EDirect that contains additional logic to batch "
    "PubMed search results automatically so that an arbitrary number can be retrieved. For "
    "details see https://www.ncbi.nlm.nih.gov/books/NBK25499/"
)
HTML_ERROR_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>NCBI - WWW Error Blocked Diagnostic</title></head>"
    "<body><h1>Proxy Error</h1><p>The proxy server received an invalid response from an "
    "upstream server.</p></body></html>\n"
)

_ENTREZ_DATE = re.compile(
    rb'<PubMedPubDate PubStatus="entrez"><Year>(\d+)</Year><Month>(\d+)</Month><Day>(\d+)</Day>'
)
_PMID = re.compile(rb'<PMID Version="\d+">(\d+)</PMID>')
_DOI = re.compile(rb'<ArticleId IdType="doi">([^<]+)</ArticleId>')
_DOI_TERM = re.compile(r"^\s*\"?(?P<doi>10\.[^\s\"]+)\"?\s*\[doi\]\s*$", re.I)
_UID = re.compile(r"^\((?P<term>.*)\) AND (?P<lo>\d+):(?P<hi>\d+)\[uid\]$", re.S)


@dataclass
class CorpusRecord:
    pmid: int
    xml: bytes  # one <PubmedArticle>...</PubmedArticle>
    edat: date


@dataclass
class Corpus:
    records: dict[int, CorpusRecord] = field(default_factory=dict)
    queries: dict[str, list[int]] = field(default_factory=dict)
    real: list[int] = field(default_factory=list)  # PMIDs of the real records
    # linkname -> PMID -> linked PMIDs (elink); a PMID absent here has no links
    links: dict[str, dict[int, list[int]]] = field(default_factory=dict)

    def add_links(self, linkname: str, pmid: int, linked) -> None:
        self.links.setdefault(linkname, {})[int(pmid)] = [int(p) for p in linked]

    def by_doi(self, doi: str) -> list[int]:
        wanted = doi.strip().lower().encode()
        return [p for p, rec in self.records.items()
                if any(m.group(1).strip().lower() == wanted for m in _DOI.finditer(rec.xml))]

    def add_query(self, term: str, pmids) -> None:
        self.queries[term] = sorted({int(p) for p in pmids}, reverse=True)

    def resolve(self, term: str) -> list[int]:
        """PMIDs a term finds, most recent (highest PMID) first."""
        match = _UID.match(term)
        if match:
            lo, hi = int(match["lo"]), int(match["hi"])
            return [p for p in self.resolve(match["term"]) if lo <= p <= hi]
        if term in self.queries:
            return self.queries[term]
        doi = _DOI_TERM.match(term)
        if doi:
            return sorted(self.by_doi(doi["doi"]), reverse=True)
        if term.strip().lower() in {"nothing[tiab]", "abcxyz"}:
            return []
        digest = hashlib.sha256(term.encode("utf-8")).digest()
        keep = 2 + digest[0] % 6  # keep 1 record in (2..7)
        return sorted((p for i, p in enumerate(self.real) if (i + digest[1]) % keep == 0), reverse=True)


def _fragment(body: bytes) -> bytes:
    start = body.find(b"<PubmedArticleSet>")
    end = body.rfind(b"</PubmedArticleSet>")
    return body[start + len(b"<PubmedArticleSet>") : end].strip()


def build_corpus(synthetic: int = 0, *, start: date = date(2008, 1, 1), days: int = 3650) -> Corpus:
    """The real efetch records, plus ``synthetic`` copies with new PMIDs (40,000,000 up)
    spread evenly over ``days`` Entrez dates from ``start``. ``corpus.queries["synthetic"]``
    finds exactly the synthetic ones."""
    corpus = Corpus()
    for path in sorted((DATA / "efetch").glob("*.xml")):
        fragment = _fragment(path.read_bytes())
        if not fragment:
            continue
        pmid = int(_PMID.search(fragment).group(1))
        y, m, d = (int(x) for x in _ENTREZ_DATE.search(fragment).groups())
        corpus.records[pmid] = CorpusRecord(pmid, fragment, date(y, m, d))
        corpus.real.append(pmid)
    templates = [corpus.records[p] for p in corpus.real]
    made = []
    for i in range(synthetic):
        base = templates[i % len(templates)]
        pmid = 40_000_000 + i
        old = str(base.pmid).encode()
        xml = base.xml.replace(b">" + old + b"</PMID>", b">" + str(pmid).encode() + b"</PMID>", 1)
        xml = xml.replace(
            b'<ArticleId IdType="pubmed">' + old + b"</ArticleId>",
            b'<ArticleId IdType="pubmed">' + str(pmid).encode() + b"</ArticleId>",
            1,
        )
        edat = start + timedelta(days=(i * days) // max(1, synthetic))
        corpus.records[pmid] = CorpusRecord(pmid, xml, edat)
        made.append(pmid)
    corpus.add_query("synthetic", made)
    corpus.add_query("real", corpus.real)
    return corpus


@dataclass
class Fault:
    kind: str  # 429 | 500 | 502 | 503 | timeout | truncated | cut | reset | html | error
    endpoint: str | None = None  # None: any endpoint
    times: int = 1
    after: int = 0  # let this many matching requests through first
    retry_after: str | None = None
    delay: float = 1.0  # for "timeout"


def _parse_date(text: str, end: bool) -> date:
    parts = [int(p) for p in re.split(r"[/-]", text.strip()) if p]
    year = parts[0]
    if len(parts) == 1:
        return date(year, 12, 31) if end else date(year, 1, 1)
    month = parts[1]
    if len(parts) == 2:
        if not end:
            return date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return nxt - timedelta(days=1)
    return date(year, month, parts[2])


class EutilsServer:
    """The server and what it saw; ``url`` is the base URL naming the folder of esearch.fcgi."""

    def __init__(self, corpus: Corpus, *, cap: int = 9999, enforce_rate: bool = False):
        self.corpus = corpus
        self.cap = cap
        self.enforce_rate = enforce_rate
        self.faults: list[Fault] = []
        self.withheld: set[int] = set()
        self.log: list[dict] = []
        self.histories: dict[tuple[str, str], list[int]] = {}
        self._lock = threading.Lock()
        self._recent: dict[str, deque] = {}
        self._webenv_counter = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{BASE_PATH}"

    def start(self) -> "EutilsServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_fault(self, kind: str, endpoint: str | None = None, **options) -> Fault:
        fault = Fault(kind=kind, endpoint=endpoint, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def requests_to(self, endpoint: str) -> list[dict]:
        return [entry for entry in self.log if entry["endpoint"] == endpoint]

    # -- internals ---------------------------------------------------------------------

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times <= 0 or (fault.endpoint and fault.endpoint != endpoint):
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                fault.times -= 1
                return fault
        return None

    def _over_rate(self, params: dict) -> bool:
        if not self.enforce_rate:
            return False
        key = params.get("api_key") or "ip"
        limit = 10 if params.get("api_key") else 3
        now = time.monotonic()
        with self._lock:
            window = self._recent.setdefault(key, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                return True
            window.append(now)
        return False

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                self._serve(parse_qs(urlparse(self.path).query, keep_blank_values=True), "GET")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                params = parse_qs(body, keep_blank_values=True)
                for key, values in parse_qs(urlparse(self.path).query).items():
                    params.setdefault(key, values)
                self._serve(params, "POST")

            def _send(self, status: int, body: bytes, content_type: str, headers=None, length=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _serve(self, raw: dict, method: str):
                path = urlparse(self.path).path
                endpoint = path[len(BASE_PATH) :].removesuffix(".fcgi") if path.startswith(BASE_PATH) else path
                params = {k: v[-1] for k, v in raw.items()}
                params_all = {k: list(v) for k, v in raw.items()}
                entry = {"endpoint": endpoint, "method": method, "params": params, "status": 200, "fault": None,
                         "ids": params_all.get("id", [])}
                with server._lock:
                    server.log.append(entry)
                try:
                    if server._over_rate(params):
                        entry["status"] = 429
                        limit = "10" if params.get("api_key") else "3"
                        body = json.dumps({"error": "API rate limit exceeded", "api-key": "127.0.0.1",
                                           "count": str(int(limit) + 1), "limit": limit}).encode()
                        self._send(429, body, "application/json")
                        return
                    fault = server._take_fault(endpoint)
                    if fault is not None:
                        entry["fault"] = fault.kind
                        if self._fault(fault, endpoint, params, entry):
                            return
                    status, body, ctype = server._answer(endpoint, params, params_all)
                    entry["status"] = status
                    self._send(status, body, ctype)
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    pass

            def _fault(self, fault: Fault, endpoint: str, params: dict, entry: dict) -> bool:
                kind = fault.kind
                if kind in {"429", "500", "502", "503"}:
                    entry["status"] = int(kind)
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    if kind == "429":
                        body = json.dumps({"error": "API rate limit exceeded", "api-key": "127.0.0.1",
                                           "count": "4", "limit": "3"}).encode()
                        self._send(429, body, "application/json", headers)
                    else:
                        self._send(int(kind), HTML_ERROR_PAGE.encode(), "text/html", headers)
                    return True
                if kind == "timeout":
                    time.sleep(fault.delay)
                    return False  # answer late (the client has given up by then)
                if kind == "reset":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return True
                if kind == "html":
                    self._send(200, (DATA / "pubmed3.html").read_bytes(), "text/html")
                    return True
                if kind == "error":
                    body = (ESEARCH_DOCTYPE + "<eSearchResult><ERROR>Search Backend failed: "
                            "Database is temporarily unavailable</ERROR></eSearchResult>\n").encode()
                    self._send(200, body, "text/xml")
                    return True
                status, body, ctype = server._answer(endpoint, params)
                half = body[: max(1, len(body) // 2)]
                if kind == "truncated":
                    self._send(200, half, ctype)
                    return True
                if kind == "cut":
                    self.close_connection = True
                    self._send(200, half, ctype, length=len(body))
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return True
                raise ValueError(f"unknown fault {kind!r}")

        return Handler

    def _answer(self, endpoint: str, params: dict, params_all: dict | None = None) -> tuple[int, bytes, str]:
        if endpoint == "elink":
            return 200, self._elink(params, params_all or {}), "text/xml; charset=UTF-8"
        if params.get("db") == "mesh" and endpoint in ("esearch", "esummary"):
            return mesh_answer(endpoint, params)
        if params.get("db", "pubmed") != "pubmed" and endpoint != "einfo":
            return 200, self._esearch_error(f"Invalid db name specified: {params.get('db')}"), "text/xml"
        if endpoint == "esearch":
            return 200, self._esearch(params), "text/xml; charset=UTF-8"
        if endpoint == "efetch":
            return 200, self._efetch(params), "text/xml; charset=UTF-8"
        if endpoint == "einfo":
            return 200, self._einfo(params), "text/xml; charset=UTF-8"
        return 404, b"<html><body>Not Found</body></html>", "text/html"

    def _esearch_error(self, message: str) -> bytes:
        return (ESEARCH_DOCTYPE + f"<eSearchResult><ERROR>{escape(message)}</ERROR></eSearchResult>\n").encode()

    def _esearch(self, params: dict) -> bytes:
        term = params.get("term", "")
        if not term.strip():
            return self._esearch_error("Empty term and query_key - nothing todo")
        ids = self.corpus.resolve(term)
        if params.get("mindate") or params.get("maxdate"):
            lo = _parse_date(params.get("mindate") or "1000", end=False)
            hi = _parse_date(params.get("maxdate") or "3000", end=True)
            ids = [p for p in ids if lo <= self.corpus.records[p].edat <= hi]
        count = len(ids)
        if params.get("rettype") == "count":
            return (ESEARCH_DOCTYPE + f"<eSearchResult>\n\t<Count>{count}</Count>\n</eSearchResult>\n").encode()
        retstart = int(params.get("retstart") or 0)
        retmax = int(params.get("retmax") or 20)
        if retstart > self.cap - 1:
            return self._esearch_error(RETSTART_ERROR)
        retmax = max(0, min(retmax, self.cap - retstart))
        page = ids[retstart : retstart + retmax]
        history = ""
        if params.get("usehistory") == "y":
            with self._lock:
                self._webenv_counter += 1
                webenv = f"MCID_local_{self._webenv_counter:06d}"
            self.histories[(webenv, "1")] = ids
            history = f"\t<QueryKey>1</QueryKey>\n\t<WebEnv>{webenv}</WebEnv>\n"
        lines = "".join(f"\t\t<Id>{p}</Id>\n" for p in page)
        id_list = f"\t<IdList>\n{lines}\t</IdList>\n" if page else "\t<IdList>\n\t</IdList>\n"
        errors = ""
        if count == 0:
            errors = (f"\t<ErrorList>\n\t\t<PhraseNotFound>{escape(term)}</PhraseNotFound>\n\t</ErrorList>\n"
                      "\t<WarningList>\n\t\t<OutputMessage>No items found.</OutputMessage>\n\t</WarningList>\n")
        body = (
            ESEARCH_DOCTYPE
            + "<eSearchResult>\n"
            + f"\t<Count>{count}</Count>\n\t<RetMax>{len(page)}</RetMax>\n\t<RetStart>{retstart}</RetStart>\n"
            + history
            + id_list
            + "\t<TranslationSet>\n\t</TranslationSet>\n"
            + f"\t<QueryTranslation>{escape(term)}</QueryTranslation>\n"
            + errors
            + "</eSearchResult>\n"
        )
        return body.encode("utf-8")

    def _efetch(self, params: dict) -> bytes:
        if params.get("id"):
            wanted = [int(p) for p in re.split(r"[,\s]+", params["id"]) if p.strip().isdigit()]
        elif params.get("WebEnv"):
            ids = self.histories.get((params["WebEnv"], params.get("query_key", "1")), [])
            start = int(params.get("retstart") or 0)
            wanted = ids[start : start + int(params.get("retmax") or 20)]
        else:
            return b'<?xml version="1.0" ?>\n<eFetchResult>\n\t<ERROR>Empty id list - nothing todo</ERROR>\n</eFetchResult>\n'
        parts = [EFETCH_HEAD.encode()]
        for pmid in wanted:
            record = self.corpus.records.get(pmid)
            if record is not None and pmid not in self.withheld:
                parts.append(record.xml)
        parts.append(b"</PubmedArticleSet>\n")
        return b"".join(parts)

    def _elink(self, params: dict, params_all: dict) -> bytes:
        """One LinkSet per ``id=`` parameter; comma-joined ids in one parameter share one."""
        linkname = params.get("linkname", "")
        if params.get("dbfrom") != "pubmed" or params.get("db") != "pubmed":
            return (ELINK_DOCTYPE + "<eLinkResult><ERROR>Invalid db name specified</ERROR></eLinkResult>\n").encode()
        if linkname not in ("pubmed_pubmed_refs", "pubmed_pubmed_citedin"):
            return (ELINK_DOCTYPE + f"<eLinkResult><ERROR>Invalid linkname {escape(linkname)}</ERROR>"
                    "</eLinkResult>\n").encode()
        groups = [[int(p) for p in re.split(r"[,\s]+", value) if p.strip().isdigit()]
                  for value in params_all.get("id", []) if value.strip()]
        if not groups:
            return (ELINK_DOCTYPE + "<eLinkResult><ERROR>Empty id list - nothing todo</ERROR></eLinkResult>\n").encode()
        table = self.corpus.links.get(linkname, {})
        history = params.get("cmd") == "neighbor_history"
        parts = [ELINK_DOCTYPE, "<eLinkResult>\n"]
        for group in groups:
            linked = sorted({p for seed in group for p in table.get(seed, [])}, reverse=True)
            ids = "".join(f"\t\t<Id>{p}</Id>\n" for p in group)
            parts.append(f"<LinkSet>\n\t<DbFrom>pubmed</DbFrom>\n\t<IdList>\n{ids}\t</IdList>\n")
            if linked and history:
                with self._lock:
                    self._webenv_counter += 1
                    webenv = f"MCID_local_{self._webenv_counter:06d}"
                self.histories[(webenv, "1")] = linked
                parts.append(f"\t<LinkSetDbHistory>\n\t\t<DbTo>pubmed</DbTo>\n\t\t<LinkName>{linkname}</LinkName>\n"
                             "\t\t<QueryKey>1</QueryKey>\n\t</LinkSetDbHistory>\n"
                             f"\t<WebEnv>{webenv}</WebEnv>\n")
            elif linked:
                links = "".join(f"\t\t<Link>\n\t\t\t<Id>{p}</Id>\n\t\t</Link>\n" for p in linked)
                parts.append(f"\t<LinkSetDb>\n\t\t<DbTo>pubmed</DbTo>\n\t\t<LinkName>{linkname}</LinkName>\n"
                             f"{links}\t</LinkSetDb>\n")
            parts.append("</LinkSet>\n")
        parts.append("</eLinkResult>\n")
        return "".join(parts).encode("utf-8")

    def _einfo(self, params: dict) -> bytes:
        if not params.get("db"):
            return (EINFO_DOCTYPE + "<eInfoResult>\n<DbList>\n\t<DbName>pubmed</DbName>\n</DbList>\n</eInfoResult>\n").encode()
        return (
            EINFO_DOCTYPE
            + "<eInfoResult>\n\t<DbInfo>\n\t\t<DbName>pubmed</DbName>\n\t\t<MenuName>PubMed</MenuName>\n"
            + "\t\t<Description>PubMed bibliographic record</Description>\n"
            + "\t\t<DbBuild>Build-local-test</DbBuild>\n"
            + f"\t\t<Count>{len(self.corpus.records)}</Count>\n"
            + "\t\t<LastUpdate>2024/06/01 04:00</LastUpdate>\n\t</DbInfo>\n</eInfoResult>\n"
        ).encode()


# --- db=mesh: esearch and esummary in NCBI's documented shape --------------------------------

MESH_DATA = DATA.parent / "mesh" / "descriptors.json"
ESUMMARY_V2_DOCTYPE = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSummaryResult PUBLIC "-//NLM//DTD esummary '
    'mesh 20130923//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20130923/esummary_mesh.dtd">\n'
)


def mesh_descriptors() -> list[dict]:
    return json.loads(MESH_DATA.read_text(encoding="utf-8"))["descriptors"]


def mesh_search(term: str) -> list[str]:
    """uids whose heading or entry term contains every word of ``term`` (a field tag such as
    [mh] or [MeSH Terms] ignored), the heading's own matches first."""
    words = re.sub(r"\[[^\]]*\]", " ", term).lower().replace('"', " ").split()
    hits = []
    for d in mesh_descriptors():
        names = [t.lower() for t in d["terms"]]
        if words and any(all(w.rstrip("*") in n for w in words) for n in names):
            hits.append((0 if all(w.rstrip("*") in names[0] for w in words) else 1, d["uid"]))
    return [uid for _, uid in sorted(hits, key=lambda h: h[0])]


def mesh_answer(endpoint: str, params: dict) -> tuple[int, bytes, str]:
    json_mode = params.get("retmode") == "json"
    if endpoint == "esearch":
        ids = mesh_search(params.get("term", ""))
        retmax = int(params.get("retmax") or 20)
        page = ids[:retmax]
        if json_mode:
            body = {"header": {"type": "esearch", "version": "0.3"},
                    "esearchresult": {"count": str(len(ids)), "retmax": str(len(page)), "retstart": "0",
                                      "idlist": page, "translationset": [], "querytranslation": params.get("term", "")}}
            return 200, json.dumps(body).encode(), "application/json; charset=UTF-8"
        lines = "".join(f"\t\t<Id>{p}</Id>\n" for p in page)
        body = (ESEARCH_DOCTYPE + f"<eSearchResult>\n\t<Count>{len(ids)}</Count>\n\t<RetMax>{len(page)}</RetMax>\n"
                f"\t<RetStart>0</RetStart>\n\t<IdList>\n{lines}\t</IdList>\n\t<TranslationSet/>\n"
                f"\t<QueryTranslation>{escape(params.get('term', ''))}</QueryTranslation>\n</eSearchResult>\n")
        return 200, body.encode(), "text/xml; charset=UTF-8"
    wanted = [u for u in re.split(r"[,\s]+", params.get("id", "")) if u]
    by_uid = {d["uid"]: d for d in mesh_descriptors()}
    found = [by_uid[u] for u in wanted if u in by_uid]
    if json_mode:
        result: dict = {"uids": [d["uid"] for d in found]}
        for d in found:
            result[d["uid"]] = {"uid": d["uid"], "ds_meshui": d["ui"], "ds_meshterms": d["terms"],
                                "ds_scopenote": d["scope"], "ds_subheading": d["subheadings"],
                                "ds_idxlinks": [{"parent": ln["parent"], "treenum": ln["treenum"],
                                                 "children": ln["children"]} for ln in d["links"]],
                                "ds_recordtype": "descriptor"}
        return 200, json.dumps({"header": {"type": "esummary", "version": "0.3"}, "result": result}).encode(), \
            "application/json; charset=UTF-8"
    docs = []
    for d in found:
        terms = "".join(f"<string>{escape(t)}</string>" for t in d["terms"])
        subs = "".join(f"<string>{escape(t)}</string>" for t in d["subheadings"])
        links = "".join(
            f"<LinkInfo><TreeNum>{ln['treenum']}</TreeNum><ParentUid>{ln['parent']}</ParentUid>"
            f"<Children>{''.join(f'<int>{c}</int>' for c in ln['children'])}</Children></LinkInfo>"
            for ln in d["links"])
        docs.append(f'<DocumentSummary uid="{d["uid"]}"><DS_MeSHUI>{d["ui"]}</DS_MeSHUI>'
                    f"<DS_MeshTerms>{terms}</DS_MeshTerms><DS_ScopeNote>{escape(d['scope'])}</DS_ScopeNote>"
                    f"<DS_IdxLinks>{links}</DS_IdxLinks><DS_Subheading>{subs}</DS_Subheading>"
                    f"<DS_RecordType>descriptor</DS_RecordType></DocumentSummary>")
    missing = "".join(f"<DocumentSummary uid=\"{u}\"><error>cannot get document summary</error></DocumentSummary>"
                      for u in wanted if u not in by_uid)
    body = (ESUMMARY_V2_DOCTYPE + "<eSummaryResult><DocumentSummarySet status=\"OK\">"
            + "".join(docs) + missing + "</DocumentSummarySet></eSummaryResult>\n")
    return 200, body.encode(), "text/xml; charset=UTF-8"
