"""Nested training subsets (train_10 ⊂ train_25 ⊂ …): prefixes of one seeded, stratified order of
the train groups, so nesting holds by construction and every prefix keeps the gloved-hand and
contact proportions of the full train split."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from glovego_data.split.groups import Group

WINDOW = 32  # candidates weighed at each step: enough choice to stratify, linear time
STRATIFY_TOLERANCE = 0.05  # |subset proportion − train proportion| above this is reported
ACHIEVED_TOLERANCE_PERCENT = 1.0  # |achieved % − asked %| above this is explained


@dataclass
class SubsetChoice:
    """One `train_<p>` subset and how close it came to what was asked."""

    percent: int
    groups: list[Group]
    target_images: float
    images: int
    train_images: int
    hands: int
    gloved_fraction: float
    contact_fraction: float
    notes: list[str] = field(default_factory=list)

    @property
    def achieved_percent(self) -> float:
        return 100.0 * self.images / self.train_images if self.train_images else 0.0


def _fraction(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def stratified_order(groups: list[Group], targets: list[float], seed: str) -> list[Group]:
    """Seeded order in which each next group (from a window of WINDOW candidates) best keeps the
    running gloved and contact fractions at the train split's, without overshooting the next
    subset target by more than needed."""
    hands = sum(g.hands for g in groups)
    want_gloved = _fraction(sum(g.gloved for g in groups), hands)
    want_contact = _fraction(sum(g.contact for g in groups), hands)
    pending = sorted(groups, key=lambda g: g.key)
    random.Random(f"subsets:{seed}").shuffle(pending)
    source = iter(pending)
    window = [g for _, g in zip(range(WINDOW), source)]
    order: list[Group] = []
    images = cum_hands = cum_gloved = cum_contact = 0
    goals = sorted(targets)
    while window:
        goal = next((t for t in goals if t > images), float(sum(g.size for g in groups)))

        def score(g: Group) -> float:
            h = cum_hands + g.hands
            drift = 0.0
            if h:
                drift = abs((cum_gloved + g.gloved) / h - want_gloved) + abs((cum_contact + g.contact) / h - want_contact)
            overshoot = max(0.0, images + g.size - goal) / max(goal, 1.0)
            return drift + 2.0 * overshoot

        best = min(range(len(window)), key=lambda i: score(window[i]))
        chosen = window.pop(best)
        order.append(chosen)
        images += chosen.size
        cum_hands += chosen.hands
        cum_gloved += chosen.gloved
        cum_contact += chosen.contact
        refill = next(source, None)
        if refill is not None:
            window.append(refill)
    return order


def nested_subsets(groups: list[Group], percents: tuple[int, ...], seed: str) -> list[SubsetChoice]:
    """One SubsetChoice per percent (ascending). Groups are never split: each subset is the prefix of
    the stratified order nearest to p % of the train images (never empty, never smaller than the
    previous one); when groups make p % unreachable the note says why and what was taken."""
    total = sum(g.size for g in groups)
    all_hands = sum(g.hands for g in groups)
    want_gloved = _fraction(sum(g.gloved for g in groups), all_hands)
    want_contact = _fraction(sum(g.contact for g in groups), all_hands)
    targets = [p / 100.0 * total for p in percents]
    order = stratified_order(groups, targets, seed)
    cumulative = [0]
    for group in order:
        cumulative.append(cumulative[-1] + group.size)
    choices: list[SubsetChoice] = []
    start = 1
    for percent, target in zip(sorted(percents), sorted(targets)):
        k = min(range(start, len(cumulative)), key=lambda i: (abs(cumulative[i] - target), i))
        start = k
        chosen = order[:k]
        hands = sum(g.hands for g in chosen)
        choice = SubsetChoice(
            percent=percent,
            groups=sorted(chosen, key=lambda g: g.key),
            target_images=target,
            images=cumulative[k],
            train_images=total,
            hands=hands,
            gloved_fraction=_fraction(sum(g.gloved for g in chosen), hands),
            contact_fraction=_fraction(sum(g.contact for g in chosen), hands),
        )
        _explain(choice, groups, want_gloved, want_contact)
        choices.append(choice)
    return choices


def _explain(choice: SubsetChoice, groups: list[Group], want_gloved: float, want_contact: float) -> None:
    name = f"train_{choice.percent}"
    if abs(choice.achieved_percent - choice.percent) > ACHIEVED_TOLERANCE_PERCENT:
        largest = max(groups, key=lambda g: (g.size, g.key))
        smallest = min(groups, key=lambda g: (g.size, g.key))
        choice.notes.append(
            f"{name}: asked for {choice.percent} % = {choice.target_images:.0f} of {choice.train_images} train images, "
            f"but groups are never split (largest '{largest.key}': {largest.size} images, smallest "
            f"'{smallest.key}': {smallest.size}); took the nearest achievable: {choice.images} images "
            f"({choice.achieved_percent:.1f} %)"
        )
    if choice.hands and (
        abs(choice.gloved_fraction - want_gloved) > STRATIFY_TOLERANCE
        or abs(choice.contact_fraction - want_contact) > STRATIFY_TOLERANCE
    ):
        choice.notes.append(
            f"{name}: gloved {choice.gloved_fraction:.3f} / contact {choice.contact_fraction:.3f} differ from train's "
            f"{want_gloved:.3f} / {want_contact:.3f} by more than {STRATIFY_TOLERANCE} (too few groups to stratify)"
        )
