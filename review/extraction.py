"""Data charting (extraction): the form from the project config, values per reviewer, consensus.

The form is data (``extraction:`` in review.yaml): sections of typed fields. Values are kept
per (record, field, reviewer), append-only; in dual mode two reviewers chart independently
and every field they disagree on needs a consensus value before it is final.

Pre-fill: fields the store already knows (first author, year, title, journal, DOI, the full
reference) start filled from the source's record: a field says so with ``prefill: NAME`` in
the form (``PREFILL_SOURCES``), or by a well-known id (``PREFILL_BY_ID``: ``author``,
``year_published``, ``full_reference``...); ``prefill: none`` turns it off. A pre-filled value
is the reviewer's to keep or overwrite: nothing is stored until they save a field of that
source (``save_field``), and then the pre-filled values they left as shown are stored with it,
as theirs. The values come from the record alone, never from another reviewer, so dual
extraction stays blind.

Pure parts: ``form_from_config``, ``normalise_value``, ``missing_required``,
``field_states``, ``prefill_values``, ``vancouver_reference``. Store parts: ``set_value``,
``save_field``, ``set_consensus``, ``values_of``, ``form_values``, ``final_table``,
``disagreements``, ``progress``. The blinding rule of dual extraction (who may see the other
extractor's values) is ``may_see_others``, pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from review.acting import old_spelling
from review.errors import ReviewError
from review.records import Record
from review.screening.decide import included_record_ids  # the sources to chart (read here by the reports too)
from review.store.api import log_event, now_iso
from review.store.schema import extraction_consensus, extraction_values, records
from review.store.transaction import check_write_guard

FIELD_TYPES = (
    "short_text",
    "long_text",
    "number",
    "year",
    "single_choice",
    "multiple_choice",
    "checklist",
    "country",
)
CHOICE_TYPES = ("single_choice", "multiple_choice")
CHECKLIST_ANSWERS = ("yes", "no", "unclear")
_CHECKLIST_ALIASES = {"y": "yes", "n": "no", "u": "unclear", "?": "unclear", "unknown": "unclear",
                      "can't tell": "unclear", "cannot tell": "unclear"}
MODES = ("single", "dual")
MULTI_SEPARATOR = "; "
# Names people write that ISO 3166 spells otherwise.
COUNTRY_ALIASES = {
    "uk": "United Kingdom", "england": "United Kingdom", "scotland": "United Kingdom",
    "wales": "United Kingdom", "northern ireland": "United Kingdom", "great britain": "United Kingdom",
    "us": "United States", "usa": "United States", "united states of america": "United States",
    "south korea": "Korea, Republic of", "korea": "Korea, Republic of",
    "russia": "Russian Federation", "iran": "Iran, Islamic Republic of",
    "taiwan": "Taiwan, Province of China", "vietnam": "Viet Nam", "turkey": "Türkiye",
    "czech republic": "Czechia", "the netherlands": "Netherlands", "holland": "Netherlands",
}


class ExtractionError(ReviewError):
    """Bad extraction input: the message names the field (and the record or config position)."""


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    type: str
    section: str
    help: str = ""
    required: bool = False
    options: tuple[str, ...] = ()
    export: bool = True  # in the ready-to-paste DOCX/Markdown table
    prefill: str = ""  # a PREFILL_SOURCES name: the value starts as the record's

    def describe(self) -> str:
        return f"field {self.id!r} ({self.label})"


@dataclass(frozen=True)
class Section:
    name: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Form:
    mode: str
    sections: tuple[Section, ...]

    @property
    def fields(self) -> list[Field]:
        return [f for s in self.sections for f in s.fields]

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        known = ", ".join(f.id for f in self.fields)
        raise ExtractionError(f"no field {field_id!r} in the extraction form (fields: {known})")


# ---------------------------------------------------------------------------------------
# The form (pure)


def default_form_config() -> dict[str, Any]:
    """The ``extraction:`` section of the bundled default review (the worked example)."""
    from review.project import CONFIG_NAME, read_config, template_root

    section = read_config(template_root() / CONFIG_NAME).get("extraction")
    if not isinstance(section, dict):
        raise ExtractionError("the bundled review.yaml has no extraction: section")
    return section


def form_from_config(config: Mapping[str, Any]) -> Form:
    """The form of a project config (its ``extraction:`` section, else the default form).

    Errors name the position in the config, e.g. ``extraction.sections[1].fields[2]``.
    """
    section = config.get("extraction")
    if section is None:
        section = default_form_config()
    if not isinstance(section, Mapping):
        raise ExtractionError("extraction: must be a mapping with mode: and sections:")
    mode = str(section.get("mode", "single"))
    if mode not in MODES:
        raise ExtractionError(f"extraction.mode must be single or dual, not {mode!r}")
    raw_sections = section.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise ExtractionError("extraction.sections must be a list of sections, each with name: and fields:")
    sections: list[Section] = []
    seen: set[str] = set()
    for si, raw in enumerate(raw_sections):
        where = f"extraction.sections[{si}]"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("fields"), list):
            raise ExtractionError(f"{where}: a section needs name: and a list of fields:")
        name = str(raw.get("name") or f"Section {si + 1}")
        fields_: list[Field] = []
        for fi, rf in enumerate(raw["fields"]):
            fwhere = f"{where}.fields[{fi}]"
            if not isinstance(rf, Mapping) or not rf.get("id"):
                raise ExtractionError(f"{fwhere}: a field needs at least id: and type:")
            fid = str(rf["id"])
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", fid):
                raise ExtractionError(f"{fwhere}: field id {fid!r} must be letters, digits and _")
            if fid in seen:
                raise ExtractionError(f"{fwhere}: field id {fid!r} is used twice")
            seen.add(fid)
            ftype = str(rf.get("type", "short_text"))
            if ftype not in FIELD_TYPES:
                raise ExtractionError(
                    f"{fwhere} ({fid}): unknown type {ftype!r}; use one of {', '.join(FIELD_TYPES)}"
                )
            options = tuple(str(o) for o in (rf.get("options") or ()))
            if ftype in CHOICE_TYPES and not options:
                raise ExtractionError(f"{fwhere} ({fid}): a {ftype} field needs options: [...]")
            if ftype == "checklist":
                options = CHECKLIST_ANSWERS
            prefill = _prefill_name(rf.get("prefill", PREFILL_BY_ID.get(fid, "")), f"{fwhere} ({fid})")
            fields_.append(
                Field(
                    id=fid,
                    label=str(rf.get("label") or fid.replace("_", " ").capitalize()),
                    type=ftype,
                    section=name,
                    help=str(rf.get("help") or ""),
                    required=bool(rf.get("required", False)),
                    options=options,
                    export=bool(rf.get("export", True)),
                    prefill=prefill,
                )
            )
        sections.append(Section(name=name, fields=tuple(fields_)))
    return Form(mode=mode, sections=tuple(sections))


def _prefill_name(value: Any, where: str) -> str:
    if value in (None, False, "", "none"):
        return ""
    name = str(value)
    if name not in PREFILL_SOURCES:
        raise ExtractionError(
            f"{where}: unknown prefill {name!r}; use one of {', '.join(PREFILL_SOURCES)} or none"
        )
    return name


# ---------------------------------------------------------------------------------------
# Pre-fill from the record (pure)

VANCOUVER_AUTHORS = 6  # Vancouver lists six authors, then "et al."


def _surname(author: str) -> str:
    return author.split(",")[0].strip()


def vancouver_name(author: str) -> str:
    """"Smith, John A." -> "Smith JA" (a name without a comma is kept as written)."""
    if "," not in author:
        return author.strip()
    surname, given = author.split(",", 1)
    initials = "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part and part[0].isalpha())
    return f"{surname.strip()} {initials}".strip()


def first_author(record: Record) -> str:
    """The first author's surname, "et al." when there are more: "Smith et al."."""
    names = [a for a in record.authors if a and a.strip()]
    if not names:
        return ""
    return _surname(names[0]) + (" et al." if len(names) > 1 else "")


def vancouver_reference(record: Record) -> str:
    """The record as a Vancouver (ICMJE) reference: "Smith JA, Jones B. Title. Journal.
    2016;12(3):45-9. doi:10.x/y". Parts the record lacks are left out."""
    names = [vancouver_name(a) for a in record.authors if a and a.strip()]
    authors = ", ".join(names[:VANCOUVER_AUTHORS]) + (", et al" if len(names) > VANCOUVER_AUTHORS else "")
    where = str(record.year or "")
    if record.volume:
        where += f";{record.volume}" + (f"({record.issue})" if record.issue else "")
    if record.pages:
        where += f":{record.pages}"
    parts = [authors, (record.title or "").rstrip("."), record.journal_abbrev or record.journal or "", where]
    text = ". ".join(p.strip() for p in parts if p and p.strip())
    text = text + "." if text else ""
    if record.doi:
        text += f" doi:{record.doi}"
    return text.strip()


# what a pre-filled field takes from the record
PREFILL_SOURCES: dict[str, Any] = {
    "first_author": first_author,
    "year": lambda r: r.year,
    "title": lambda r: r.title,
    "journal": lambda r: r.journal or r.journal_abbrev,
    "doi": lambda r: r.doi,
    "reference": vancouver_reference,
}
# field ids that mean one of them, so a form pre-fills without saying so
PREFILL_BY_ID = {
    "author": "first_author", "first_author": "first_author", "authors": "first_author",
    "year": "year", "year_published": "year", "publication_year": "year",
    "title": "title", "journal": "journal", "doi": "doi",
    "full_reference": "reference", "reference": "reference", "citation": "reference",
}


def prefill_values(form: Form, record: Record) -> dict[str, Any]:
    """field id -> the value the record gives it, for every pre-filled field the record has a
    usable value for (one that would not pass the field's checks is left out)."""
    out: dict[str, Any] = {}
    for f in form.fields:
        if not f.prefill:
            continue
        try:
            value = normalise_value(f, PREFILL_SOURCES[f.prefill](record))
        except ExtractionError:
            continue
        if value is not None:
            out[f.id] = value
    return out


# ---------------------------------------------------------------------------------------
# Values (pure)


def _country(text: str) -> str:
    import pycountry

    alias = COUNTRY_ALIASES.get(text.lower())
    if alias:
        return alias
    try:
        found = pycountry.countries.lookup(text)
    except LookupError:
        matches = []
        try:
            matches = pycountry.countries.search_fuzzy(text)
        except LookupError:
            pass
        hint = f" (did you mean {matches[0].name}?)" if matches else ""
        raise ValueError(f"{text!r} is not a country name or ISO 3166 code{hint}") from None
    return found.name


def normalise_value(f: Field, value: Any) -> Any:
    """``value`` checked and normalised for field ``f``; None when empty.

    Raises ``ExtractionError`` naming the field. Multiple choice takes a list or a
    "; "-separated string and returns a list in the form's option order.
    """
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return None
    try:
        if f.type in ("short_text", "long_text"):
            text = str(value).strip()
            if f.type == "short_text":
                text = " ".join(text.split())
            return text
        if f.type == "number":
            text = str(value).strip().replace(",", "")
            try:
                number = float(text)
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
            return int(number) if number.is_integer() else number
        if f.type == "year":
            text = str(value).strip()
            if not re.fullmatch(r"\d{4}", text) or not 1500 <= int(text) <= 2199:
                raise ValueError(f"{value!r} is not a year (four digits, 1500-2199)")
            return int(text)
        if f.type == "checklist":
            text = str(value).strip().lower()
            text = _CHECKLIST_ALIASES.get(text, text)
            if text not in CHECKLIST_ANSWERS:
                raise ValueError(f"{value!r} is not one of yes, no, unclear")
            return text
        if f.type == "single_choice":
            return _option(f, str(value))
        if f.type == "multiple_choice":
            items = value if isinstance(value, (list, tuple)) else str(value).split(";")
            chosen = {_option(f, str(i)) for i in items if str(i).strip()}
            return [o for o in f.options if o in chosen] or None
        if f.type == "country":
            return _country(" ".join(str(value).split()))
    except ValueError as exc:
        raise ExtractionError(f"{f.describe()}: {exc}") from None
    raise ExtractionError(f"{f.describe()}: unknown type {f.type!r}")


def _option(f: Field, text: str) -> str:
    wanted = text.strip().lower()
    for option in f.options:
        if option.lower() == wanted:
            return option
    raise ValueError(f"{text.strip()!r} is not one of the options ({', '.join(f.options)})")


def display(value: Any) -> str:
    """A value as a table cell: lists "; "-joined, None empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(str(v) for v in value)
    return str(value)


def missing_required(form: Form, values: Mapping[str, Any]) -> list[Field]:
    """Required fields without a value."""
    return [f for f in form.fields if f.required and values.get(f.id) in (None, "", [])]


@dataclass(frozen=True)
class FieldState:
    """One field of one record: each reviewer's value, the consensus, and the final value."""

    field: str
    by_reviewer: dict[str, Any]
    consensus: Any
    has_consensus: bool
    final: Any
    status: str  # "empty" | "single" | "agreed" | "disagreement" | "consensus" | "pending"


def field_state(
    mode: str,
    field_id: str,
    by_reviewer: Mapping[str, Any],
    consensus: tuple[bool, Any],
    record_reviewers: Sequence[str] = (),
) -> FieldState:
    """The final value of one field (pure).

    single mode: a consensus if recorded, else the most recent reviewer value (``by_reviewer``
    is in time order). dual mode: a consensus if recorded; else two or more reviewers with the
    same value agree; different values are a disagreement. A value from one reviewer while
    another reviewer charted the record and left the field empty is a disagreement too; a
    value from one reviewer while nobody else has charted the record yet is pending.
    """
    has_consensus, consensus_value = consensus
    if mode == "dual":
        by_reviewer = {**{r: None for r in record_reviewers}, **by_reviewer}
    values = {r: v for r, v in by_reviewer.items() if v not in (None, "", [])}
    if has_consensus:
        return FieldState(field_id, dict(by_reviewer), consensus_value, True, consensus_value, "consensus")
    if not values:
        return FieldState(field_id, dict(by_reviewer), None, False, None, "empty")
    if mode == "single":
        last = list(values.values())[-1]
        return FieldState(field_id, dict(by_reviewer), None, False, last, "single")
    distinct = {repr(_comparable(v)) for v in values.values()}
    if len(distinct) > 1:
        return FieldState(field_id, dict(by_reviewer), None, False, None, "disagreement")
    if len(values) >= 2:
        return FieldState(field_id, dict(by_reviewer), None, False, next(iter(values.values())), "agreed")
    if len(by_reviewer) >= 2:  # another reviewer charted this record and left this field empty
        return FieldState(field_id, dict(by_reviewer), None, False, None, "disagreement")
    return FieldState(field_id, dict(by_reviewer), None, False, None, "pending")


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return sorted(_comparable(v) for v in value)
    return value


# ---------------------------------------------------------------------------------------
# The store


def _require_record(conn: sa.Connection, record_id: int, *, included: bool) -> None:
    exists = conn.execute(sa.select(records.c.id).where(records.c.id == record_id)).first()
    if exists is None:
        raise ExtractionError(f"no record with id {record_id}")
    if included and record_id not in set(included_record_ids(conn)):
        raise ExtractionError(
            f"record {record_id} is not included at full text: only included sources are charted"
        )


def set_value(
    engine: sa.Engine,
    form: Form,
    record_id: int,
    field_id: str,
    value: Any,
    reviewer: str,
    *,
    require_included: bool = True,
) -> Any:
    """Record ``reviewer``'s value for one field (validated); return the stored value.

    Setting the same value again stores nothing; an empty value clears the field (a row
    with null, the earlier value stays in history).
    """
    if not reviewer:
        raise ExtractionError("a value needs the reviewer's name")
    f = form.field(field_id)
    clean = normalise_value(f, value)
    with engine.begin() as conn:
        check_write_guard(conn)  # the app's live-session check, in this transaction
        _require_record(conn, record_id, included=require_included)
        current = _latest_values(conn, [record_id]).get((record_id, field_id), {})
        if reviewer in current and current[reviewer] == clean:
            return clean
        if reviewer not in current and clean is None:
            return clean
        conn.execute(
            sa.insert(extraction_values).values(
                record_id=record_id, field=field_id, reviewer=reviewer, value=clean, at=now_iso()
            )
        )
        log_event(conn, "extraction.value", subject=f"record:{record_id}",
                  payload={"field": field_id, "value": clean}, actor=reviewer)
    return clean


def set_values(
    engine: sa.Engine,
    form: Form,
    record_id: int,
    values: Mapping[str, Any],
    reviewer: str,
    *,
    require_included: bool = True,
) -> dict[str, Any]:
    """Several fields at once (the form's autosave): all valid or none stored."""
    clean = {fid: normalise_value(form.field(fid), v) for fid, v in values.items()}
    with engine.begin() as conn:
        check_write_guard(conn)  # the app's live-session check, in this transaction
        _require_record(conn, record_id, included=require_included)
        current = _latest_values(conn, [record_id])
        changed = {}
        for fid, v in clean.items():
            mine = current.get((record_id, fid), {})
            if (reviewer in mine and mine[reviewer] == v) or (reviewer not in mine and v is None):
                continue
            changed[fid] = v
        stamp = now_iso()
        if changed:
            conn.execute(
                sa.insert(extraction_values),
                [dict(record_id=record_id, field=fid, reviewer=reviewer, value=v, at=stamp)
                 for fid, v in changed.items()],
            )
            log_event(conn, "extraction.values", subject=f"record:{record_id}",
                      payload={"fields": changed}, actor=reviewer)
    return clean


@old_spelling(position=5)
def set_consensus(
    engine: sa.Engine,
    form: Form,
    record_id: int,
    field_id: str,
    value: Any,
    note: str = "",
    *,
    by: str,
    require_included: bool = True,
) -> Any:
    """Record the consensus (final) value of one field; it overrides the reviewers' values."""
    f = form.field(field_id)
    clean = normalise_value(f, value)
    with engine.begin() as conn:
        check_write_guard(conn)  # the app's live-session check, in this transaction
        _require_record(conn, record_id, included=require_included)
        conn.execute(
            sa.insert(extraction_consensus).values(
                record_id=record_id, field=field_id, value=clean, by=by, note=note, at=now_iso()
            )
        )
        log_event(conn, "extraction.consensus", subject=f"record:{record_id}",
                  payload={"field": field_id, "value": clean, "note": note}, actor=by)
    return clean


def _latest_values(conn: sa.Connection, record_ids: Iterable[int] | None = None) -> dict[tuple[int, str], dict[str, Any]]:
    """(record, field) -> {reviewer: current value}, reviewers in order of their latest change."""
    query = sa.select(
        extraction_values.c.id, extraction_values.c.record_id, extraction_values.c.field,
        extraction_values.c.reviewer, extraction_values.c.value,
    ).order_by(extraction_values.c.id)
    if record_ids is not None:
        query = query.where(extraction_values.c.record_id.in_(list(record_ids)))
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for row in conn.execute(query):
        cell = out.setdefault((int(row.record_id), row.field), {})
        cell.pop(row.reviewer, None)  # re-insert so the order is by latest change
        cell[row.reviewer] = row.value
    return out


def _latest_consensus(conn: sa.Connection, record_ids: Iterable[int] | None = None) -> dict[tuple[int, str], tuple[bool, Any]]:
    query = sa.select(
        extraction_consensus.c.record_id, extraction_consensus.c.field, extraction_consensus.c.value
    ).order_by(extraction_consensus.c.id)
    if record_ids is not None:
        query = query.where(extraction_consensus.c.record_id.in_(list(record_ids)))
    out: dict[tuple[int, str], tuple[bool, Any]] = {}
    for row in conn.execute(query):
        # a consensus cleared to null means "no consensus" again
        if row.value is None:
            out.pop((int(row.record_id), row.field), None)
        else:
            out[(int(row.record_id), row.field)] = (True, row.value)
    return out


def record_prefill(conn: sa.Connection, form: Form, record_id: int) -> dict[str, Any]:
    """The pre-filled values of one source, from its record as screened (gaps filled from
    its duplicates)."""
    from review.dedup.state import merged_record

    return prefill_values(form, merged_record(conn, record_id))


@dataclass(frozen=True)
class FormValues:
    """What a reviewer's form shows: their own values, and the pre-filled ones where they have
    set nothing; ``prefilled``: the fields showing the record's value (set or not)."""

    values: dict[str, Any]
    prefilled: frozenset[str]


def form_values(conn: sa.Connection, form: Form, record_id: int, reviewer: str) -> FormValues:
    """The values ``reviewer``'s form for a source shows (see ``FormValues``)."""
    cells = _latest_values(conn, [record_id])
    touched = {fid: vals[reviewer] for (_, fid), vals in cells.items() if reviewer in vals}
    prefill = record_prefill(conn, form, record_id)
    values = {fid: v for fid, v in touched.items() if v is not None}
    for fid, v in prefill.items():
        if fid not in touched:
            values[fid] = v
    shown = frozenset(fid for fid, v in prefill.items() if _comparable(values.get(fid)) == _comparable(v))
    return FormValues(values=values, prefilled=shown)


def save_field(
    engine: sa.Engine, form: Form, record_id: int, field_id: str, value: Any, reviewer: str,
    *, require_included: bool = True,
) -> Any:
    """The form's autosave of one field. The first save on a source also stores the
    pre-filled values the reviewer left as shown (their form showed them; now they are
    theirs); a field they have set or cleared keeps what they gave it. All or nothing."""
    form.field(field_id)
    with engine.connect() as conn:
        cells = _latest_values(conn, [record_id])
        touched = {fid for (_, fid), vals in cells.items() if reviewer in vals}
        prefill = record_prefill(conn, form, record_id) if not touched else {}
    values = {fid: v for fid, v in prefill.items() if fid != field_id}
    values[field_id] = value
    return set_values(engine, form, record_id, values, reviewer, require_included=require_included)[field_id]


def values_of(conn: sa.Connection, record_id: int, reviewer: str) -> dict[str, Any]:
    """One reviewer's current values for one record (field -> value)."""
    cells = _latest_values(conn, [record_id])
    return {fid: vals[reviewer] for (rid, fid), vals in cells.items() if reviewer in vals and vals[reviewer] is not None}


def may_see_others(own_values: Mapping[str, Any], *, role: str) -> bool:
    """Whether a reviewer may see the other extractors' values of a source (dual extraction):
    once they have charted it themselves (``own_values``: their stored values, ``values_of``;
    a pre-fill shown but not saved does not count), so that their own charting stays blind;
    a lead may always look, to record the consensus."""
    return bool(own_values) or role == "lead"


def states_of(conn: sa.Connection, form: Form, record_ids: Sequence[int]) -> dict[int, dict[str, FieldState]]:
    """record -> field -> FieldState for every form field."""
    cells = _latest_values(conn, record_ids)
    consensus = _latest_consensus(conn, record_ids)
    charted_by: dict[int, list[str]] = {}
    for (rid, _fid), vals in cells.items():
        for reviewer, value in vals.items():
            if value is not None and reviewer not in charted_by.setdefault(rid, []):
                charted_by[rid].append(reviewer)
    return {
        rid: {
            f.id: field_state(
                form.mode, f.id, cells.get((rid, f.id), {}),
                consensus.get((rid, f.id), (False, None)), charted_by.get(rid, []),
            )
            for f in form.fields
        }
        for rid in record_ids
    }


@dataclass(frozen=True)
class Disagreement:
    record_id: int
    field: str
    label: str
    by_reviewer: dict[str, Any]


def disagreements(conn: sa.Connection, form: Form, record_ids: Sequence[int]) -> list[Disagreement]:
    """Open field-level disagreements (dual mode): reviewers differ and no consensus yet."""
    out = []
    for rid, states in states_of(conn, form, record_ids).items():
        for f in form.fields:
            s = states[f.id]
            if s.status == "disagreement":
                out.append(Disagreement(rid, f.id, f.label, s.by_reviewer))
    return out


@dataclass
class ChartRow:
    """One included source: its final values and what is still open."""

    record_id: int
    label: str
    values: dict[str, Any]
    open_fields: list[str] = field(default_factory=list)  # disagreement or pending
    missing_required: list[str] = field(default_factory=list)
    study: str = ""  # "12: Andre 2012, BMC Res Notes" when this report is linked to a study


def final_table(conn: sa.Connection, form: Form, record_ids: Sequence[int] | None = None) -> list[ChartRow]:
    """One row per included source (or ``record_ids``) with the final (consensus) values."""
    from review.dedup.state import merged_record
    from review.studies import study_of

    ids = list(record_ids) if record_ids is not None else included_record_ids(conn)
    states = states_of(conn, form, ids)
    linked = study_of(conn)
    rows = []
    for rid in ids:
        study = linked.get(rid)
        finals = {fid: s.final for fid, s in states[rid].items()}
        open_ = [fid for fid, s in states[rid].items() if s.status in ("disagreement", "pending")]
        rows.append(
            ChartRow(
                record_id=rid,
                label=merged_record(conn, rid).label(),
                values=finals,
                open_fields=open_,
                missing_required=[f.id for f in missing_required(form, finals) if f.id not in open_],
                study=f"{study}: {merged_record(conn, study).label()}" if study is not None else "",
            )
        )
    return rows


@dataclass(frozen=True)
class ExtractionProgress:
    total: int  # included sources
    mine_complete: int  # sources where this reviewer filled every required field
    finished: int  # sources whose every field is final (no disagreement/pending) and required filled
    open_disagreements: int


def progress(conn: sa.Connection, form: Form, reviewer: str, record_ids: Sequence[int] | None = None) -> ExtractionProgress:
    ids = list(record_ids) if record_ids is not None else included_record_ids(conn)
    cells = _latest_values(conn, ids)
    mine_complete = 0
    for rid in ids:
        mine = {fid: vals.get(reviewer) for (r, fid), vals in cells.items() if r == rid}
        if not missing_required(form, mine) and any(v is not None for v in mine.values()):
            mine_complete += 1
    table = final_table(conn, form, ids) if ids else []
    return ExtractionProgress(
        total=len(ids),
        mine_complete=mine_complete,
        finished=sum(1 for r in table if not r.open_fields and not r.missing_required),
        open_disagreements=len(disagreements(conn, form, ids)),
    )


def extractors(conn: sa.Connection) -> list[str]:
    """Everyone who charted at least one value, in order of first value."""
    names = conn.execute(sa.select(extraction_values.c.reviewer).order_by(extraction_values.c.id)).scalars()
    return list(dict.fromkeys(names))
