"""The labelling config GlovEgo projects use (`label_config.xml`) and the names inside it.

One rectangle tool for `hand` and every object class; per hand region the side, contact and
glove choices; per keypoint region its visibility; relations `active object` (hand → object) and
`keypoint of` (keypoint → hand, only where the box rule of `parse.py` would not find the hand);
the 21 keypoints in MediaPipe order. The names below are the contract between export and import.
"""

from __future__ import annotations

import hashlib
import re
from xml.sax.saxutils import quoteattr

from glovego_data.ehoi_coco.constants import HAND_CATEGORY, KEYPOINT_NAMES
from glovego_data.errors import GlovegoError

IMAGE = "image"
BOX = "box"
KEYPOINT = "keypoint"
SIDE, CONTACT, GLOVE, VISIBILITY = "side", "contact", "glove", "visibility"
ACTIVE_OBJECT, KEYPOINT_OF = "active object", "keypoint of"

SIDE_CHOICES = {"left": 0, "right": 1}
CONTACT_CHOICES = {"no contact": 0, "contact": 1}
GLOVE_CHOICES = {"bare": 0, "glove": 1}
OCCLUDED = "occluded"  # a keypoint region without this choice is visible (v = 2)
VISIBILITY_CHOICES = {"visible": 2, OCCLUDED: 1}
HAND_CHOICES = {SIDE: SIDE_CHOICES, CONTACT: CONTACT_CHOICES, GLOVE: GLOVE_CHOICES}

_CATEGORIES_COMMENT = re.compile(r"<!-- glovego categories: (.*?) -->")


def labels_key(category_names: list[str]) -> str:
    """A short fingerprint of the class list; every task carries it, so tasks made for another
    GlovEgo project (other classes, other order) are recognised on import."""
    return hashlib.sha256("\n".join(category_names).encode("utf-8")).hexdigest()[:16]


def _choices(name: str, values: dict[str, int], when_label: str | None) -> str:
    when = f' whenLabelValue={quoteattr(when_label)}' if when_label else ""
    items = "".join(f"<Choice value={quoteattr(v)}/>" for v in values)
    return (f'  <Choices name="{name}" toName="{IMAGE}" perRegion="true" visibleWhen="region-selected"{when} '
            f'choice="single-radio">{items}</Choices>\n')


def build_config(category_names: list[str]) -> str:
    """The XML for these classes (dataset order, `hand` among them); the class list is also kept
    in a comment so `import` can read it back from the file alone."""
    if HAND_CATEGORY not in category_names:
        raise GlovegoError(f"the classes {category_names} have no '{HAND_CATEGORY}'")
    boxes = "".join(f"    <Label value={quoteattr(n)}/>\n" for n in category_names)
    points = "".join(f"    <Label value={quoteattr(n)}/>\n" for n in KEYPOINT_NAMES)
    bad = [n for n in category_names if "|" in n or "--" in n]
    if bad:
        raise GlovegoError(f"class names may not contain '|' or '--' (kept in an XML comment): {bad}")
    comment = "|".join(category_names)
    return (
        f"<View>\n  <!-- glovego categories: {comment} -->\n"
        f'  <Image name="{IMAGE}" value="${IMAGE}" zoom="true" zoomControl="true"/>\n'
        f'  <RectangleLabels name="{BOX}" toName="{IMAGE}" strokeWidth="2">\n{boxes}  </RectangleLabels>\n'
        f'  <KeyPointLabels name="{KEYPOINT}" toName="{IMAGE}" strokeWidth="2">\n{points}  </KeyPointLabels>\n'
        + _choices(SIDE, SIDE_CHOICES, HAND_CATEGORY)
        + _choices(CONTACT, CONTACT_CHOICES, HAND_CATEGORY)
        + _choices(GLOVE, GLOVE_CHOICES, HAND_CATEGORY)
        + _choices(VISIBILITY, VISIBILITY_CHOICES, None)
        + f'  <Relations>\n    <Relation value={quoteattr(ACTIVE_OBJECT)}/>\n    <Relation value={quoteattr(KEYPOINT_OF)}/>\n'
        "  </Relations>\n</View>\n"
    )


def categories_of_config(xml: str, source: str) -> list[str]:
    """The class list a config written by `build_config` holds."""
    found = _CATEGORIES_COMMENT.search(xml)
    if found is None:
        raise GlovegoError(f"{source}: not a GlovEgo labelling config (no 'glovego categories' line)")
    return found.group(1).split("|")
