"""The loader is strict: every mistake in a rule file is an error naming the file and the line.

Each bad file marks the line the error must name with ``# <-``.
"""

from __future__ import annotations

import textwrap

import pytest
from rule_files import SAMPLE_HEAD, RuleDir

from xinyong.rules import (
    RuleFileError,
    Span,
    load_keys,
    load_rulebook,
    load_vocabulary,
)


def _rules(body: str) -> str:
    return SAMPLE_HEAD + "rules:\n" + textwrap.indent(textwrap.dedent(body), "  ")


BAD_FILES = [
    pytest.param(
        SAMPLE_HEAD.replace("abbrev: SA", "abbrev: SA\ncolour: red  # <-") + "rules: {}\n",
        "unknown key 'colour'",
        id="unknown top-level key",
    ),
    pytest.param(
        _rules("""
            objection.decid:  # <-
              values:
                2020-03-01: {value: 5, cite: "Art. 36"}
            """),
        "unknown rule key 'objection.decid'",
        id="unknown rule key",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5, cite: "Art. 36", because: reasons}  # <-
            """),
        "unknown key 'because'",
        id="unknown key in a value entry",
    ),
    pytest.param(
        _rules("""
            objection.notify:
              values:
                2020-03-01: {value: 2, unit: working_days, cite: "Art. 36", counts_from: filing}  # <-
            """),
        "counts_from must be one of receipt, transfer, decision, got 'filing'",
        id="a period counted from an unknown event",
    ),
    pytest.param(
        _rules("""
            objection.refuse_repeated:
              values:
                2020-03-01: {value: true, cite: "Art. 36", counts_from: receipt}  # <-
            """),
        "only a period counts from an event",
        id="counts_from on a flag",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5, cite: "Art. 36"}
            objection.decide:  # <-
              values:
                2020-03-01: {value: 7, cite: "Art. 36"}
            """),
        "duplicate key objection.decide",
        id="duplicate rule key",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5, cite: "Art. 36"}
                2020-03-01: {value: 7, cite: "Art. 36"}  # <-
            """),
        "duplicate key 2020-03-01",
        id="duplicate effective date",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5}  # <-
            """),
        "lacks a citation",
        id="missing cite",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5, cite: "Art. 36(2); Art. 99"}  # <-
            """),
        "Article 99, which does not exist in sample-2020.txt",
        id="cite names a nonexistent article",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5, cite: "Section 36"}  # <-
            """),
        "must read 'Art. N'",
        id="cite not in Art. N form",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2021-01-01: {value: 5, cite: "Art. 36"}
                2020-03-01: {value: 7, cite: "Art. 36"}  # <-
            """),
        "effective dates must ascend",
        id="effective dates out of order",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5, cite: "Art. 36", until: 2021-06-30}  # <-
                2021-01-01: {value: 7, cite: "Art. 36"}
            """),
        "runs until 2021-06-30, past the next value",
        id="until overlaps the next value",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01T09:00:00: {value: 5, cite: "Art. 36"}  # <-
            """),
        "effective date must be YYYY-MM-DD",
        id="effective date with a time",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: five, cite: "Art. 36"}  # <-
            """),
        "a period is a whole number",
        id="period given as a word",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 2.5, cite: "Art. 36"}  # <-
            """),
        "a period is a whole number",
        id="period given as a fraction",
    ),
    pytest.param(
        _rules("""
            objection.disclosure_continues:
              values:
                2020-03-01: {value: 1, cite: "Art. 36"}  # <-
            """),
        "a flag is true or false",
        id="flag given as a number",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5, unit: days, cite: "Art. 36"}  # <-
            """),
        "the unit of objection.decide is working_days",
        id="unit contradicts the registry",
    ),
    pytest.param(
        _rules("""
            aggregation.verify:
              values:
                2020-03-01: {value: 5, cite: "Art. 22"}  # <-
            """),
        "the entry needs unit",
        id="per-file unit missing",
    ),
    pytest.param(
        _rules("""
            display.untrustworthy.natural_person:
              values:
                2020-03-01:
                  value: {min: 1, max: lots, unit: years}  # <-
                  cite: "Art. 35"
            """),
        "max is a whole number >= 0 or 'unlimited'",
        id="span max not a number",
    ),
    pytest.param(
        _rules("""
            display.untrustworthy.natural_person:
              values:
                2020-03-01:
                  value: {max: 5, unit: years, counts_from: yesterday}  # <-
                  cite: "Art. 35"
            """),
        "counts_from must be one of",
        id="span counts from an unknown event",
    ),
    pytest.param(
        _rules("""
            data.forbidden:
              values:
                2020-03-01:
                  value:
                    - religion
                    - horoscope  # <-
                  cite: "Art. 14"
            """),
        "'horoscope' is not a category in rules/vocabulary.yaml",
        id="unknown vocabulary category",
    ),
    pytest.param(
        _rules("""
            measures.ordinary:
              values:
                2020-03-01:
                  value:
                    - key: no_permits
                      zh: 限制许可
                      en: No permits
                      kind: harsh  # <-
                      target: all
                  cite: "Art. 30"
            """),
        "kind must be one of incentive, ordinary, serious_list",
        id="measure of unknown kind",
    ),
    pytest.param(
        _rules("""
            liability:
              values:
                2020-03-01:
                  value:
                    - duty: objection.correct
                      zh: 拒不更正
                      en: Refusing to correct
                      party: platform_operator
                      fine_min: 50000
                      fine_max: ten thousand  # <-
                  cite: "Art. 51"
            """),
        "fine_max is a whole number of yuan",
        id="fine not a number",
    ),
    pytest.param(
        _rules("""
            objection.notify:
              values:
                2020-03-01:  # <-
                  value: 2
                  unit: working_days
                  basis: operator_target
                  cite: "Art. 36"
            """),
        "an operator_target needs wording",
        id="operator target without the article's wording",
    ),
    pytest.param(
        _rules("""
            display.untrustworthy.natural_person:
              defer: national
              cite: "Art. 77"  # <-
            """),
        "Article 77, which does not exist",
        id="deferral cites a nonexistent article",
    ),
    pytest.param(
        _rules("""
            display.untrustworthy.natural_person:  # <-
              defer: national
            """),
        "lacks a citation",
        id="deferral without a cite",
    ),
    pytest.param(
        _rules("""
            objection.decide: {}
            """)
        + 'notes:\n  "Art. 45": fine\n  "Art. 145": no such article  # <-\n',
        "Article 145, which does not exist",
        id="note on a nonexistent article",
    ),
    pytest.param(
        SAMPLE_HEAD.replace("id: sample-2020", "id: sample-2021  # <-") + "rules: {}\n",
        "must equal the file name",
        id="id differs from the file name",
    ),
    pytest.param(
        SAMPLE_HEAD.replace("text: sample-2020.txt", "text: missing.txt  # <-") + "rules: {}\n",
        "regulation text 'missing.txt' not found",
        id="regulation text missing",
    ),
    pytest.param(
        SAMPLE_HEAD.replace("status: enacted", "status: rumoured  # <-") + "rules: {}\n",
        "status must be one of enacted, draft",
        id="unknown status",
    ),
    pytest.param(
        _rules("""
            objection.decide:
              values:
                2020-03-01: {value: 5, cite: "Art. 36"
                2021-03-01: {value: 5, cite: "Art. 36"}  # <-
            """),
        "",
        id="YAML syntax error",
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD_FILES)
def test_a_bad_rule_file_is_refused_with_file_and_line(rule_dir: RuleDir, body: str, message: str) -> None:
    path = rule_dir.write("sample-2020.yaml", body)
    expected_line = next(i for i, line in enumerate(body.splitlines(), start=1) if "# <-" in line)
    with pytest.raises(RuleFileError) as caught:
        rule_dir.load()
    error = caught.value
    text = str(error)
    assert str(path) in text
    assert any(p.line == expected_line and message in p.message for p in error.problems), text
    assert f"{path}:{expected_line}: " in text


def test_all_problems_in_a_file_are_reported_together(rule_dir: RuleDir) -> None:
    rule_dir.sample("""
        objection.decide:
          values:
            2020-03-01: {value: 5}
        objection.label:
          values:
            2020-03-01: {value: one, cite: "Art. 36"}
        """)
    with pytest.raises(RuleFileError) as caught:
        rule_dir.load()
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 2
    assert "lacks a citation" in messages[0]
    assert "a period is a whole number" in messages[1]


def test_a_file_without_a_text_must_mark_its_source(rule_dir: RuleDir) -> None:
    path = rule_dir.write(
        "national.yaml",
        """\
        id: national
        title: {zh: 国家规定, en: National provisions}
        status: enacted
        abbrev: NAT
        jurisdiction: {zh: 全国, en: National}
        rules:
          restoration.decide:
            values:
              2020-01-01: {value: 3, cite: "Notice 22"}
        """,
    )
    with pytest.raises(RuleFileError, match="must say source") as caught:
        rule_dir.load()
    assert caught.value.file == str(path)
    assert caught.value.line == 9


def test_deferral_to_a_file_that_is_not_loaded(rule_dir: RuleDir) -> None:
    rule_dir.sample("""
        display.untrustworthy.natural_person:
          defer: national
          cite: "Art. 35"
        """)
    with pytest.raises(RuleFileError, match="defers to 'national', which is not loaded"):
        rule_dir.load()


def test_two_files_with_one_abbreviation(rule_dir: RuleDir) -> None:
    rule_dir.baseline()
    rule_dir.write(
        "other.yaml", rule_dir.data.joinpath("national.yaml").read_text().replace("id: national", "id: other")
    )
    with pytest.raises(RuleFileError, match="abbrev 'NAT' is already used by"):
        rule_dir.load()


def test_a_good_file_loads_with_its_values(rule_dir: RuleDir) -> None:
    rule_dir.sample("""
        objection.decide:
          values:
            2020-03-01: {value: 5, cite: "Art. 36(2)(1)"}
        objection.notify:
          values:
            2020-03-01:
              value: 2
              unit: working_days
              basis: operator_target
              wording: promptly
              cite: "Art. 36(2); Art. 37"
        aggregation.verify:
          unit: days
          values:
            2020-03-01: {value: 3, cite: "Art. 15"}
        display.untrustworthy.natural_person:
          values:
            2020-03-01:
              value: {max: 5, unit: years, counts_from: conduct_ended}
              cite: "Art. 35"
        inquiry_log.retention:
          values:
            2020-03-01: {value: unlimited, cite: "Art. 19-20"}
        measures.ordinary:
          values:
            2020-03-01:
              value:
                - {key: no_permits, zh: 限制, en: No permits, kind: ordinary, target: all, cite: "Art. 30"}
              cite: "Art. 30"
        """)
    ruleset = rule_dir.load().get("sample-2020")
    assert ruleset.keys() == [
        "objection.decide",
        "objection.notify",
        "aggregation.verify",
        "display.untrustworthy.natural_person",
        "inquiry_log.retention",
        "measures.ordinary",
    ]
    decide = ruleset.rule("objection.decide").entries[0]
    assert (decide.value, decide.period_unit, decide.citation, decide.source) == (
        5,
        "working_days",
        "SA Art. 36(2)(1)",
        "primary",
    )
    notify = ruleset.rule("objection.notify").entries[0]
    assert notify.operator_target and notify.wording == "promptly"
    assert ruleset.rule("aggregation.verify").entries[0].period_unit == "days"
    assert ruleset.rule("display.untrustworthy.natural_person").entries[0].value == Span(
        None, 5, "years", "conduct_ended"
    )
    assert ruleset.rule("inquiry_log.retention").entries[0].value == "unlimited"
    assert ruleset.duties() == ["objection.decide", "objection.notify", "aggregation.verify"]
    assert {19, 20, 30, 35, 36, 37, 15} <= ruleset.cited_articles()


def test_the_registry_and_the_vocabulary_load() -> None:
    keys = load_keys()
    vocabulary = load_vocabulary()
    required_duties = {
        "aggregation.verify",
        "objection.label",
        "objection.decide",
        "objection.transfer",
        "objection.provider_decide",
        "objection.notify",
        "objection.reexamine",
        "revocation.delete",
        "restoration.remove",
    }
    assert required_duties <= {k for k, spec in keys.items() if spec.duty}
    assert all(spec.type == "period" for spec in keys.values() if spec.duty)
    # RULES.md section 4: forbidden and consent-only categories.
    assert {
        "religion",
        "genes",
        "fingerprints",
        "biometrics",
        "blood_type",
        "disease",
        "medical_history",
        "income",
        "savings",
        "securities",
        "commercial_insurance",
        "real_estate",
        "tax_paid",
    } <= set(vocabulary)
    assert "宗教信仰" in vocabulary["religion"].zh
    assert "纳税数额" in vocabulary["tax_paid"].zh


def test_a_synonym_may_name_only_one_category(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "vocabulary.yaml"
    path.write_text(
        "income:\n  zh: [收入]\n  en: [income]\nsavings:\n  zh: [存款, 收入]\n  en: [savings]\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError, match="'收入' of savings is already a synonym of income"):
        load_vocabulary(path)


def test_every_shipped_rule_file_loads() -> None:
    rulebook = load_rulebook()
    assert "national" in rulebook
    for ruleset in rulebook:
        assert ruleset.id == ruleset.path.stem


def test_a_not_in_phrase_must_contain_a_synonym_of_its_category(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "vocabulary.yaml"
    path.write_text("income:\n  zh: [工资]\n  en: [wage]\n  not_in: [拖欠工资, 欠薪]\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="not_in phrase '欠薪' contains none of its synonyms"):
        load_vocabulary(path)
    path.write_text("income:\n  zh: [工资]\n  en: [wage]\n  not_in: [拖欠工资, Wage Arrears]\n", encoding="utf-8")
    assert load_vocabulary(path)["income"].not_in == ("拖欠工资", "Wage Arrears")
