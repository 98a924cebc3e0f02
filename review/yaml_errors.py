"""YAML syntax errors in plain words, with the line to look at (review.yaml, queries/*.yaml)."""

from __future__ import annotations

import yaml

# What PyYAML was reading when it failed, named by what the user typed to open it.
_OPENED = {
    "while parsing a flow sequence": "the '[' at line {line}, column {column} is not closed",
    "while parsing a flow mapping": "the '{{' at line {line}, column {column} is not closed",
    "while scanning a quoted scalar": "the quotation mark at line {line}, column {column} is not closed",
}


def describe_yaml_error(exc: yaml.YAMLError) -> tuple[int, str]:
    """(line to look at, 1-based; message) for a YAML syntax error.

    For a bracket or quotation mark left open the line is where it was opened (the parser
    only notices at a later line, often the end of the file), and the message says so.
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    template = _OPENED.get(context or "")
    if template and opened is not None:
        hint = template.format(line=opened.line + 1, column=opened.column + 1)
        return opened.line + 1, f"{hint} ({problem}{where})"
    return (mark.line + 1 if mark else 1), f"{problem}" + (f" (column {mark.column + 1})" if mark else "")


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` whose impossible dates (2018-02-30) are YAML errors with a line,
    not a bare ``ValueError``."""

    def construct_yaml_timestamp(self, node: yaml.Node):  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"{node.value!r} is not a date ({exc}); write YYYY-MM-DD, or put the value in "
                "quotation marks if it is not meant as a date",
                node.start_mark,
            ) from None


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeLoader.construct_yaml_timestamp)
