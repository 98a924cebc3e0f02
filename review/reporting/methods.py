"""The draft methods section: its facts gathered from the store and the project config
(``gather_methods_facts`` -> ``MethodsFacts``, plain data) and the text written from them
(``methods_text`` and its sentences, pure). The reporting checklist reuses the facts and the
sentence helpers made public here (``database_with_interface``, ``other_source_label``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from review.formats.sources import database_label

if TYPE_CHECKING:
    from review.reporting.prisma import PrismaCounts
    from review.screening.agreement import Agreement


@dataclass
class SearchFact:
    database: str
    interface: str
    dates: list[str]
    records: int
    limits: list[str] = field(default_factory=list)


@dataclass
class StrategyFact:
    """A search strategy as run that the store holds: a PubMed run's final query (``kind``
    "search") or the strategy text attached to an imported export (``kind`` "file")."""

    database: str
    interface: str
    searched_on: str
    kind: str
    query: str
    total: int | None = None  # records the database reported (a PubMed run)


@dataclass
class MethodsFacts:
    """Everything the methods paragraph says, as plain data."""

    title: str = ""
    searches: list[SearchFact] = field(default_factory=list)
    other_sources: dict[str, int] = field(default_factory=dict)
    strategy_limits: list[str] = field(default_factory=list)
    identified: int = 0
    duplicates: int = 0
    dedup_methods: dict[str, int] = field(default_factory=dict)
    screened: int = 0
    screened_pending: int = 0  # of ``screened``, records still awaiting a title/abstract decision (a draft)
    reviewers: list[str] = field(default_factory=list)  # who cast screening votes
    voters_per_stage: dict[str, int] = field(default_factory=dict)
    kappa: dict[str, list[Agreement]] = field(default_factory=dict)  # stage -> agreement per reviewer pair
    conflict_resolution: str = "lead"
    prioritisation: str = ""  # the model that ordered title/abstract queues ("" = random order)
    pilot_records: int = 0  # a pilot round completed by at least two reviewers (0: none)
    # the title/abstract stage ended by its pre-registered stopping rule: rule, recall,
    # confidence, at (date), excluded (records not screened), total, estimates (per reviewer)
    stopping: dict | None = None
    pilot_agreement: list[Agreement] = field(default_factory=list)  # pairs who both completed the pilot
    conflicts_resolved: dict[str, int] = field(default_factory=dict)
    exclusion_reasons: list[str] = field(default_factory=list)
    assessed: int = 0  # databases and registers
    other_screened: int = 0  # other-method records not already found by the databases
    other_assessed: int = 0
    included: int = 0  # studies
    included_reports: int | None = None  # reports of the included studies (None: one per study)
    extraction_mode: str = "single"
    extraction_fields: int = 0
    extraction_sections: list[str] = field(default_factory=list)
    extractors: int = 0
    charted: int = 0
    # what the reporting checklist adds to the methods draft's facts
    question: str = ""
    criteria_version: int = 1
    criteria_include: list[str] = field(default_factory=list)
    criteria_exclude: list[str] = field(default_factory=list)
    strategy_file: str = ""  # review.yaml's strategy: (the strategy as YAML)
    strategies: list[StrategyFact] = field(default_factory=list)
    # citation searching done with `review chase` (review.chase.chase_facts; None: none)
    citation_chasing: dict[str, Any] | None = None
    # updates of a search (`review search --update`, `review import --update-of`): (date, new records)
    search_updates: list[tuple[str, int]] = field(default_factory=list)
    # what ``review studies check`` finds, from the PRISMA counts (``PrismaCounts.study_link_warnings``)
    study_link_warnings: list[list[str]] = field(default_factory=list)


DEDUP_METHOD_WORDS = {
    "doi": "identical DOI",
    "pmid": "identical PubMed ID",
    "fuzzy": "similar title, authors, year and journal (fuzzy matching)",
    "manual": "checked by hand",
}


def _join(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count_word(n: int, word: str, plural: str | None = None, *, capital: bool = False) -> str:
    """"Two reviewers", "one record", "12 records" (words up to ten, as journals prefer)."""
    number = NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"
    if capital:
        number = number[:1].upper() + number[1:]
    return f"{number} {word if n == 1 else (plural or word + 's')}"


def search_text(f: MethodsFacts) -> str:
    """The search sentences of the methods draft: databases, interfaces, dates, limits, other
    sources ("" when no search is recorded)."""
    if not f.searches:
        return ""
    parts = []
    for s in f.searches:
        when = f" on {_join(s.dates)}" if s.dates else " (search date not recorded)"
        parts.append(f"{database_with_interface(s.database, s.interface)}{when} ({_plural(s.records, 'record')})")
    text = "We searched " + _join(parts) + "."
    limits = all_limits(f)
    if limits:
        text += f" Limits applied: {_join(limits)}."
    if f.other_sources:
        others = [f"{other_source_label(k)} ({_plural(n, 'record')})" for k, n in f.other_sources.items()]
        text += " Records were also identified through " + _join(others) + "."
    for when, n in f.search_updates:
        text += f" The search was updated on {when or '(date not recorded)'} ({_plural(n, 'new record')})."
    if f.citation_chasing:
        text += " " + chase_text(f.citation_chasing)
    return text


def chase_text(facts: Mapping[str, Any]) -> str:
    """"Backward and forward citation searching of the 12 included studies was done on DATE
    through PubMed's citation links (PubMed Central reference lists), in two rounds."."""
    how = _join(list(facts.get("directions") or [])).capitalize() or "Citation"
    rounds = int(facts.get("rounds") or 1)
    dates = list(facts.get("dates") or [])
    return (
        f"{how} citation searching of the {_plural(int(facts.get('seeds') or 0), 'included study', 'included studies')} "
        f"was done{' on ' + _join(dates) if dates else ''} through PubMed's citation links (PubMed Central "
        f"reference lists), in {_count_word(rounds, 'round')}."
    )


def database_with_interface(database: str, interface: str) -> str:
    """"Embase (Ovid)"; the database alone when the interface is the database itself."""
    return f"{database} ({interface})" if interface and interface != database else database


def all_limits(f: MethodsFacts) -> list[str]:
    """Every limit, from the searches as stored and the strategy file, sorted."""
    return sorted({lim for s in f.searches for lim in s.limits} | set(f.strategy_limits))


def pilot_text(f: MethodsFacts) -> str:
    """" A pilot round of N records was screened by all reviewers first (...)." or ""."""
    if not f.pilot_records or not f.pilot_agreement:
        return ""
    parts = []
    for ag in f.pilot_agreement:
        k = "not defined" if ag.kappa is None else f"{ag.kappa:.2f}"
        who = f"{ag.pair[0]} and {ag.pair[1]}: " if len(f.pilot_agreement) > 1 else ""
        parts.append(f"{who}percent agreement {ag.percent:.1f}%, Cohen's kappa {k}")
    return (
        f" A pilot round of {_plural(f.pilot_records, 'record')} was screened by all reviewers first "
        f"({'; '.join(parts)})."
    )


def selection_text(f: MethodsFacts) -> str:
    """The selection sentences of the methods draft: reviewers, blind dual screening, reasons,
    conflict resolution, agreement per stage and reviewer pair."""
    n_rev = len(f.reviewers)
    if n_rev >= 2:
        text = (
            f"{_count_word(n_rev, 'reviewer', capital=True)} screened independently and blind to each "
            "other's decisions, first on title and abstract, then in full text, with a reason recorded "
            "for every full-text exclusion"
        )
        if f.exclusion_reasons:
            text += f" (from a fixed list of {_count_word(len(f.exclusion_reasons), 'reason')})"
        text += ". Each record needed the decisions of two reviewers."
        text += pilot_text(f)
    elif n_rev == 1:
        text = "One reviewer screened titles and abstracts and then full texts."
    else:
        text = "No screening decisions are recorded yet."
    if f.prioritisation:
        text += (
            f" Titles and abstracts were prioritised for screening by {f.prioritisation}, retrained as "
            "screening went on; each reviewer's order was learnt from that reviewer's own decisions "
            "only, so it revealed nothing of the other reviewer's"
            + (", and every record was still screened." if not f.stopping else ".")
        )
    text += stopping_text(f)
    resolver = (
        "by discussion between the two reviewers"
        if f.conflict_resolution == "pair"
        else "by a third reviewer (the review lead)"
    )
    resolved = sum(f.conflicts_resolved.values())
    text += f" Disagreements were resolved {resolver}"
    text += f"; {_count_word(resolved, 'conflict')} needed resolution." if resolved else "."
    for stage in ("title_abstract", "full_text"):
        for ag in f.kappa.get(stage, []):
            k = "not defined" if ag.kappa is None else f"{ag.kappa:.2f}"
            ci = ag.kappa_ci
            ci_text = f" (95% CI {ci[0]:.2f} to {ci[1]:.2f})" if ci else ""
            label = "title/abstract" if stage == "title_abstract" else "full-text"
            text += (
                f" Agreement at the {label} stage ({ag.pair[0]} and {ag.pair[1]}, {_plural(ag.n, 'record')}): "
                f"{ag.percent:.1f}%, Cohen's kappa {k}{ci_text}."
            )
    return text


def charting_text(f: MethodsFacts) -> str:
    """The charting sentences of the methods draft: single or dual charting, consensus, the
    form's size and sections, sources charted and by how many reviewers."""
    if f.extraction_mode == "dual":
        how = (
            "Two reviewers charted the data of each included source independently on a form defined "
            "in advance; every field on which they differed was settled by consensus"
        )
    else:
        how = "One reviewer charted the data of each included source on a form defined in advance"
    text = (
        f"{how}. The form had {_plural(f.extraction_fields, 'field')}"
        + (f" in {_count_word(len(f.extraction_sections), 'section')} ({_join(f.extraction_sections)})" if f.extraction_sections else "")
        + "."
    )
    if f.charted:
        text += (
            f" {_plural(f.charted, 'source')} {'was' if f.charted == 1 else 'were'} charted by "
            f"{_count_word(f.extractors, 'reviewer')}."
        )
    return text


def stopping_text(f: MethodsFacts) -> str:
    """The sentences on a title/abstract stage ended by its pre-registered stopping rule
    (PRISMA 2020 item 8: how automation tools were used in the process)."""
    s = f.stopping
    if not s:
        return ""
    recall, confidence = 100 * float(s["recall"]), 100 * float(s["confidence"])
    per = "; ".join(
        f"{e['reviewer']}: {e['screened']:,} records screened, {e['relevant']:,} relevant, p = {e['p_value']:.3g}"
        for e in s.get("estimates") or []
    )
    return (
        f" A stopping rule was chosen before screening began: the hypergeometric test of Callaghan and "
        f"Müller-Hansen (2020, \"buscar\") with a recall target of {recall:g}% and {confidence:g}% confidence, "
        "computed for each reviewer on that reviewer's own decisions in the order made, tested only when "
        "10%, 15%, ..., 95% of the records had been screened, with the error rate divided over every test "
        "that schedule allows (Bonferroni). "
        f"Every reviewer's test rejected the hypothesis that recall was below target on {str(s['at'])[:10]}"
        + (f" ({per})" if per else "")
        + f", and title/abstract screening ended then: {s['excluded']:,} of {s['total']:,} records were not "
        "screened and were excluded by the rule (reported as records marked as ineligible by automation "
        "tools); records already screened by one reviewer were screened by a second."
    )


def _stopping_fact(conn: sa.Connection) -> dict | None:
    from review.screening.stoprule import stop_record

    stop = stop_record(conn)
    if stop is None:
        return None
    return {
        "rule": stop.rule, "recall": stop.recall, "confidence": stop.confidence, "at": stop.at,
        "excluded": stop.excluded, "total": stop.total, "estimates": stop.estimates,
    }


def methods_text(f: MethodsFacts) -> str:
    """A draft methods section (Markdown) from the facts; every number comes from the store."""
    paras: list[str] = ["## Methods (draft generated from the review store)"]
    # Searches
    if f.searches:
        paras.append(
            "**Information sources and search.** " + search_text(f)
            + " The full search strategies are given in the supplementary search log (PRISMA-S)."
        )
    else:
        paras.append("**Information sources and search.** No searches are recorded in the store yet.")
    # Dedup
    text = (
        f"**Deduplication.** The database searches identified {_plural(f.identified, 'record')}; "
        f"{_plural(f.duplicates, 'duplicate')} {'was' if f.duplicates == 1 else 'were'} removed"
    )
    if f.dedup_methods:
        how = [f"{n:,} by {DEDUP_METHOD_WORDS.get(m, m)}" for m, n in f.dedup_methods.items()]
        text += f" ({_join(how)})"
    text += f", leaving {_plural(f.screened, 'record')} to screen. Every merge is logged and can be undone."
    paras.append(text)
    # Screening
    paras.append("**Selection of sources of evidence.** " + selection_text(f))
    # a draft: the records to screen are not all screened yet, and the sentence says so
    of = (f"Of {_plural(f.screened, 'record')} to screen ({f.screened - f.screened_pending:,} screened so far, "
          f"{f.screened_pending:,} awaiting a decision)") if f.screened_pending else f"Of {_plural(f.screened, 'record')} screened"
    text = (
        of
        + (f" from the databases and {_plural(f.other_screened, 'record')} found by other methods"
           if f.other_screened else "")
        + f", {_plural(f.assessed, 'report')} "
        f"{'was' if f.assessed == 1 else 'were'} assessed in full text"
    )
    if f.other_assessed:
        text += f" (and {_plural(f.other_assessed, 'report')} found by other methods)"
    if f.included_reports is not None and f.included_reports != f.included:
        text += (
            f"; {_plural(f.included_reports, 'report')} of {_plural(f.included, 'study', 'studies')} "
            f"{'was' if f.included_reports == 1 else 'were'} included (see the PRISMA 2020 flow diagram)."
        )
    else:
        text += (
            f"; {_plural(f.included, 'source')} {'was' if f.included == 1 else 'were'} included "
            "(see the PRISMA 2020 flow diagram)."
        )
    paras.append(text)
    # Charting
    paras.append("**Data charting.** " + charting_text(f))
    return "\n\n".join(paras) + "\n"


def other_source_label(key: str) -> str:
    from review.reporting.prisma import OTHER_SOURCE_LABELS

    return {"registers": "trial registers"}.get(key, OTHER_SOURCE_LABELS.get(key, key).lower())


def _pilot_facts(conn: sa.Connection, config: Mapping[str, Any]) -> tuple[int, list[Agreement]]:
    """(pilot records, the agreement of each pair who both completed it) when a pilot
    round was configured and completed by at least two reviewers, else (0, [])."""
    from review import screening

    if not (config.get("screening") or {}).get("pilot"):
        return 0, []
    settings = screening.screening_settings(dict(config))
    status = screening.pilot_status(conn, settings.pilot, settings.seed)
    if not status.agreement_ready:
        return 0, []
    pairs = screening.completed_pairs(status, screening.pilot_agreement(conn, settings.pilot, settings.seed))
    return status.records, list(pairs)


def gather_methods_facts(conn: sa.Connection, config: Mapping[str, Any], root: Path | None = None,
                         *, counts: PrismaCounts | None = None) -> MethodsFacts:
    """The methods facts from the store and the project config; ``counts``: the PRISMA counts
    when the caller has them already (computed from the store otherwise)."""
    from review import screening
    from review.extraction import extractors, form_from_config, included_record_ids
    from review.reporting.prisma import OTHER_METHOD_SOURCES, prisma_counts
    from review.store import list_imports
    from review.store.schema import dedup_membership, records
    from review.store.schema import imports as imports_t

    from review.store.live import live_clause, withdrawals

    withdrawn = withdrawals(conn)
    imports = [imp for imp in list_imports(conn) if int(imp["id"]) not in withdrawn]
    rows = conn.execute(
        sa.select(records.c.import_id, records.c.source_database, sa.func.count())
        .where(live_clause())
        .group_by(records.c.import_id, records.c.source_database)
    ).all()
    by_import: dict[int, Counter[str]] = {}
    for iid, db, n in rows:
        by_import.setdefault(int(iid), Counter())[db] += int(n)
    searches: dict[tuple[str, str], SearchFact] = {}
    strategies: list[StrategyFact] = []
    others: Counter[str] = Counter()
    for imp in imports:
        per_db = by_import.get(int(imp["id"]), Counter())
        if imp["other_source"] in OTHER_METHOD_SOURCES:
            others[imp["other_source"]] += sum(per_db.values())
            continue
        if imp["other_source"] == "registers":
            others["registers"] += sum(per_db.values())
        if (imp.get("query") or "").strip():
            strategies.append(StrategyFact(
                database=database_label(imp["database"], int(imp["id"])), interface=imp["interface"] or "",
                searched_on=imp["searched_on"] or "",
                kind=imp["kind"], query=imp["query"].strip(), total=imp.get("total"),
            ))
        for db, n in (per_db.items() or [(imp["database"], 0)]):
            key = (database_label(db or imp["database"], int(imp["id"])), imp["interface"] or "")
            fact = searches.setdefault(key, SearchFact(database=key[0], interface=key[1], dates=[], records=0))
            fact.records += n
            if imp["searched_on"] and imp["searched_on"] not in fact.dates:
                fact.dates.append(imp["searched_on"])
            for lim in _limits_text(imp.get("limits")):
                if lim not in fact.limits:
                    fact.limits.append(lim)
    # how the left column's duplicates were found (other-method records are reported apart)
    dedup_methods = Counter(
        m or "automatic"
        for m in conn.execute(
            sa.select(dedup_membership.c.method)
            .join(records, records.c.id == dedup_membership.c.record_id)
            .join(imports_t, imports_t.c.id == records.c.import_id)
            .where(
                dedup_membership.c.kept_id != dedup_membership.c.record_id,
                live_clause(),
                sa.or_(imports_t.c.other_source.is_(None), imports_t.c.other_source.not_in(OTHER_METHOD_SOURCES)),
            )
        ).scalars()
    )
    if counts is None:
        counts = prisma_counts(conn)
    voters: dict[str, set[str]] = {}
    for row in screening.export_decisions(conn):
        voters.setdefault(row["stage"], set()).add(row["reviewer"])
    all_voters = sorted(set().union(*voters.values())) if voters else []
    kappa = {stage: screening.agreement(conn, stage) for stage in screening.STAGES}
    pilot_records, pilot_agreement = _pilot_facts(conn, config)
    from review.store import list_events

    resolved = Counter(
        (e.get("payload") or {}).get("stage", "") for e in list_events(conn, "conflict.resolve")
    )
    form = form_from_config(config)
    included = included_record_ids(conn)
    from review.extraction import final_table

    table = final_table(conn, form, included) if included else []
    charted = sum(1 for r in table if any(v is not None for v in r.values.values()))
    criteria = screening.criteria_from_config(dict(config))
    from review.chase import chase_facts

    return MethodsFacts(
        citation_chasing=chase_facts(conn),
        search_updates=[(when, new) for _, _, when, new in counts.search_updates],
        study_link_warnings=list(counts.study_link_warnings),
        title=str(config.get("title") or config.get("name") or ""),
        searches=list(searches.values()),
        other_sources=dict(others),
        strategy_limits=_strategy_limits(config, root),
        identified=counts.database_results + counts.register_results,
        duplicates=counts.duplicates,
        dedup_methods=dict(dedup_methods),
        screened=counts.records_screened,
        screened_pending=counts.records_pending,
        other_screened=sum(counts.other_specific_results.values()) - counts.other_removed,
        reviewers=all_voters,
        voters_per_stage={s: len(v) for s, v in voters.items()},
        kappa=kappa,
        conflict_resolution=str((config.get("screening") or {}).get("conflict_resolution", "lead")),
        prioritisation=screening.prioritisation_used(conn),
        stopping=_stopping_fact(conn),
        pilot_records=pilot_records,
        pilot_agreement=pilot_agreement,
        conflicts_resolved=dict(resolved),
        exclusion_reasons=list(criteria.exclusion_reasons),
        assessed=counts.dbr_assessed,
        other_assessed=counts.other_assessed,
        included=counts.new_studies,
        included_reports=counts.new_reports,
        extraction_mode=form.mode,
        extraction_fields=len(form.fields),
        extraction_sections=[s.name for s in form.sections],
        extractors=len(extractors(conn)),
        charted=charted,
        question=" ".join(str(config.get("question") or "").split()),
        criteria_version=criteria.version,
        criteria_include=list(criteria.include),
        criteria_exclude=list(criteria.exclude),
        strategy_file=str(config.get("strategy") or ""),
        strategies=strategies,
    )


LIMIT_WORDS = {
    "languages": "language: {}",
    "language": "language: {}",
    "humans": "humans only",
    "years": "publication years {}",
    "publication_types": "publication types: {}",
}


def _limits_text(limits: Any) -> list[str]:
    """Limits as short phrases ("language: English", "humans only", "publication years 2008-current")."""
    if not limits:
        return []
    if isinstance(limits, Mapping):
        out = []
        for key, value in limits.items():
            if value is False or value in (None, "", []):
                continue
            if isinstance(value, (list, tuple)):
                value = ", ".join(str(v).capitalize() if key.startswith("language") else str(v) for v in value)
            elif isinstance(value, str) and str(key).startswith("language"):
                value = value.capitalize()
            template = LIMIT_WORDS.get(str(key), f"{key}: {{}}")
            out.append(template.format(value) if value is not True else template.split(":")[0].format(""))
        return [o.strip() for o in out]
    if isinstance(limits, (list, tuple)):
        out = []
        for item in limits:
            if isinstance(item, Mapping) and set(item) == {"kind", "value"}:
                # a strategy limit as stored by `review search`: {"kind": "years", "value": "2008-current"}
                out += _limits_text({str(item["kind"]): item["value"] if item["value"] not in (None, "") else True})
            else:
                out.append(str(item))
        return out
    return [str(limits)]


def _strategy_limits(config: Mapping[str, Any], root: Path | None) -> list[str]:
    """Limits named in the strategy file (``limits:``), best effort; [] when unreadable."""
    import yaml

    from review.project import template_root

    path = config.get("strategy")
    if not path:
        return []
    root = root or template_root()
    candidate = Path(str(path))
    candidate = candidate if candidate.is_absolute() else root / candidate
    try:
        data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    return _limits_text(data.get("limits")) if isinstance(data, Mapping) else []
