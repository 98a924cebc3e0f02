"""Saved versions of a search strategy, and what changed between two of them in plain words.

Each save of a strategy file is a new row of ``strategy_versions`` (append-only: a version is
never changed or deleted), numbered 1, 2, ... per strategy, with the YAML exactly as saved, the
date and the author. A PubMed run records the version it ran (``record_version``: the file's
current text, stored as a new version when it was edited by hand since the last save), so the
PRISMA-S log shows the strategy exactly as run even after the file changes again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from review import store
from review.acting import old_spelling
from review.store.schema import strategy_versions
from review.store.transaction import check_write_guard
from review.strategy.editors import require_strategy_editor
from review.strategy.load import strategy_from_yaml
from review.strategy.model import DATABASE_NAMES, Strategy, StrategyError
from review.strategy.summary import _combination, describe, limit_text

__all__ = ["Version", "StaleDraftError", "save_version", "record_version", "list_versions", "get_version",
           "latest_version", "strategy_key", "diff_strategies", "diff_texts", "write_strategy_file"]


class StaleDraftError(StrategyError):
    """Someone saved the strategy after this draft was opened: saving would overwrite their version."""


@dataclass(frozen=True)
class Version:
    strategy: str
    version: int
    text: str
    sha256: str
    saved_at: str
    author: str
    note: str

    @property
    def label(self) -> str:
        who = f" by {self.author}" if self.author else ""
        return f"version {self.version} ({self.saved_at[:16].replace('T', ' ')}{who})"


def strategy_key(root: str | Path, path: str | Path) -> str:
    """How versions name a strategy file: its path inside the project (POSIX), else as given."""
    p = Path(path)
    try:
        return Path(os.path.relpath(p.resolve(), Path(root).resolve())).as_posix() if p.resolve().is_relative_to(
            Path(root).resolve()) else str(p)
    except (OSError, ValueError):
        return str(p)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _version(row: Any) -> Version:
    m = row._mapping
    return Version(m["strategy"], m["version"], m["text"], m["sha256"], m["saved_at"], m["author"], m["note"])


def list_versions(conn: sa.Connection, strategy: str) -> list[Version]:
    """Every saved version of ``strategy`` (its path in the project), oldest first."""
    rows = conn.execute(sa.select(strategy_versions).where(strategy_versions.c.strategy == strategy)
                        .order_by(strategy_versions.c.version))
    return [_version(r) for r in rows]


def latest_version(conn: sa.Connection, strategy: str) -> Version | None:
    row = conn.execute(sa.select(strategy_versions).where(strategy_versions.c.strategy == strategy)
                       .order_by(strategy_versions.c.version.desc()).limit(1)).first()
    return _version(row) if row else None


def get_version(conn: sa.Connection, strategy: str, version: int) -> Version:
    row = conn.execute(sa.select(strategy_versions).where(strategy_versions.c.strategy == strategy,
                                                          strategy_versions.c.version == version)).first()
    if row is None:
        known = [v.version for v in list_versions(conn, strategy)]
        have = f"versions {known[0]} to {known[-1]}" if known else "no saved versions"
        raise StrategyError(f"{strategy}: no version {version} ({have}; see `review query versions`)")
    return _version(row)


def _insert(conn: sa.Connection, strategy: str, text: str, author: str, note: str) -> Version:
    latest = latest_version(conn, strategy)
    number = (latest.version if latest else 0) + 1
    values = dict(strategy=strategy, version=number, text=text, sha256=_sha(text), saved_at=store.now_iso(),
                  author=author, note=note)
    conn.execute(sa.insert(strategy_versions).values(**values))
    store.log_event(conn, "strategy.save", subject=f"strategy:{strategy}",
                    payload={"version": number, "sha256": values["sha256"], "note": note}, actor=author)
    return Version(**values)


@old_spelling("author")
def save_version(engine: sa.Engine, strategy: str, text: str, *, by: str = "", note: str = "",
                 based_on: int | None = None, path: str | Path | None = None, file_was: str | None = None,
                 editor: str | None = None) -> Version:
    """Store ``text`` as the next version of ``strategy`` (and write it to ``path`` if given).

    ``editor``: the signed-in reviewer saving it (the app); they must be a lead or a reviewer
    the lead allowed (``review.strategy.editors``), checked in the save's transaction (else
    ``NotAllowedError``, nothing stored or written), and they are the version's author. The
    command line passes no editor: it is run by whoever holds the project's files.

    Refused (StrategyError, nothing stored) when the text does not load as a strategy, and
    (StaleDraftError) when ``based_on`` is not the latest version: someone saved meanwhile.
    Saving the text of the latest version again stores nothing and returns that version.
    ``file_was``: the file's text when the draft was opened; a file changed since (edited by
    hand) is refused (StaleDraftError) rather than overwritten."""
    strategy_from_yaml(text, strategy)
    if path is not None and file_was is not None and Path(path).is_file():
        now = Path(path).read_text(encoding="utf-8")
        if now != file_was and now != text:
            raise StaleDraftError(f"{strategy}: the file was changed after this draft was opened (edited outside "
                                  "the app); reload the strategy, or save that file first with `review query save`")
    with engine.begin() as conn:
        check_write_guard(conn)  # the app: this sign-in session is still live
        if editor is not None:
            require_strategy_editor(conn, editor)
            by = editor
        latest = latest_version(conn, strategy)
        if based_on is not None and latest is not None and latest.version != based_on:
            raise StaleDraftError(
                f"{strategy}: {latest.label} was saved after the version {based_on} this draft started from; "
                "reload the strategy (your draft's changes can be made again on it)")
        if latest is not None and latest.sha256 == _sha(text):
            version = latest
        else:
            version = _insert(conn, strategy, text, by, note)
        if path is not None:
            write_strategy_file(path, text)  # inside the transaction: a failed write stores no version
    return version


@old_spelling("author")
def record_version(engine: sa.Engine, strategy: str, text: str, *, by: str = "") -> Version:
    """The version whose text is ``text`` (the latest if it matches, else a new one noted as
    "edited outside the app"): what a search run records as the strategy it ran."""
    with engine.begin() as conn:
        latest = latest_version(conn, strategy)
        if latest is not None and latest.sha256 == _sha(text):
            return latest
        return _insert(conn, strategy, text, by, "as run (the file was changed since the last saved version)"
                       if latest else "as run")


def write_strategy_file(path: str | Path, text: str) -> None:
    """Replace the file's content atomically (a crash leaves the old or the new file, never half)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- plain-words diff --------------------------------------------------------------------

def _entry_text(strategy: Strategy, entry: Any) -> str:
    only = ""
    if set(entry.databases) != set(strategy.databases):
        names = [DATABASE_NAMES[d] for d in sorted(entry.databases) if d in strategy.databases]
        only = f" [{', '.join(names)} only]"
    return describe(entry.expr) + only


def diff_strategies(old: Strategy, new: Strategy) -> list[str]:
    """What changed from ``old`` to ``new``, one sentence each, in the order of the new strategy."""
    out: list[str] = []
    if old.title != new.title:
        out.append(f'Title changed from "{old.title}" to "{new.title}".')
    if old.searched != new.searched:
        out.append(f"Search date changed from {old.searched or 'none'} to {new.searched or 'none'}.")
    if set(old.databases) != set(new.databases):
        added = [DATABASE_NAMES[d] for d in new.databases if d not in old.databases]
        gone = [DATABASE_NAMES[d] for d in old.databases if d not in new.databases]
        if added:
            out.append(f"Databases added: {', '.join(added)}.")
        if gone:
            out.append(f"Databases removed: {', '.join(gone)}.")
    old_blocks = {b.name: b for b in old.blocks}
    new_blocks = {b.name: b for b in new.blocks}
    old_where = {_entry_key(e): b.title for b in old.blocks for e in b.entries}
    new_where = {_entry_key(e): b.title for b in new.blocks for e in b.entries}
    for b in new.blocks:
        if b.name not in old_blocks:
            out.append(f'Block "{b.title}" added with {len(b.entries)} term{"s" if len(b.entries) != 1 else ""}.')
    for b in old.blocks:
        if b.name not in new_blocks:
            out.append(f'Block "{b.title}" removed (it had {len(b.entries)} term{"s" if len(b.entries) != 1 else ""}).')
    if [b.name for b in old.blocks if b.name in new_blocks] != [b.name for b in new.blocks if b.name in old_blocks]:
        out.append("Blocks reordered: " + ", ".join(b.title for b in new.blocks) + ".")
    for b in new.blocks:
        ob = old_blocks.get(b.name)
        if ob is not None and ob.title != b.title:
            out.append(f'Block "{ob.title}" renamed "{b.title}".')
        old_keys = [_entry_key(e) for e in ob.entries] if ob else []
        new_keys = [_entry_key(e) for e in b.entries]
        for e in b.entries:
            key = _entry_key(e)
            if key in old_keys:
                continue
            if key in old_where:
                out.append(f'In "{b.title}": moved here from "{old_where[key]}": {_entry_text(new, e)}.')
            else:
                out.append(f'In "{b.title}": added {_entry_text(new, e)}.')
        if ob is not None:
            for e in ob.entries:
                key = _entry_key(e)
                if key not in new_keys and key not in new_where:
                    out.append(f'In "{b.title}": removed {_entry_text(old, e)}.')
            common_old = [k for k in old_keys if k in new_keys]
            common_new = [k for k in new_keys if k in old_keys]
            if common_old != common_new:
                out.append(f'In "{b.title}": terms reordered (the search is the same).')
    old_comb = _combination(old, old.combine) if old.combine is not None else ""
    new_comb = _combination(new, new.combine) if new.combine is not None else ""
    if old.combine != new.combine:
        out.append(f"Combination changed from {old_comb} to {new_comb}.")
    if old.limits != new.limits:
        out.append(f"Limits changed from {limit_text(old.limits, old.searched) or 'none'} to "
                   f"{limit_text(new.limits, new.searched) or 'none'}.")
    return out


def _entry_key(entry: Any) -> tuple:
    return (entry.expr, entry.databases)


def diff_texts(old_text: str, new_text: str, *, old_name: str = "old", new_name: str = "new") -> list[str]:
    """The plain-words diff of two strategy YAML texts; a change of comments or layout only says so."""
    old = strategy_from_yaml(old_text, old_name)
    new = strategy_from_yaml(new_text, new_name)
    changes = diff_strategies(old, new)
    if not changes:
        if old_text == new_text:
            return ["No change: the two versions are the same text."]
        return ["No change to the search: only comments, notes or layout differ."]
    return changes
