"""Reports of a client import: what is wrong with the export, and what the kit changed.

Two records travel with every :func:`crm_training.load_client` result and are written next to
the cleaned data: the :class:`ValidationReport` (every problem found, at once, each with a
severity, a count and up to five example lines of the source file) and the :class:`CleaningLog`
(every row dropped or value changed, with its reason). Nothing is changed silently. Used in the
workshop chapter and by ``crm-training validate``. ``redacted()`` gives a copy of either without
personal data, for the reports of anonymised outputs (see :class:`.anonymise.Redactor`).

Examples
--------
>>> rep = ValidationReport()
>>> rep.add("bad_date", "error", "orders.csv", "3 dates could not be read", count=3,
...         column="timestamp", examples=[{"line": 4, "timestamp": "2024-13-45"}])
>>> rep.ok
False
>>> print(rep.to_text().splitlines()[0])
Validation: 1 error, 0 warnings
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd

SEVERITIES = ("error", "warning")
MAX_EXAMPLES = 5


class ClientDataError(ValueError):
    """A client export cannot be used; the message says why in one line (no traceback needed)."""


@dataclass
class Issue:
    """One problem of a client export.

    ``severity`` is ``"error"`` (blocks: the export must be fixed or the loss accepted) or
    ``"warning"`` (informs: the kit handled it, see the cleaning log). ``rows`` holds the
    source line numbers of every affected row (not only the examples), so cleaning can act on them.
    """

    code: str
    severity: str
    file: str
    message: str
    count: int = 0
    table: str = ""
    column: str = ""
    examples: list = field(default_factory=list)
    rows: object = field(default=None, repr=False)

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        self.examples = list(self.examples)[:MAX_EXAMPLES]


class ValidationReport:
    """Every problem of an import, listed together; errors first.

    Examples
    --------
    >>> rep = ValidationReport()
    >>> rep.add("future_date", "warning", "a.csv", "1 date after today", count=1)
    >>> rep.ok, len(rep.warnings)
    (True, 1)
    """

    def __init__(self, issues=None):
        self.issues: list[Issue] = list(issues or [])

    def add(self, code, severity, file, message, **kw) -> None:
        self.issues.append(Issue(code, severity, str(file), message, **kw))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when no problem blocks the use of the data."""
        return not self.errors

    def codes(self) -> list[str]:
        return [i.code for i in self.issues]

    def to_frame(self) -> pd.DataFrame:
        """One row per issue (examples as text), errors first."""
        rows = [{"severity": i.severity, "code": i.code, "file": i.file, "table": i.table,
                 "column": i.column, "count": i.count, "message": i.message,
                 "examples": "; ".join(_example_text(e) for e in i.examples)}
                for i in self._sorted()]
        return pd.DataFrame(rows, columns=["severity", "code", "file", "table", "column",
                                           "count", "message", "examples"])

    def _sorted(self) -> list[Issue]:
        return sorted(self.issues, key=lambda i: SEVERITIES.index(i.severity))

    def redacted(self, pii_columns=(), headers=None, names=()) -> "ValidationReport":
        """A copy without personal data (for reports of anonymised outputs): examples of
        ``pii_columns`` hidden, header cells that are values (``headers``: file -> {cell:
        label}) shown by their label, personal data and ``names`` scrubbed from every message
        and example. ``pii_columns`` may be an :class:`~.anonymise.Redactor` instead.

        Examples
        --------
        >>> rep = ValidationReport()
        >>> rep.add("missing_columns", "error", "c.csv", "found: C1, Ann Lee, 138 1234 5678")
        >>> rep.add("bad_value", "warning", "c.csv", "bad", examples=[{"line": 2, "email": "a@b"}])
        >>> print(rep.redacted({"email"}).to_text())  # doctest: +NORMALIZE_WHITESPACE
        Validation: 1 error, 1 warning
          ERROR   c.csv: found: C1, Ann Lee, [phone]
          WARNING c.csv: bad
                   line 2, email='[redacted]'
        """
        r = _redactor(pii_columns, headers, names)
        r.prime([(i.message, i.file) for i in self.issues])
        r.prime([t for i in self.issues for t in r.example_texts(i.examples, i.file)], False)
        return ValidationReport([_redact_issue(i, r) for i in self.issues])

    # ------------------------------------------------------------------ rendering
    def headline(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        return f"Validation: {e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}"

    def to_text(self) -> str:
        lines = [self.headline()]
        for i in self._sorted():  # client text printed without its control characters
            file, message = printable(i.file), printable(i.message)
            where = f"{file}" + (f" [{printable(i.column)}]" if i.column else "")
            count = f" ({i.count:,} row{'s' * (i.count != 1)})" if i.count else ""
            msg = message if message.startswith(file) else f"{where}: {message}"
            lines.append(f"  {i.severity.upper():<7} {msg}{count}")
            for e in i.examples:
                lines.append(f"           {printable(_example_text(e))}")
        if not self.issues:
            lines.append("  no problems found")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        lines = [f"## {self.headline()}", ""]
        if not self.issues:
            return "\n".join(lines + ["No problems found.", ""])
        lines += ["| severity | file | column | rows | problem | examples |",
                  "|---|---|---|---:|---|---|"]
        for i in self._sorted():
            ex = "<br>".join(_md(_example_text(e)) for e in i.examples)
            lines.append(f"| {i.severity} | {_md(i.file)} | {_md(i.column)} | {i.count:,} | "
                         f"{_md(i.message)} | {ex} |")
        return "\n".join(lines + [""])

    def to_html(self) -> str:
        return _html_table(self.headline(), self.to_frame())


@dataclass
class CleaningStep:
    """One change made while cleaning: which rows, what was done, and why."""

    file: str
    table: str
    action: str  # "dropped", "changed", "added", "linked"
    count: int
    reason: str
    column: str = ""
    examples: list = field(default_factory=list)


class CleaningLog:
    """Every row the cleaning dropped, changed or added, counted with its reason.

    Examples
    --------
    >>> log = CleaningLog()
    >>> log.add("a.csv", "transactions", "dropped", 2, "exact duplicate of an earlier row")
    >>> log.add("a.csv", "transactions", "dropped", 0, "nothing to do")  # zero counts are skipped
    >>> log.dropped("transactions")
    2
    """

    def __init__(self, steps=None):
        self.steps: list[CleaningStep] = list(steps or [])

    def add(self, file, table, action, count, reason, column="", examples=()) -> None:
        if count:
            self.steps.append(CleaningStep(str(file), table, action, int(count), reason, column,
                                           list(examples)[:MAX_EXAMPLES]))

    def dropped(self, table: str | None = None) -> int:
        return sum(s.count for s in self.steps
                   if s.action == "dropped" and (table is None or s.table == table))

    def to_frame(self) -> pd.DataFrame:
        rows = [{"file": s.file, "table": s.table, "action": s.action, "column": s.column,
                 "count": s.count, "reason": s.reason,
                 "examples": "; ".join(_example_text(e) for e in s.examples)} for s in self.steps]
        return pd.DataFrame(rows, columns=["file", "table", "action", "column", "count", "reason",
                                           "examples"])

    def redacted(self, pii_columns=(), headers=None, names=()) -> "CleaningLog":
        """A copy without personal data (see :meth:`ValidationReport.redacted`)."""
        r = _redactor(pii_columns, headers, names)
        r.prime([(s.reason, s.file) for s in self.steps])
        r.prime([t for s in self.steps for t in r.example_texts(s.examples, s.file)], False)
        return CleaningLog([CleaningStep(r.file(s.file), s.table, s.action, s.count,
                                         r.text(s.reason, s.file), r.header(s.column, s.file),
                                         [r.example(e, s.file) for e in s.examples])
                            for s in self.steps])

    def to_text(self) -> str:
        lines = [f"Cleaning: {len(self.steps)} step{'s' * (len(self.steps) != 1)}"]
        for s in self.steps:
            col = f" [{printable(s.column)}]" if s.column else ""
            lines.append(f"  {s.action:<8} {s.count:>10,}  {printable(s.table)}{col}: "
                         f"{printable(s.reason)} ({printable(s.file)})")
        if not self.steps:
            lines.append("  nothing changed")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        lines = [f"## Cleaning log ({len(self.steps)} steps)", ""]
        if not self.steps:
            return "\n".join(lines + ["Nothing was changed.", ""])
        lines += ["| action | rows | table | column | reason | file |",
                  "|---|---:|---|---|---|---|"]
        lines += [f"| {s.action} | {s.count:,} | {s.table} | {_md(s.column)} | {_md(s.reason)} | "
                  f"{_md(s.file)} |" for s in self.steps]
        return "\n".join(lines + [""])

    def to_html(self) -> str:
        return _html_table(f"Cleaning log ({len(self.steps)} steps)", self.to_frame())


# ---------------------------------------------------------------------- helpers
def _example_text(e) -> str:
    if not isinstance(e, dict):
        return str(e)
    parts = [f"{'line' if k == 'line' else k} {v}" if k == "line" else f"{k}={v!r}"
             for k, v in e.items()]
    return ", ".join(parts)


# characters a terminal or an editor acts on: C0 / C1 controls (ANSI escapes start with ESC),
# bidirectional overrides and invisible marks
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                      "\ufeff\ufff9-\ufffb]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def printable(s) -> str:
    r"""``s`` with its control characters written as escapes ("\x1b", "\n", "\u202e"), for a
    terminal: an ANSI sequence in a file or header name is shown, never run.

    Examples
    --------
    >>> printable("orders\x1b[2J.csv\n")
    'orders\\x1b[2J.csv\\n'
    """
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1] if ord(m.group(0)) < 0x100
                        else f"\\u{ord(m.group(0)):04x}", str(s))


def _md(s) -> str:
    r"""Client text for Markdown: control characters escaped, HTML (``<img onerror=…>``) as
    entities, Markdown's specials (links, emphasis, code, tables) after a backslash.

    Examples
    --------
    >>> print(_md("<img src=x onerror=alert(1)>|[a](http://x)*b*"))
    &lt;img src=x onerror=alert(1)&gt;\|\[a\](http://x)\*b\*
    """
    return html.escape(_MD_SPECIAL.sub(r"\\\1", printable(s)), quote=False)


def _html_table(title: str, frame: pd.DataFrame) -> str:
    body = frame.to_html(index=False, escape=True, border=0) if len(frame) else "<p>None.</p>"
    return f"<h2>{html.escape(title)}</h2>\n{body}\n"


def _redactor(pii_columns, headers=None, names=()):
    from .anonymise import Redactor

    if isinstance(pii_columns, Redactor):
        return pii_columns
    return Redactor(pii_columns, headers, names)


# issues about values that could not be read as their column's type (or channels the kit does
# not know, kept as other): in a redacted report their examples are hidden (such a value is
# often another column's, a name or a phone)
UNREADABLE = frozenset({"bad_value", "bad_required_value", "unknown_code", "binary_column",
                        "other_channel"})


def _redact_issue(i: Issue, r) -> Issue:
    hide = {i.column} if i.code in UNREADABLE and i.column else set()
    return Issue(i.code, i.severity, r.file(i.file), r.text(i.message, i.file), i.count,
                 i.table, r.header(i.column, i.file),
                 [r.example(e, i.file, hide) for e in i.examples], i.rows)
