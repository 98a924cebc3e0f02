"""Union-find clustering of duplicate links, with the constraints that keep clusters safe.

Links are applied strongest first. Two clusters are joined only when the result would not
hold two different DOIs or two different PMIDs (so no chain of fuzzy links can put two
identified papers together), would not put items of two different issues of one volume
together through a fuzzy link when neither cluster already spans both (an editor's column in issues 1 and 2 must
not meet through a copy without an issue number), and no pair across them was rejected by
a person. A link that
would break a constraint is returned as ``blocked`` (the run sends it to the review queue).
Manually confirmed links are applied before everything else and are not blocked by
identifier conflicts (a person looked at them); rejections still hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


ISSUE_OF = "issue of volume "
PAGE_OF = "page in volume "
LOOSE_OF = "issue without a page in volume "


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        """Join the sets of ``a`` and ``b``; return the new root."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra


@dataclass(frozen=True, slots=True)
class Link:
    a: int
    b: int
    confidence: float
    reason: str = ""
    method: str = "fuzzy"


@dataclass
class Clustering:
    labels: list[int]  # position -> root position of its cluster
    applied: list[Link] = field(default_factory=list)  # links that joined two clusters
    blocked: list[tuple[Link, str]] = field(default_factory=list)  # link, why it was not applied

    def clusters(self) -> list[list[int]]:
        """Every cluster of two or more, members in ascending order."""
        groups: dict[int, list[int]] = {}
        for pos, root in enumerate(self.labels):
            groups.setdefault(root, []).append(pos)
        return [m for m in groups.values() if len(m) > 1]


def build_clusters(
    n: int,
    links: Iterable[Link],
    *,
    dois: Sequence[str] = (),
    pmids: Sequence[str] = (),
    issues: Sequence[tuple[str, ...]] = (),
    confirmed: Iterable[Link] = (),
    rejected: Iterable[tuple[int, int]] = (),
) -> Clustering:
    """Cluster ``n`` records from their duplicate links under the safety constraints.

    ``dois``/``pmids`` are per position ("" when absent); ``issues`` per position the
    (volume, issue[, first page or article number]) of the record, "" where absent; ``rejected`` pairs are never put in
    one cluster, directly or through others.
    """
    uf = UnionFind(n)
    ids: dict[int, dict[str, set[str]]] = {}
    for pos in range(n):
        entry = {}
        if pos < len(dois) and dois[pos]:
            entry["DOI"] = {dois[pos]}
        if pos < len(pmids) and pmids[pos]:
            entry["PMID"] = {pmids[pos]}
        if pos < len(issues) and issues[pos][0] and issues[pos][1]:
            volume, issue, page = (tuple(issues[pos]) + ("",))[:3]
            entry[ISSUE_OF + volume] = {issue}
            # A record without a page may carry its page in the issue field (asked below).
            entry[(PAGE_OF if page else LOOSE_OF) + volume] = {page or issue}
        if entry:
            ids[pos] = entry
    cannot: dict[int, set[int]] = {}
    for a, b in rejected:
        cannot.setdefault(a, set()).add(b)
        cannot.setdefault(b, set()).add(a)
    members: dict[int, list[int]] = {}  # root -> members, kept only for roots with cannot-links

    def members_of(root: int) -> list[int]:
        return members.get(root, [root])

    def rejected_between(ra: int, rb: int) -> bool:
        if not cannot:
            return False
        small, other = (ra, rb) if len(members_of(ra)) <= len(members_of(rb)) else (rb, ra)
        return any(uf.find(x) == other for m in members_of(small) for x in cannot.get(m, ()))

    def id_conflict(ra: int, rb: int, issues: bool = True) -> str:
        ia, ib = ids.get(ra), ids.get(rb)
        if not ia or not ib:
            return ""
        for name in ("DOI", "PMID"):
            if name in ia and name in ib and ia[name] != ib[name]:
                return f"would join records with different {name}s"
        for name, values in ia.items() if issues else ():
            if name.startswith(ISSUE_OF) and name in ib and not values & ib[name]:
                volume = name[len(ISSUE_OF):]
                loose_a, loose_b = ia.get(LOOSE_OF + volume, set()), ib.get(LOOSE_OF + volume, set())
                if loose_a & ib.get(PAGE_OF + volume, set()) or loose_b & ia.get(PAGE_OF + volume, set()):
                    continue  # an issue field holding the other record's page: a shifted field
                return f"would join records of different issues of volume {volume}"
        return ""

    def join(link: Link, *, check_ids: bool, out: Clustering) -> None:
        ra, rb = uf.find(link.a), uf.find(link.b)
        if ra == rb:
            return
        if rejected_between(ra, rb):
            out.blocked.append((link, "a person rejected a pair across these clusters"))
            return
        if check_ids:
            why = id_conflict(ra, rb, issues=link.method == "fuzzy")
            if why:
                out.blocked.append((link, why))
                return
        root = uf.union(ra, rb)
        other = rb if root == ra else ra
        # carry identifiers and member lists to the new root
        ia, io = ids.get(root), ids.pop(other, None)
        if io:
            if ia is None:
                ids[root] = io
            else:
                for name, values in io.items():
                    ia.setdefault(name, set()).update(values)
        if cannot:
            members[root] = members_of(root) + members_of(other)
            members.pop(other, None)
        out.applied.append(link)

    result = Clustering(labels=[])
    for link in confirmed:
        join(link, check_ids=False, out=result)
    for link in sorted(links, key=lambda l: (-l.confidence, l.a, l.b)):
        join(link, check_ids=True, out=result)
    result.labels = [uf.find(i) for i in range(n)]
    return result
