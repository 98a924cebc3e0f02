"""A review project: a folder with ``review.yaml`` (the config) and ``data/`` (store, files, cache).

The repository itself is the bundled default review (the worked example). ``review init DIR``
makes a blank project from the templates in ``review/templates/``; ``review init DIR
--example`` makes a copy of the worked example.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from review.errors import ReviewError
from review.yaml_errors import SafeLoader, describe_yaml_error

CONFIG_NAME = "review.yaml"
DEFAULT_DB_NAME = "review.sqlite"
ENV_DATABASE_URL = "REVIEW_DATABASE_URL"
ENV_PROJECT = "REVIEW_PROJECT"


class ProjectError(ReviewError):
    """No project where one was expected, or a broken config."""


@dataclass
class Project:
    root: Path
    config: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. an unknown key in review.yaml

    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.root.name)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def database_url(self) -> str:
        """``REVIEW_DATABASE_URL``, else ``database_url`` in the config, else SQLite under data/.

        A relative SQLite path in the config (``sqlite:///data/team.sqlite``) is read from the
        project folder, like every other path in review.yaml, so the store is the same
        whichever folder a command runs from."""
        if os.environ.get(ENV_DATABASE_URL):
            return str(os.environ[ENV_DATABASE_URL])
        url = self.config.get("database_url")
        if url:
            url = str(url)
            prefix = "sqlite:///"
            rest = url[len(prefix):] if url.startswith(prefix) else ""
            if rest and rest != ":memory:" and not rest.startswith("/") and "?" not in rest:
                return f"{prefix}{(self.root / rest).resolve()}"
            return url
        return f"sqlite:///{(self.data_dir / DEFAULT_DB_NAME).resolve()}"

    def path(self, relative: str | Path) -> Path:
        """A path from the config, resolved against the project root."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def section(self, name: str) -> Any:
        return self.config.get(name)


# The top-level keys of review.yaml and the kind of value each takes (None: left empty).
_TEXT = (str, int, float)
CONFIG_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "name": (_TEXT, "a short name"),
    "title": (_TEXT, "a line of text"),
    "question": (_TEXT, "a line of text"),
    "database_url": ((str,), "a database URL such as postgresql+psycopg2://user@host:5432/review"),
    "strategy": ((str,), "the path of a strategy file, e.g. queries/my-review.yaml"),
    "criteria": ((dict,), "a mapping with version, include and exclude"),
    "exclusion_reasons": ((list, str), "a list of reasons"),
    "sample": ((list,), "a list of files, each {file: ..., database: ...}"),
    "reviewers": ((list,), "a list of {name: ..., role: ...}"),
    "screening": ((dict,), "a mapping (seed, order, pilot, ...)"),
    "extraction": ((dict,), "a mapping with mode and sections"),
    "pubmed": ((dict,), "a mapping (email, api_key, tool, eutils_url)"),
}


def read_config(path: Path) -> dict[str, Any]:
    """The config in ``path`` (see ``read_config_checked``; its warnings are dropped)."""
    return read_config_checked(path)[0]


def read_config_checked(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The config in ``path`` and its warnings (an unknown top-level key, named by its line,
    with the closest known key). ``ProjectError`` for a file that is not valid YAML or a value
    of the wrong kind, naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read the project config ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        from review.formats.text import line_of

        line = line_of(exc.object, exc.start)
        raise ProjectError(f"{path}, line {line}: not UTF-8 text; save the file as UTF-8") from exc
    try:
        data = yaml.load(text, Loader=SafeLoader) or {}  # noqa: S506 - a SafeLoader subclass
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        line, message = describe_yaml_error(exc)
        raise ProjectError(f"{path}, line {line}: not valid YAML: {message}") from exc
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: the config must be a mapping (key: value lines)")
    return data, check_config(data, _key_lines(node), path)


def _key_lines(node: yaml.Node | None) -> dict[Any, int]:
    """Line (1-based) of each top-level key of a composed YAML mapping."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def check_config(data: dict[str, Any], lines: dict[Any, int], path: Path) -> list[str]:
    """Refuse a value of the wrong kind, naming the line; return a warning per unknown
    top-level key (a typo would silently drop its settings; a key of a newer version or of
    the team's own notes is kept and read by nothing)."""
    warnings: list[str] = []
    for key, value in data.items():
        where = f"{path}, line {lines.get(key, 1)}"
        if key not in CONFIG_KEYS:
            close = difflib.get_close_matches(str(key), CONFIG_KEYS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            warnings.append(f"{where}: unknown key {key!r} is ignored; {hint}the keys are {', '.join(CONFIG_KEYS)}")
            continue
        kinds, expected = CONFIG_KEYS[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
            raise ProjectError(f"{where}: {key} takes {expected}, not {value!r}")
    return warnings


def config_line(path: Path, dotted: str) -> int | None:
    """The 1-based line of the setting ``dotted`` ("screening.pilot") in the YAML file
    ``path``, or of its nearest parent that is there; None when the file cannot be read."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for part in dotted.split("."):
        if not isinstance(node, yaml.MappingNode):
            break
        match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
        if match is None:
            break
        line, node = match[0].start_mark.line + 1, match[1]
    return line


def locate_config_message(message: str, path: Path) -> str:
    """A settings error worded "review.yaml: screening.pilot must ..." with the file's path
    and the setting's line: "/proj/review.yaml, line 12: screening.pilot must ..."."""
    prefix = f"{CONFIG_NAME}: "
    if not message.startswith(prefix):
        return message
    rest = message[len(prefix):]
    setting = rest.split(" ", 1)[0].strip("'\".,:")
    line = config_line(path, setting) if "." in setting or setting in CONFIG_KEYS else None
    where = f"{path}, line {line}" if line else str(path)
    return f"{where}: {rest}"


def find_project_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``review.yaml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def load_project(directory: str | Path | None = None) -> Project:
    """The project at ``directory`` (or ``$REVIEW_PROJECT``, or found from the current folder)."""
    if directory is None:
        env = os.environ.get(ENV_PROJECT)
        root = Path(env) if env else find_project_root(Path.cwd())
        if root is None:
            raise ProjectError(
                f"no {CONFIG_NAME} in {Path.cwd()} or any folder above it: run "
                "'review init DIR' to make a project, or pass --project DIR"
            )
    else:
        root = Path(directory)
    config_path = root / CONFIG_NAME
    if not config_path.is_file():
        raise ProjectError(
            f"{root}: not a review project (no {CONFIG_NAME}); run 'review init {root}' first"
        )
    config, warnings = read_config_checked(config_path)
    return Project(root=root.resolve(), config=config, warnings=warnings)


def template_root() -> Path:
    """Where the default review's config and strategies live (the repository root)."""
    return Path(__file__).resolve().parent.parent


def blank_templates() -> Path:
    """The package folder holding the blank project's ``review.yaml`` and ``strategy.yaml``."""
    return Path(__file__).resolve().parent / "templates"


# The blank project: package data -> where it goes in the project.
BLANK_FILES: dict[str, str] = {"review.yaml": CONFIG_NAME, "strategy.yaml": "queries/strategy.yaml"}
# What `--example` copies of the default review besides its review.yaml: the strategies and
# the small real exports the README's walkthrough imports (data/walkthrough/SOURCES.md).
EXAMPLE_FOLDERS = ("queries", "data/walkthrough")
# Keys of the default review's review.yaml that belong to the demo or to this machine, left
# out of a copy: the demo's sample and reviewers (`review demo` runs on the default review
# only) and a store URL (a copy gets its own store).
EXAMPLE_DROPPED_KEYS = ("sample", "reviewers", "database_url")


def init_project(
    directory: str | Path, *, name: str | None = None, example: bool = False
) -> Project:
    """Make ``directory`` a project, with an empty store under ``data/``.

    Blank (default): a ``review.yaml`` with every key commented, empty criteria, JBI's
    scoping-review charting form and a skeleton strategy (``queries/strategy.yaml``).
    ``example=True``: a copy of the worked example (the default review's ``review.yaml``, its
    ``queries/`` and ``data/walkthrough/``), without the demo's keys.

    Refuses a folder that is a project already, and any file it would overwrite, before
    writing anything.
    """
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise ProjectError(f"{root}: cannot make the project folder (it is a file); "
                           "name a new folder or an existing one")
    target = root / CONFIG_NAME
    if target.exists():
        raise ProjectError(f"{target} already exists: this folder is a project already "
                           "(run review commands in it, or name a new folder)")
    project_name = name or root.resolve().name
    files = _example_files(project_name) if example else _blank_files(project_name)
    clash = next((rel for rel in files if (root / rel).exists()), None)
    if clash is not None:
        raise ProjectError(f"{root / clash} already exists: review init does not overwrite "
                           "files; move it away or name a new folder")
    made: list[Path] = []  # what this call created, taken back if a write fails

    def make_folder(folder: Path) -> None:
        for missing in reversed([f for f in (folder, *folder.parents) if not f.exists()]):
            missing.mkdir()
            made.append(missing)

    try:
        make_folder(root / "data")
        for rel, content in files.items():
            path = root / rel
            make_folder(path.parent)
            path.write_bytes(content)
            made.append(path)
    except OSError as exc:
        for path in reversed(made):
            try:
                path.rmdir() if path.is_dir() else path.unlink()
            except OSError:
                pass
        raise ProjectError(f"{root}: cannot make the project folder ({exc.strerror}); "
                           "name a new folder or an existing one") from exc
    return load_project(root)


def _yaml_name(name: str) -> str:
    """``name`` as a YAML scalar (a JSON string is a valid double-quoted YAML scalar)."""
    import json

    return json.dumps(name, ensure_ascii=False)


def _blank_files(name: str) -> dict[str, bytes]:
    """The blank project's files by path in the project."""
    out: dict[str, bytes] = {}
    for source, rel in BLANK_FILES.items():
        text = (blank_templates() / source).read_text(encoding="utf-8")
        if rel == CONFIG_NAME:
            text = text.replace("name: __NAME__", f"name: {_yaml_name(name)}", 1)
        out[rel] = text.encode("utf-8")
    return out


def _example_files(name: str) -> dict[str, bytes]:
    """The worked example's files by path in the project (comments in review.yaml kept)."""
    source = template_root()
    config = source / CONFIG_NAME
    if not config.is_file():
        raise ProjectError(f"{config}: the worked example is not there (review is installed "
                           "without its repository); clone the repository for --example")
    text = drop_top_level_keys(config.read_text(encoding="utf-8"), EXAMPLE_DROPPED_KEYS)
    text = re.sub(r"(?m)^name:.*$", f"name: {_yaml_name(name)}", text, count=1)
    text = re.sub(
        r"(?m)\A(# .*\n)+",
        "# A copy of the worked example (review init --example): the default review's settings,\n"
        "# strategy and charting form. Edit it into your own review, or try the README's walkthrough.\n",
        text, count=1,
    )
    out: dict[str, bytes] = {CONFIG_NAME: text.encode("utf-8")}
    for folder in EXAMPLE_FOLDERS:
        base = source / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    out[str(Path(folder) / path.relative_to(base))] = path.read_bytes()
    return out


def drop_top_level_keys(text: str, keys: tuple[str, ...]) -> str:
    """The YAML ``text`` without the top-level ``keys``: each key's lines, its value's and the
    comment lines just above it, so the other keys keep their comments as written."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if re.match(r"[^\s#-]", line)]
    drop: set[int] = set()
    for n, i in enumerate(starts):
        if not re.match(rf"(?:{'|'.join(map(re.escape, keys))})\s*:", lines[i]):
            continue
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        while end - 1 > i and lines[end - 1].lstrip().startswith("#"):
            end -= 1  # the next key's own comment
        first = i
        while first > 0 and lines[first - 1].startswith("#"):
            first -= 1
        drop.update(range(first, end))
    kept = [line for i, line in enumerate(lines) if i not in drop]
    return re.sub(r"\n{3,}", "\n\n", "".join(kept))
