"""Late penalties, extensions, time zones and overrides (autograder.config, autograder.policy)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from autograder.config import ConfigError, LatePolicy, load_config
from autograder.policy import (
    OverrideError,
    apply_policy,
    late_penalty,
    load_overrides,
    submission_time,
)

UTC = timezone.utc
DEADLINE = datetime(2026, 3, 7, 4, 59, tzinfo=UTC)  # 2026-03-06T23:59-05:00


def _config(tmp_path, text):
    (tmp_path / "course.toml").write_text(text)
    return load_config(course=tmp_path)


COURSE = """
[late]
grace_minutes = 15
penalty_per_day_fraction = 0.1
max_penalty_fraction = 0.3

[assignments.a1]
deadline = "2026-03-06T23:59:00-05:00"

[assignments.a1.extensions]
alice = "2026-03-09T23:59:00-05:00"
bob = 2

[assignments.a2]
deadline = 2026-03-06T23:59:00Z
penalty_per_day_points = 2
no_credit_after_days = 3
"""


@pytest.mark.parametrize(("after", "penalty", "days"), [
    (timedelta(minutes=-1), 0.0, 0),     # early
    (timedelta(minutes=15), 0.0, 0),     # the last minute of grace
    (timedelta(minutes=16), 1.0, 1),     # past grace: 1 day late, 10% of 10
    (timedelta(days=1, minutes=1), 2.0, 2),
    (timedelta(days=9), 3.0, 9),         # capped at 30% of 10
])
def test_fraction_penalty_with_grace_and_cap(tmp_path, after, penalty, days):
    policy = _config(tmp_path, COURSE).policy("a1")
    got, late = late_penalty(8.0, 10.0, DEADLINE + after, policy, "carol")
    assert got == pytest.approx(penalty)
    assert late["days_late"] == days
    assert late["deadline"] == "2026-03-07T04:59:00+00:00"


def test_time_zones_compare_instants_not_clock_readings(tmp_path):
    policy = _config(tmp_path, COURSE).policy("a1")
    # 23:00 in Berlin on the 7th is 22:00 UTC: 17 h after the deadline, 1 day late
    berlin = timezone(timedelta(hours=1))
    got, late = late_penalty(10.0, 10.0, datetime(2026, 3, 7, 23, 0, tzinfo=berlin), policy,
                             "carol")
    assert (got, late["days_late"]) == (1.0, 1)
    # 23:58 in New York on the 6th is on time although its UTC date is the 7th
    ny = timezone(timedelta(hours=-5))
    assert late_penalty(10.0, 10.0, datetime(2026, 3, 6, 23, 58, tzinfo=ny), policy,
                        "carol")[0] == 0.0


def test_extensions_new_deadline_and_extra_days(tmp_path):
    policy = _config(tmp_path, COURSE).policy("a1")
    when = DEADLINE + timedelta(days=2)
    assert late_penalty(10.0, 10.0, when, policy, "alice")[0] == 0.0  # new deadline
    assert late_penalty(10.0, 10.0, when, policy, "bob")[0] == 0.0    # +2 days, exactly
    got, late = late_penalty(10.0, 10.0, when + timedelta(hours=1), policy, "bob")
    assert (got, late["days_late"]) == (1.0, 1)
    assert "extension of 2 day(s)" in late["reason"]
    assert late_penalty(10.0, 10.0, when, policy, "carol")[0] == 2.0


def test_points_penalty_and_no_credit_after(tmp_path):
    policy = _config(tmp_path, COURSE).policy("a2")
    d = datetime(2026, 3, 6, 23, 59, tzinfo=UTC)
    assert policy.penalty_per_day_fraction is None  # points replace the inherited fraction
    assert late_penalty(9.0, 10.0, d + timedelta(days=2), policy, "x")[0] == 3.0  # cap 30%
    got, late = late_penalty(9.0, 10.0, d + timedelta(days=3, seconds=1), policy, "x")
    assert got == 9.0 and "no credit" in late["reason"]
    assert late_penalty(1.0, 10.0, d + timedelta(days=1), policy, "x")[0] == 1.0  # not < 0


def test_no_deadline_is_never_late():
    assert late_penalty(5.0, 10.0, DEADLINE, LatePolicy(), "x") == (
        0.0, {"submitted_at": "2026-03-07T04:59:00+00:00", "deadline": None, "days_late": 0,
              "reason": "no deadline set"})


@pytest.mark.parametrize(("text", "message"), [
    ('[assignments.a1]\ndeadline = "2026-03-06T23:59:00"', "assignments.a1.deadline = "
     "'2026-03-06T23:59:00': has no time zone"),
    ('[assignments.a1]\ndeadline = "next friday"', "not a date and time; expected an ISO"),
    ("[late]\npenalty_per_day_fraction = 10", "late.penalty_per_day_fraction = 10: "
     "expected a fraction from 0 to 1"),
    ("[late]\npenalty_per_dya = 1", "late: unknown key 'penalty_per_dya'"),
    ("[late]\npenalty_per_day_points = 1\npenalty_per_day_fraction = 0.1",
     "expected one of them"),
    ("[assignments.a1.extensions]\nbob = -1", "assignments.a1.extensions.bob = -1"),
    ("deadline = 3", "unknown key 'deadline'"),
])
def test_bad_config_names_key_value_and_expectation(tmp_path, text, message):
    with pytest.raises(ConfigError, match="expected") as err:
        _config(tmp_path, text)
    assert message in str(err.value)


def test_timestamp_txt_wins_over_mtime_and_mtime_is_the_fallback(tmp_path):
    nb = tmp_path / "a1.ipynb"
    nb.write_text("{}")
    when, source = submission_time([nb])
    assert source == "file modification time (no timestamp.txt)" and when.tzinfo
    assert submission_time([nb], missing="on_time")[0] is None
    (tmp_path / "timestamp.txt").write_text("2026-03-07 05:30:00.000000 UTC\n")  # nbgrader's
    assert submission_time([nb]) == (datetime(2026, 3, 7, 5, 30, tzinfo=UTC), "timestamp.txt")


def _row():
    return {"student": "alice", "assignment": "a1", "status": "graded", "notes": [],
            "score": 7.0, "max_score": 10.0,
            "questions": [{"name": "f", "score": 3.0, "max_score": 5.0, "feedback": []},
                          {"name": "g", "score": 4.0, "max_score": 5.0, "feedback": []}]}


def test_overrides_win_and_are_recorded(tmp_path):
    config = _config(tmp_path, COURSE.replace('alice = "2026-03-09T23:59:00-05:00"\n', ""))
    (tmp_path / "overrides.csv").write_text(
        "student,assignment,question,score,reason,who\n"
        "alice,a1,f,5,regraded by hand,TA Kim\n"
        "alice,a1,h,1,typo,TA Kim\n")
    overrides = load_overrides(tmp_path / "overrides.csv")
    late = (DEADLINE + timedelta(hours=1), "timestamp.txt")
    row = apply_policy(_row(), config, overrides, late)
    assert (row["raw_score"], row["penalty"], row["score"]) == (9.0, 1.0, 8.0)
    assert row["questions"][0]["override"] == {"question": "f", "score": 5.0, "was": 3.0,
                                               "reason": "regraded by hand", "who": "TA Kim"}
    assert "not applied" in row["notes"][0]
    (tmp_path / "overrides.csv").write_text(
        "student,assignment,question,score,reason,who\nalice,a1,total,10,medical,Prof\n")
    row = apply_policy(_row(), config, load_overrides(tmp_path / "overrides.csv"), late)
    assert (row["raw_score"], row["penalty"], row["score"]) == (7.0, 1.0, 10.0)
    assert row["overrides"][0]["was"] == 6.0


def test_bad_override_line_is_named(tmp_path):
    (tmp_path / "o.csv").write_text("student,assignment,question,score,reason,who\n"
                                    "alice,a1,f,lots,,\n")
    with pytest.raises(OverrideError, match=r"line 2: score = 'lots'; expected a number"):
        load_overrides(tmp_path / "o.csv")
