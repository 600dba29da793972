"""A catalog version's lifecycle (plain Python, no I/O):

    draft → public_comment → [expert_assessment] → approved → in_force (from a date) → superseded
    (draft / public_comment / expert_assessment / approved) → withdrawn

- the proposer gives reasons (``catalog.reasons_required``); the draft is published for comment
  (``catalog.public_comment``);
- an assessment with experts and the groups concerned is required on the grounds the regulation in
  force names (``catalog.assessment.rights_reduced``, ``.opinions_diverge``, ``.significant_impact``);
  a version that needs one cannot be approved without one (:func:`assessment_grounds` gives the
  grounds the facts give, ``CatalogLaw.required`` those the regulation requires);
- approval by the body the regulation names (``catalog.approval``); in force from a date; the
  version it replaces is superseded from that date and kept ("dynamic management", :func:`governing`).

Every refusal is a ``Refusal`` naming the reason in Chinese and English and the citation or the
baseline label it rests on: 409 for a step the version's state does not allow, 422 for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from xinyong.domain.catalog.items import CatalogItemSpec, Category, DisclosureClass
from xinyong.domain.catalog.law import GROUND_LABELS, AssessmentGround, CatalogLaw, basis
from xinyong.domain.platform.refusal import CONFLICT, Refusal

__all__ = [
    "ASSESSABLE_STATES", "COMMENTABLE_STATES", "EDITABLE_STATES", "STATE_LABELS", "TRANSITIONS", "CommentStance",
    "VersionState", "assessment_grounds", "burdening_items", "burdens_subjects", "check_approve",
    "check_assessment", "check_comment", "check_editable", "check_in_force", "check_open_comment",
    "check_transition", "check_withdraw", "diverging", "governing",
]


class VersionState(StrEnum):
    draft = "draft"
    public_comment = "public_comment"
    expert_assessment = "expert_assessment"
    approved = "approved"
    in_force = "in_force"
    superseded = "superseded"
    withdrawn = "withdrawn"


STATE_LABELS = {
    VersionState.draft: ("草案", "draft"),
    VersionState.public_comment: ("公开征求意见", "public comment"),
    VersionState.expert_assessment: ("专家评估", "expert assessment"),
    VersionState.approved: ("已批准", "approved"),
    VersionState.in_force: ("施行中", "in force"),
    VersionState.superseded: ("已被替代", "superseded"),
    VersionState.withdrawn: ("已撤回", "withdrawn"),
}

TRANSITIONS: dict[VersionState, frozenset[VersionState]] = {
    VersionState.draft: frozenset({VersionState.public_comment, VersionState.withdrawn}),
    VersionState.public_comment: frozenset({VersionState.expert_assessment, VersionState.approved,
                                            VersionState.withdrawn}),
    VersionState.expert_assessment: frozenset({VersionState.approved, VersionState.withdrawn}),
    VersionState.approved: frozenset({VersionState.in_force, VersionState.withdrawn}),
    VersionState.in_force: frozenset({VersionState.superseded}),
    VersionState.superseded: frozenset(),
    VersionState.withdrawn: frozenset(),
}

EDITABLE_STATES = frozenset({VersionState.draft})
COMMENTABLE_STATES = frozenset({VersionState.public_comment})
ASSESSABLE_STATES = frozenset({VersionState.public_comment, VersionState.expert_assessment})


class CommentStance(StrEnum):
    support = "support"
    oppose = "oppose"
    amend = "amend"        # agrees in principle, asks for changes
    neutral = "neutral"


def burdens_subjects(item: CatalogItemSpec, previous: CatalogItemSpec | None) -> bool:
    """Whether adding or changing ``item`` may reduce subjects' rights or increase their obligations
    (the ground of ``catalog.assessment.rights_reduced``).

    A new untrustworthiness item, or a change to one; a wider disclosure class; more subject kinds;
    a new consent-only category; a change of display rule or of the field that starts it.
    """
    if previous is None:
        return item.category is Category.untrustworthiness or bool(item.consent_categories)
    if item == previous:
        return False
    if item.category is Category.untrustworthiness:
        return True
    order = [DisclosureClass.authorized, DisclosureClass.shared, DisclosureClass.public]
    if order.index(item.disclosure_class) > order.index(previous.disclosure_class):
        return True
    if set(item.subject_kinds) - set(previous.subject_kinds):
        return True
    if set(item.consent_categories) - set(previous.consent_categories):
        return True
    return (item.display_rule, item.counts_from_field) != (previous.display_rule, previous.counts_from_field)


def diverging(stances: Iterable[CommentStance | str]) -> bool:
    """Opinions diverge (``catalog.assessment.opinions_diverge``) when any comment opposes or asks for
    changes to the draft."""
    return any(CommentStance(s) in (CommentStance.oppose, CommentStance.amend) for s in stances)


def assessment_grounds(items: Iterable[CatalogItemSpec],
                       previous: Mapping[str, CatalogItemSpec] | None = None, *,
                       stances: Iterable[CommentStance | str] = (),
                       significant_impact: bool = False) -> tuple[AssessmentGround, ...]:
    """The grounds the facts give for an assessment before approval (empty: none). Which of them the
    regulation in force requires is ``CatalogLaw.required``.

    ``previous`` is the version in force (item code → spec); items are compared with it.
    """
    previous = previous or {}
    grounds: list[AssessmentGround] = []
    if any(burdens_subjects(item, previous.get(item.code)) for item in items):
        grounds.append(AssessmentGround.rights_reduced)
    if diverging(stances):
        grounds.append(AssessmentGround.opinions_diverge)
    if significant_impact:
        grounds.append(AssessmentGround.significant_impact)
    return tuple(grounds)


def burdening_items(items: Iterable[CatalogItemSpec],
                    previous: Mapping[str, CatalogItemSpec] | None = None) -> tuple[str, ...]:
    previous = previous or {}
    return tuple(item.code for item in items if burdens_subjects(item, previous.get(item.code)))


def _state_error(reason: str, state: VersionState, zh_action: str, en_action: str) -> Refusal:
    zh_state, en_state = STATE_LABELS[state]
    return Refusal("state", reason, f"目录版本处于“{zh_state}”状态，不能{zh_action}",
                   f"the catalog version is {en_state}: it cannot {en_action}", status=CONFLICT)


def check_transition(current: VersionState | str, target: VersionState | str) -> None:
    current, target = VersionState(current), VersionState(target)
    if target not in TRANSITIONS[current]:
        zh_target, en_target = STATE_LABELS[target]
        raise _state_error("bad_transition", current, f"转为“{zh_target}”", f"become {en_target}")


def check_editable(state: VersionState | str) -> None:
    """Items are added or replaced only while the version is a draft."""
    if VersionState(state) not in EDITABLE_STATES:
        raise _state_error("not_draft", VersionState(state), "修改目录事项（只有草案可以修改）",
                           "change its items (only a draft can be changed)")


def check_open_comment(state: VersionState | str, *, item_count: int, reason: str | None,
                       law: CatalogLaw | None = None) -> None:
    """Publish the draft for comment (``catalog.public_comment``): it has items and the proposer's
    reasons (``catalog.reasons_required``, else the platform's baseline)."""
    law = law or CatalogLaw()
    check_transition(state, VersionState.public_comment)
    if item_count <= 0:
        raise Refusal("items", "empty_version", "目录草案没有任何事项，不能公开征求意见",
                      "the draft catalog has no items: there is nothing to publish for comment", status=CONFLICT)
    if not (reason or "").strip():
        zh, en = basis(law.reasons_required)
        raise Refusal("reason", "reason_required", f"提出目录事项须说明理由（{zh}）",
                      f"a proposal to catalog items must give its reasons ({en})")


def check_comment(state: VersionState | str, *, received: date, comment_opened: date | None,
                  comment_closes: date | None = None) -> None:
    """A comment is recorded while the version is open for comment, within the comment period."""
    state = VersionState(state)
    if state not in COMMENTABLE_STATES:
        raise _state_error("not_open_for_comment", state, "登记意见（未在征求意见）",
                           "take comments (it is not open for comment)")
    if comment_opened is not None and received < comment_opened:
        raise Refusal("received_on", "comment_before_opening", "意见收到日期早于征求意见开始日期",
                      "the comment is dated before the comment period opened")
    if comment_closes is not None and received > comment_closes:
        raise Refusal("received_on", "comment_period_closed", "征求意见期已届满",
                      "the comment period has closed", status=CONFLICT)


def check_assessment(state: VersionState | str) -> None:
    """An assessment is recorded after the draft was published for comment, before approval."""
    state = VersionState(state)
    if state not in ASSESSABLE_STATES:
        raise _state_error("not_assessable", state, "登记评估（须在征求意见之后、批准之前）",
                           "take an assessment (only after public comment and before approval)")


def check_approve(state: VersionState | str, *, grounds: Iterable[AssessmentGround | str],
                  assessed: bool, law: CatalogLaw | None = None) -> None:
    """Approval (``catalog.approval``): after public comment (``catalog.public_comment``, else the
    platform's baseline), and after an assessment where ``grounds`` (those the regulation requires:
    ``CatalogLaw.required``) are not empty."""
    law = law or CatalogLaw()
    state = VersionState(state)
    if state is VersionState.draft:
        zh, en = basis(law.public_comment)
        raise Refusal("state", "comment_required", f"目录草案须先公开征求意见，才能批准（{zh}）",
                      f"the draft catalog must be published for comment before approval ({en})", status=CONFLICT)
    check_transition(state, VersionState.approved)
    grounds = tuple(AssessmentGround(g) for g in grounds)
    if grounds and not assessed:
        cites = {g: law.assessment.get(g) for g in grounds}
        zh = "；".join(GROUND_LABELS[g][0] + (f"（{cites[g]}）" if cites[g] else "") for g in grounds)
        en = "; ".join(GROUND_LABELS[g][1] + (f" ({cites[g]})" if cites[g] else "") for g in grounds)
        raise Refusal("assessments", "assessment_required", f"须先组织评估、听取有关群体和专家意见，才能批准：{zh}",
                      f"an assessment hearing the groups concerned and experts is required before "
                      f"approval: {en}", status=CONFLICT)


def check_in_force(state: VersionState | str, *, in_force_from: date, current_from: date | None) -> None:
    """An approved version takes effect from a date later than the start of the version it replaces.

    The date may lie in the past (loading a catalog history that predates the platform) or in the future.
    """
    check_transition(state, VersionState.in_force)
    if current_from is not None and in_force_from <= current_from:
        raise Refusal("in_force_from", "in_force_not_after_current",
                      f"施行日期须晚于现行目录版本的施行日期（{current_from.isoformat()}）",
                      f"the in-force date must be after that of the version in force "
                      f"({current_from.isoformat()})", status=CONFLICT)


def check_withdraw(state: VersionState | str) -> None:
    check_transition(state, VersionState.withdrawn)


def governing(versions: Iterable[tuple[Any, date | None, date | None]], on: date) -> Any | None:
    """Of ``(version, in_force_from, in_force_until)`` triples, the version in force on ``on``.

    ``in_force_until`` is exclusive (the day its successor takes effect); ``None`` means open.
    """
    best: tuple[Any, date] | None = None
    for version, start, until in versions:
        if start is None or start > on or (until is not None and on >= until):
            continue
        if best is None or start > best[1]:
            best = (version, start)
    return best[0] if best else None
