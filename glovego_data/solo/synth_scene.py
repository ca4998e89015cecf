"""Egocentric hand–object scenes as geometry, rasterised exactly: the ground truth behind generated SOLO.

A scene is a list of shapes (filled polygons and thick strokes) in camera-0 pixel coordinates, each
with one constant depth. Rendering paints them far → near into an index map, so masks, boxes,
pixel counts, keypoint visibility and depth all come from the same pixels the files hold.
Contacts are built to be unambiguous for the converter's geometric fallback: a contact hand
overlaps its active object at a depth 1 cm away, and no other object lies within 12 px of it at a
similar depth; a hand without contact keeps that clearance from every object of similar depth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from glovego_data._cv2 import cv2

CLEARANCE_PX = 12  # no unrelated object of similar depth within this distance of a hand
SIMILAR_DEPTH_M = 0.06  # "similar depth" for the clearance rule (the converter's tolerance is 0.03)
CONTACT_DEPTH_STEP_M = 0.01
_SUBPIXEL_BITS = 4
_SCALE = 1 << _SUBPIXEL_BITS

# A right hand seen from above (back of the hand, egocentric view), MediaPipe order, in units of the
# wrist → middle-tip length; x right, y down, wrist at the origin, fingers pointing up.
_RIGHT_HAND = np.array(
    [
        [0.00, 0.00],
        [-0.17, -0.12], [-0.30, -0.26], [-0.39, -0.39], [-0.46, -0.51],
        [-0.13, -0.56], [-0.14, -0.76], [-0.14, -0.89], [-0.14, -1.00],
        [0.00, -0.58], [0.00, -0.81], [0.00, -0.95], [0.00, -1.07],
        [0.12, -0.55], [0.13, -0.75], [0.14, -0.87], [0.15, -0.97],
        [0.23, -0.49], [0.26, -0.64], [0.28, -0.74], [0.30, -0.83],
    ]
)
_FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
_PALM = np.array([[-0.17, 0.06], [-0.20, -0.12], [-0.15, -0.58], [0.00, -0.60], [0.13, -0.57], [0.26, -0.50], [0.20, 0.06]])
_FOREARM = np.array([[-0.19, 0.02], [0.19, 0.02], [0.24, 0.75], [-0.24, 0.75]])

SKIN_RGB = (214, 160, 128)
GLOVE_RGB = (232, 196, 36)
_GLOVE_STRIPE_RGB = (120, 100, 20)

# Object shapes by reference category; custom names get a shape from their hash.
_SHAPE_OF = {
    "screwdriver": "bar", "pliers": "bar", "welder probe tip": "bar", "oscilloscope probe tip": "bar",
    "electric screwdriver": "bar", "socket": "disc", "left red button": "disc", "left green button": "disc",
    "right red button": "disc", "right green button": "disc", "register": "disc",
    "power supply": "box", "oscilloscope": "box", "welder station": "box", "low voltage board": "box",
    "high voltage board": "box", "electric screwdriver battery": "box", "working area": "box", "welder base": "box",
}


@dataclass
class Shape:
    """One labelled object or hand: what is drawn and what it means."""

    instance_id: int
    label: str
    depth_m: float
    polygons: list[np.ndarray]  # filled, float (n, 2) in camera-0 pixels
    strokes: list[tuple[np.ndarray, float]] = field(default_factory=list)  # polyline, thickness px
    rgb: tuple[int, int, int] = (128, 128, 128)
    # hands only
    side: int = -1  # 0 left, 1 right
    glove: int = -1
    contact: int = 0
    active: int | None = None  # instance id of the active object
    keypoints: np.ndarray | None = None  # (21, 2) continuous coordinates, MediaPipe order
    pivot: tuple[float, float] = (0.0, 0.0)  # the "transform position" Unity's offset tag is measured from

    @property
    def is_hand(self) -> bool:
        return self.keypoints is not None

    def points(self) -> np.ndarray:
        parts = list(self.polygons) + [p for p, _ in self.strokes]
        return np.concatenate(parts) if parts else np.zeros((0, 2))

    def transformed(self, scale: float, shift: tuple[float, float], centre: tuple[float, float]) -> "Shape":
        def move(p: np.ndarray) -> np.ndarray:
            return (p - centre) * scale + centre + shift

        return replace(
            self,
            polygons=[move(p) for p in self.polygons],
            strokes=[(move(p), t * scale) for p, t in self.strokes],
            keypoints=None if self.keypoints is None else move(self.keypoints),
            pivot=tuple(move(np.array([self.pivot]))[0]),
        )


@dataclass
class Raster:
    """A rendered view: index map (0 = background, k = shapes[k − 1]) and per-shape pixel counts."""

    shapes: list[Shape]
    index: np.ndarray  # H×W int32
    counts: np.ndarray  # (n + 1,) pixel count per index
    width: int
    height: int


def _rotation(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


def _place(points: np.ndarray, size: float, angle: float, origin: tuple[float, float], mirror: bool) -> np.ndarray:
    p = points * np.array([-1.0 if mirror else 1.0, 1.0]) * size
    return p @ _rotation(angle).T + np.array(origin)


def object_shape(
    rng: np.random.Generator, instance_id: int, label: str, centre: tuple[float, float], size: float, depth_m: float
) -> Shape:
    kind = _SHAPE_OF.get(label, ("box", "bar", "disc")[sum(label.encode()) % 3])
    angle = float(rng.uniform(-math.pi, math.pi))
    if kind == "bar":
        half = np.array([[-0.5, -0.07], [0.5, -0.07], [0.5, 0.07], [-0.5, 0.07]]) * np.array([1.0, rng.uniform(0.8, 1.4)])
        polygon = _place(half, size, angle, centre, False)
    elif kind == "disc":
        axes = (max(2, int(size * 0.5 * _SCALE)), max(2, int(size * rng.uniform(0.3, 0.5) * _SCALE)))
        ring = cv2.ellipse2Poly((int(centre[0] * _SCALE), int(centre[1] * _SCALE)), axes, int(math.degrees(angle)), 0, 360, 8)
        polygon = ring.astype(np.float64) / _SCALE
    else:
        aspect = rng.uniform(0.45, 0.9)
        half = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]]) * np.array([1.0, aspect])
        polygon = _place(half, size, angle * 0.25, centre, False)
    tint = np.array([60 + (sum(label.encode()) * 37) % 160, 70 + (sum(label.encode()) * 59) % 150, 80 + (sum(label.encode()) * 83) % 140])
    rgb = tuple(int(v) for v in np.clip(tint + rng.integers(-12, 13, 3), 0, 255))
    bottom = polygon[np.argmax(polygon[:, 1])]
    return Shape(instance_id, label, depth_m, [polygon], rgb=rgb, pivot=(float(bottom[0]), float(bottom[1])))


def hand_shape(
    rng: np.random.Generator,
    instance_id: int,
    label: str,
    side: int,
    glove: int,
    wrist: tuple[float, float],
    size: float,
    angle: float,
    depth_m: float,
    forearm: bool,
) -> Shape:
    """A hand whose 21 keypoints lie on its own drawn pixels (fingers are strokes through the joints)."""
    template = _RIGHT_HAND.copy()
    for finger in _FINGERS:  # per-finger curl: shorten the finger towards its base
        base = template[finger[0]]
        template[list(finger)] = base + (template[list(finger)] - base) * rng.uniform(0.7, 1.0)
    template[1:] += rng.normal(0.0, 0.012, (20, 2))
    mirror = side == 0
    keypoints = _place(template, size, angle, wrist, mirror)
    thickness = max(3.0, 0.09 * size)
    strokes = [(keypoints[[0, *_FINGERS[0]]], thickness)] + [(keypoints[list(f)], thickness) for f in _FINGERS[1:]]
    polygons = [_place(_PALM, size, angle, wrist, mirror)]
    if forearm:
        polygons.append(_place(_FOREARM, size, angle, wrist, mirror))
    return Shape(
        instance_id, label, depth_m, polygons, strokes, rgb=GLOVE_RGB if glove else SKIN_RGB,
        side=side, glove=glove, keypoints=keypoints, pivot=(float(wrist[0]), float(wrist[1])),
    )


def render(shapes: list[Shape], width: int, height: int) -> Raster:
    """Paint far → near (ties: lower instance id first) into an index map."""
    index = np.zeros((height, width), dtype=np.int32)
    order = sorted(range(len(shapes)), key=lambda k: (-shapes[k].depth_m, shapes[k].instance_id))
    for k in order:
        shape = shapes[k]
        value = k + 1
        for polygon in shape.polygons:  # one call each: fillPoly's even-odd rule would cut overlaps out
            cv2.fillPoly(index, [np.round(polygon * _SCALE).astype(np.int32)], value, cv2.LINE_8, _SUBPIXEL_BITS)
        for line, thickness in shape.strokes:
            cv2.polylines(index, [np.round(line * _SCALE).astype(np.int32)], False, value,
                          max(1, int(round(thickness))), cv2.LINE_8, _SUBPIXEL_BITS)
    counts = np.bincount(index.ravel(), minlength=len(shapes) + 1)
    return Raster(shapes, index, counts, width, height)


def render_rgb(raster: Raster, background: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """RGB pixels: flat colours per shape, stripes on gloves, plus a fixed texture; H×W×3 uint8."""
    lut = np.zeros((len(raster.shapes) + 1, 3), dtype=np.int16)
    for k, shape in enumerate(raster.shapes):
        lut[k + 1] = shape.rgb
    rgb = lut[raster.index]
    bg = raster.index == 0
    rgb[bg] = background[bg]
    for k, shape in enumerate(raster.shapes):
        if shape.glove == 1 and raster.counts[k + 1]:
            x0, y0, x1, y1 = _bounds(shape, raster.width, raster.height)
            crop = raster.index[y0:y1, x0:x1] == k + 1
            yy, xx = np.mgrid[y0:y1, x0:x1]
            stripes = crop & (((xx + yy) // 5) % 3 == 0)
            rgb[y0:y1, x0:x1][stripes] = _GLOVE_STRIPE_RGB
    return np.clip(rgb + noise, 0, 255).astype(np.uint8)


def _bounds(shape: Shape, width: int, height: int) -> tuple[int, int, int, int]:
    pts = shape.points()
    pad = int(max([t for _, t in shape.strokes], default=0)) + 2
    x0 = max(0, int(math.floor(pts[:, 0].min())) - pad)
    y0 = max(0, int(math.floor(pts[:, 1].min())) - pad)
    x1 = min(width, int(math.ceil(pts[:, 0].max())) + pad + 1)
    y1 = min(height, int(math.ceil(pts[:, 1].max())) + pad + 1)
    return x0, y0, max(x0, x1), max(y0, y1)


def instance_crop(raster: Raster, k: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Shape k's visible mask inside its drawing bounds, and the crop origin (x0, y0)."""
    x0, y0, x1, y1 = _bounds(raster.shapes[k], raster.width, raster.height)
    return raster.index[y0:y1, x0:x1] == k + 1, (x0, y0)


def keypoint_states(raster: Raster, k: int) -> list[tuple[float, float, int]]:
    """Unity's keypoint entries: 2 visible, 1 in the image but covered, 0 outside (location 0, 0)."""
    out = []
    for x, y in raster.shapes[k].keypoints:
        if not (0.0 <= x < raster.width and 0.0 <= y < raster.height):
            out.append((0.0, 0.0, 0))
        else:
            state = 2 if raster.index[int(y), int(x)] == k + 1 else 1
            out.append((float(x), float(y), state))
    return out


@dataclass(frozen=True)
class SceneCast:
    """Who is in a sequence: stable instance ids, labels, sides and gloves (poses change per step)."""

    objects: tuple[tuple[int, str, float], ...]  # (instance id, label, size px)
    hands: tuple[tuple[int, str, int, int], ...]  # (instance id, label, side, glove)
    hand_size: float


def _object_depth(rng: np.random.Generator, y: float, height: int) -> float:
    """Objects lie on a table: nearer at the bottom of the image."""
    return round(float(0.95 - 0.4 * (y / height) + rng.uniform(-0.04, 0.04)), 4)


def _conflicts(hand: Shape, objects_raster: Raster, hands: list[Shape], exempt: int | None, width: int, height: int,
               any_depth: bool) -> bool:
    """Whether another object of similar depth (any depth if `any_depth`) or a hand lies within CLEARANCE_PX."""
    alone = render([hand], width, height)
    if not alone.counts[1]:
        return False
    x0, y0, x1, y1 = _bounds(hand, width, height)
    x0, y0 = max(0, x0 - CLEARANCE_PX), max(0, y0 - CLEARANCE_PX)
    x1, y1 = min(width, x1 + CLEARANCE_PX), min(height, y1 + CLEARANCE_PX)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * CLEARANCE_PX + 1, 2 * CLEARANCE_PX + 1))
    near = cv2.dilate((alone.index[y0:y1, x0:x1] == 1).astype(np.uint8), kernel).astype(bool)
    for k in np.unique(objects_raster.index[y0:y1, x0:x1][near]):
        if k == 0:
            continue
        other = objects_raster.shapes[k - 1]
        if other.instance_id == exempt:
            continue
        if any_depth or abs(other.depth_m - hand.depth_m) < SIMILAR_DEPTH_M:
            return True
    if hands:
        others = render(hands, width, height)
        if (others.index[y0:y1, x0:x1][near] > 0).any():
            return True
    return False


def compose_scene(
    rng: np.random.Generator,
    cast: SceneCast,
    width: int,
    height: int,
    *,
    contact_rate: float,
    border_rate: float,
    forearm: bool,
    tries: int = 12,
) -> list[Shape]:
    """One step of a sequence: objects on the table, then hands placed by the contact rules above."""
    objects = []
    for instance_id, label, size in cast.objects:
        centre = (float(rng.uniform(0.06, 0.94) * width), float(rng.uniform(0.25, 0.95) * height))
        objects.append(object_shape(rng, instance_id, label, centre, size, _object_depth(rng, centre[1], height)))
    objects_raster = render(objects, width, height)
    visible = [k for k in range(len(objects)) if objects_raster.counts[k + 1] > 50]
    bars = [k for k in visible if _SHAPE_OF.get(objects[k].label) == "bar"]
    hands: list[Shape] = []
    size = cast.hand_size
    for instance_id, label, side, glove in cast.hands:
        placed = None
        if visible and rng.random() < contact_rate:
            pool = bars if (bars and not hands) else visible
            for _ in range(tries):
                target = objects[int(pool[int(rng.integers(len(pool)))])]
                mask, origin = instance_crop(objects_raster, objects.index(target))
                ys, xs = np.nonzero(mask)
                pick = int(rng.integers(len(xs)))
                touch = (xs[pick] + origin[0] + 0.5, ys[pick] + origin[1] + 0.5)
                angle = float(rng.uniform(-0.7, 0.2) if side == 1 else rng.uniform(-0.2, 0.7))
                in_front = bool(rng.random() < 0.6)
                depth = round(target.depth_m + (-CONTACT_DEPTH_STEP_M if in_front else CONTACT_DEPTH_STEP_M), 4)
                hand = hand_shape(rng, instance_id, label, side, glove, (0.0, 0.0), size, angle, depth, forearm)
                grip = hand.keypoints[int(rng.choice([7, 11, 6, 10]))]  # a finger joint lands on the object
                hand = hand.transformed(1.0, (touch[0] - grip[0], touch[1] - grip[1]), (0.0, 0.0))
                if not _conflicts(hand, objects_raster, hands, target.instance_id, width, height, any_depth=False):
                    hand.contact, hand.active = 1, target.instance_id
                    placed = hand
                    break
        if placed is None:
            border = rng.random() < border_rate
            depth = round(float(rng.uniform(0.3, 0.4)), 4)
            for attempt in range(tries):
                if border:
                    x = float(rng.uniform(-0.02, 0.12) * width) if side == 0 else float(rng.uniform(0.88, 1.02) * width)
                    angle = float(rng.uniform(-1.2, -0.7) if side == 0 else rng.uniform(0.7, 1.2))
                else:
                    x = float(rng.uniform(0.1, 0.45) * width) if side == 0 else float(rng.uniform(0.55, 0.9) * width)
                    angle = float(rng.uniform(-0.2, 0.6) if side == 0 else rng.uniform(-0.6, 0.2))
                wrist = (x, float(rng.uniform(0.7, 1.02) * height))
                hand = hand_shape(rng, instance_id, label, side, glove, wrist, size, angle, depth, forearm)
                placed = hand
                # Prefer clearance from every object (then even depth-less geometry finds no contact).
                if not _conflicts(hand, objects_raster, hands, None, width, height, any_depth=attempt < tries - 2):
                    break
        hands.append(placed)
    return objects + hands
