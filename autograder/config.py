"""The course config file: deadlines, late policies and extensions for the whole course.

One file, ``<course>/course.toml`` (the course folder is the one holding
``solutions/``, :func:`autograder.assignments.course_root`), read by ``course grade``
(``--config`` names another). Its format is documented in ``docs/course-config.md``::

    [late]                                  # the default of every assignment
    grace_minutes = 15
    penalty_per_day_fraction = 0.10         # of the assignment's points, per day late
    max_penalty_fraction = 0.50             # the cap
    no_credit_after_days = 7                # 0 points when later than this

    [assignments."03_one_layer_at_a_time"]
    deadline = "2026-03-06T23:59:00-05:00"  # ISO 8601, with its time zone
    penalty_per_day_points = 2              # this assignment: points instead

    [assignments."03_one_layer_at_a_time".extensions]
    alice = "2026-03-09T23:59:00-05:00"     # a new deadline
    bob = 2                                  # or extra days

Every mistake is a :class:`ConfigError` naming the key, the value and what was
expected; nothing is guessed.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["CONFIG_FILE", "ConfigError", "CourseConfig", "LatePolicy", "load_config",
           "parse_deadline"]

#: The course config file's name, in the course folder.
CONFIG_FILE = "course.toml"

#: Keys of a late policy (``[late]`` and each ``[assignments."<name>"]``).
POLICY_KEYS = ("deadline", "grace_minutes", "penalty_per_day_points",
               "penalty_per_day_fraction", "max_penalty_points", "max_penalty_fraction",
               "no_credit_after_days")
#: Top-level keys.
TOP_KEYS = ("late", "assignments", "overrides", "missing_timestamp")
#: What to do when a submission has no nbgrader ``timestamp.txt``.
MISSING_TIMESTAMP = ("mtime", "on_time")


class ConfigError(ValueError):
    """A course config that cannot be used (the message names key, value, expectation)."""


@dataclass(frozen=True)
class LatePolicy:
    """The late policy of one assignment (all optional; ``None``: not set).

    Attributes
    ----------
    deadline : datetime or None
        Aware (it has its time zone); ``None``: no deadline, nothing is late.
    grace_minutes : float
        Minutes after the deadline still on time.
    penalty_per_day_points, penalty_per_day_fraction : float or None
        The penalty per day late, in points or as a fraction of the assignment's points
        (at most one of them).
    max_penalty_points, max_penalty_fraction : float or None
        The cap on the penalty (at most one of them).
    no_credit_after_days : float or None
        More days late than this: the score is 0.
    extensions : dict
        Student -> a new deadline (datetime) or extra days (float).
    """

    deadline: datetime | None = None
    grace_minutes: float = 0.0
    penalty_per_day_points: float | None = None
    penalty_per_day_fraction: float | None = None
    max_penalty_points: float | None = None
    max_penalty_fraction: float | None = None
    no_credit_after_days: float | None = None
    extensions: dict = field(default_factory=dict)

    def for_student(self, student):
        """``(deadline, extension note)`` of ``student``: the assignment's deadline, moved
        by the student's extension when there is one."""
        ext = self.extensions.get(student)
        if ext is None or self.deadline is None and not isinstance(ext, datetime):
            return self.deadline, None
        if isinstance(ext, datetime):
            return ext, f"extension to {ext.isoformat()}"
        return self.deadline + timedelta(days=ext), f"extension of {_num(ext)} day(s)"

    def fingerprint(self, student):
        """A short hash of what decides ``student``'s penalty (for regrade reasons)."""
        deadline, _ = self.for_student(student)
        doc = {k: v for k, v in asdict(self).items() if k not in ("extensions", "deadline")}
        doc["deadline"] = deadline.astimezone(timezone.utc).isoformat() if deadline else None
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def _num(x):
    return f"{x:g}"


@dataclass
class CourseConfig:
    """The parsed course config.

    Attributes
    ----------
    path : Path or None
        The file read (``None``: there was none; no deadlines).
    default : LatePolicy
        ``[late]``.
    assignments : dict
        Assignment name -> its :class:`LatePolicy` (the default with its own keys).
    overrides : Path or None
        The overrides file (``overrides = "..."``, relative to the config's folder).
    missing_timestamp : {"mtime", "on_time"}
        A submission without ``timestamp.txt``: timed by its files' modification time
        (default), or taken as on time.
    """

    path: Path | None = None
    default: LatePolicy = field(default_factory=LatePolicy)
    assignments: dict = field(default_factory=dict)
    overrides: Path | None = None
    missing_timestamp: str = "mtime"

    def policy(self, assignment):
        """The :class:`LatePolicy` of ``assignment`` (the default when it has none)."""
        return self.assignments.get(assignment, self.default)


_EXAMPLE_TIME = "2026-03-06T23:59:00-05:00"


def parse_deadline(value, key):
    """An aware datetime from an ISO 8601 string (or a TOML date-time) with a time zone.

    Raises
    ------
    ConfigError
        For a value that is not a date and time, or has no time zone.
    """
    expected = (f"expected an ISO 8601 date and time with its time zone, such as "
                f"{_EXAMPLE_TIME!r} or '2026-03-07T04:59:00Z'")
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(f"{key} = {value!r}: not a date and time; {expected}") from None
    else:
        raise ConfigError(f"{key} = {value!r}: a {type(value).__name__}; {expected}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ConfigError(f"{key} = {value!r}: has no time zone, so its instant is "
                          f"unknown; {expected}")
    return when


def _number(value, key, minimum=0.0, maximum=math.inf, what="a number"):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError(f"{key} = {value!r}: expected {what}")
    if not minimum <= value <= maximum:
        bound = f"from {_num(minimum)} to {_num(maximum)}" if maximum < math.inf else (
            f"at least {_num(minimum)}")
        raise ConfigError(f"{key} = {value!r}: expected {what} {bound}")
    return float(value)


def _policy(table, where, base):
    unknown = sorted(set(table) - set(POLICY_KEYS) - {"extensions"})
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (= {table[unknown[0]]!r}); "
                          f"expected one of {', '.join(POLICY_KEYS + ('extensions',))}")
    values = asdict(base)
    values["extensions"] = dict(base.extensions)
    for key in POLICY_KEYS:
        if key not in table:
            continue
        full, value = f"{where}.{key}", table[key]
        if key == "deadline":
            values[key] = parse_deadline(value, full)
        elif key.endswith("_fraction"):
            values[key] = _number(value, full, 0.0, 1.0, "a fraction")
        else:
            values[key] = _number(value, full, 0.0, what="a number of " + (
                "minutes" if key == "grace_minutes" else "days" if key.endswith("days")
                else "points"))
    for a, b in (("penalty_per_day_points", "penalty_per_day_fraction"),
                 ("max_penalty_points", "max_penalty_fraction")):
        if a in table and b in table:
            raise ConfigError(f"{where}: both {a} = {table[a]!r} and {b} = {table[b]!r}; "
                              "expected one of them")
        if a in table:  # this level's choice replaces the inherited other one
            values[b] = None
        elif b in table:
            values[a] = None
    ext = table.get("extensions", {})
    if not isinstance(ext, dict):
        raise ConfigError(f"{where}.extensions = {ext!r}: expected a table of student = "
                          "new deadline or extra days")
    for student, value in ext.items():
        full = f"{where}.extensions.{student}"
        if isinstance(value, (str, datetime)):
            values["extensions"][student] = parse_deadline(value, full)
        else:
            values["extensions"][student] = _number(
                value, full, 0.0, what="a new deadline (ISO 8601 with time zone) or a "
                "number of extra days")
    return LatePolicy(**values)


def load_config(path=None, course=None):
    """Read the course config.

    Parameters
    ----------
    path : str or Path, optional
        The file (it must exist); default ``<course>/course.toml`` when it exists.
    course : str or Path, optional
        The course folder (default :func:`autograder.assignments.course_root`).

    Returns
    -------
    CourseConfig
        With no file: no deadlines, overrides from ``<course>/overrides.csv`` if present.

    Raises
    ------
    ConfigError
        A missing ``path``, a file that is not TOML, or a bad key or value.
    """
    if course is None:
        from .assignments import course_root

        course = course_root()
    course = Path(course)
    if path is None:
        path = course / CONFIG_FILE
        if not path.is_file():
            default = course / "overrides.csv"
            return CourseConfig(overrides=default if default.is_file() else None)
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file; expected the course config (TOML, "
                          "docs/course-config.md)")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: not a readable TOML file ({err}); expected the course "
                          "config (docs/course-config.md)") from None
    unknown = sorted(set(doc) - set(TOP_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (= {doc[unknown[0]]!r}); "
                          f"expected one of {', '.join(TOP_KEYS)}")
    for key in ("late", "assignments"):
        if not isinstance(doc.get(key, {}), dict):
            raise ConfigError(f"{path}: {key} = {doc[key]!r}: expected a table [{key}]")
    try:
        default = _policy(doc.get("late", {}), "late", LatePolicy())
        assignments = {}
        for name, table in doc.get("assignments", {}).items():
            if not isinstance(table, dict):
                raise ConfigError(f"assignments.{name} = {table!r}: expected a table "
                                  f'[assignments."{name}"] with deadline = ...')
            assignments[name] = _policy(table, f"assignments.{name}", default)
        missing = doc.get("missing_timestamp", "mtime")
        if missing not in MISSING_TIMESTAMP:
            raise ConfigError(f"missing_timestamp = {missing!r}: expected one of "
                              f"{', '.join(map(repr, MISSING_TIMESTAMP))}")
        overrides = doc.get("overrides")
        if overrides is not None and not isinstance(overrides, str):
            raise ConfigError(f"overrides = {overrides!r}: expected the path of the "
                              "overrides CSV file")
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
    if overrides is None:
        over = path.parent / "overrides.csv"
        over = over if over.is_file() else None
    else:
        over = path.parent / overrides
        if not over.is_file():
            raise ConfigError(f"{path}: overrides = {overrides!r}: {over} does not exist; "
                              "expected a CSV file (student,assignment,question,score,"
                              "reason,who)")
    return CourseConfig(path, default, assignments, over, missing)
