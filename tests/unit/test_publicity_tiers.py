"""The publicity clock of administrative penalties (issue 16 part 4): the tier's window looked up on the
decision date (Order 58 before 2026-04-01, Order 36 from it), the tier from the record or the rule file's
untiered reading, a local value winning over the State's, and a row's 公示截止期 checked against the window."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from xinyong.domain.disclosure.publicity import check_publicity_until, publicity_end, publicity_window
from xinyong.rules import load_rulebook
from xinyong.rules.errors import RuleFileError, RuleNotProvided
from xinyong.rules.loader import load_keys
from xinyong.services.rulebook.publicity import lookup

TODAY = date(2026, 6, 1)


@pytest.fixture(scope="module")
def rulebook():  # type: ignore[no-untyped-def]
    return load_rulebook()


def window(rulebook, jurisdiction: str, decided: date, values: dict | None = None):  # type: ignore[no-untyped-def]
    return publicity_window(decided, values, lookup(rulebook.get(jurisdiction), TODAY))


def test_the_decision_date_picks_order_58_or_order_36(rulebook) -> None:  # type: ignore[no-untyped-def]
    before = window(rulebook, "national", date(2026, 3, 31))
    after = window(rulebook, "national", date(2026, 4, 1))
    assert before is not None and after is not None
    # Order 58: 3 months to 3 years for every penalty
    assert (before.earliest_end, before.latest_end) == (date(2026, 6, 30), date(2029, 3, 31))
    assert "Order No. 58" in before.cite
    # Order 36, a record stating no tier: general (publicity.untiered_penalty), 3 months to 1 year
    assert (after.tier, after.earliest_end, after.latest_end) == ("general", date(2026, 7, 1), date(2027, 4, 1))
    assert "Order No. 36" in after.cite and after.tier_cite is not None and "Order No. 36" in after.tier_cite


def test_each_tier_has_its_window(rulebook) -> None:  # type: ignore[no-untyped-def]
    decided = date(2026, 4, 1)
    minor = window(rulebook, "national", decided, {"severity": "minor"})
    serious = window(rulebook, "national", decided, {"severity": "serious"})
    general = window(rulebook, "national", decided, {"severity": "general"})
    assert minor is not None and serious is not None and general is not None
    # minor: no minimum (in principle not published), at most 3 months
    assert (minor.earliest_end, minor.latest_end) == (decided, date(2026, 7, 1))
    assert (general.earliest_end, general.latest_end) == (date(2026, 7, 1), date(2027, 4, 1))
    assert (serious.earliest_end, serious.latest_end) == (date(2027, 4, 1), date(2029, 4, 1))
    assert minor.tier_cite is None          # the record stated its tier


@pytest.mark.parametrize("jurisdiction", ["shanghai-2017", "chongqing-2021", "gansu-2021", "hubei-2017-draft",
                                          "beijing-draft"])
def test_every_local_regulation_takes_the_states_tiers(rulebook, jurisdiction: str) -> None:  # type: ignore[no-untyped-def]
    local = window(rulebook, jurisdiction, date(2026, 4, 1), {"severity": "serious"})
    assert local == window(rulebook, "national", date(2026, 4, 1), {"severity": "serious"})


class _LocalOverride:
    """A local rule set that provides its own general tier (2 to 6 months) and defers the rest."""

    def __init__(self, national) -> None:  # type: ignore[no-untyped-def]
        self.national = national

    def value(self, key, on):  # type: ignore[no-untyped-def]
        if key == "display.penalty.general":
            from xinyong.rules.model import Span

            class Value:
                value = Span(2, 6, "months", "decision_date")
                citation = "XX Art. 9"
            return Value()
        if key == "display.penalty.serious":
            raise RuleNotProvided("xx", key)
        return self.national.value(key, on)

    def rule(self, key):  # type: ignore[no-untyped-def]
        return self.national.rule(key)


def test_a_local_value_wins_and_a_tier_it_does_not_provide_has_no_publicity(rulebook) -> None:  # type: ignore[no-untyped-def]
    look = lookup(_LocalOverride(rulebook.get("national")), TODAY)
    general = publicity_window(date(2026, 4, 1), None, look)
    assert general is not None and general.cite == "XX Art. 9"
    assert (general.earliest_end, general.latest_end) == (date(2026, 6, 1), date(2026, 10, 1))
    assert publicity_window(date(2026, 4, 1), {"severity": "serious"}, look) is None


def test_a_decision_before_any_value_is_timed_by_the_first_value_after_it(rulebook) -> None:  # type: ignore[no-untyped-def]
    old = window(rulebook, "national", date(2022, 6, 1))
    assert old is not None and old.latest_end == date(2025, 6, 1)
    assert "in force from 2023-05-01, after the decision of 2022-06-01" in old.cite


def test_a_rows_publicity_end_is_checked_against_the_window(rulebook) -> None:  # type: ignore[no-untyped-def]
    w = window(rulebook, "national", date(2026, 4, 1))
    assert w is not None
    assert check_publicity_until(None, w) is None
    assert check_publicity_until(date(2026, 12, 31), w) is None and publicity_end(w, date(2026, 12, 31)) == \
        date(2026, 12, 31)
    assert publicity_end(w) == date(2027, 4, 1)
    for wrong in (date(2026, 5, 1), date(2027, 4, 2)):
        refused = check_publicity_until(wrong, w)
        assert refused is not None and refused.reason == "publicity_end_inconsistent"
        assert refused.field == "publicity_until"
        assert "Order No. 36" in refused.message_zh and "Order No. 36" in refused.message_en
        assert "2026-07-01" in refused.message_zh and "2027-04-01" in refused.message_en
        assert publicity_end(w, wrong) == date(2027, 4, 1)      # outside the window: the maximum


def test_a_choice_key_needs_its_choices_and_a_value_among_them(tmp_path: Path, rulebook) -> None:  # type: ignore[no-untyped-def]
    keys = tmp_path / "keys.yaml"
    keys.write_text("x.tier:\n  type: choice\n  zh: 等级\n  en: tier\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="choice lists its choices"):
        load_keys(keys)
    keys.write_text("x.tier:\n  type: flag\n  choices: [a]\n  zh: 等级\n  en: tier\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="only a choice key lists choices"):
        load_keys(keys)
    assert rulebook.get("national").value("publicity.untiered_penalty", date(2026, 4, 1)).value == "general"


def test_intakes_check_refuses_an_end_outside_the_window_with_its_cite(rulebook) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from xinyong.services.rulebook.publicity import publicity_check

    clock = SimpleNamespace(today=lambda: TODAY)
    check = publicity_check(SimpleNamespace(rulebook=rulebook, jurisdiction="shanghai-2017", clock=clock))
    assert check(date(2026, 4, 1), ("罚款",), date(2026, 12, 31)) is None
    zh, en = check(date(2026, 4, 1), ("罚款",), date(2028, 1, 1))  # type: ignore[misc]
    assert "Order No. 36" in zh and "2027-04-01" in en
