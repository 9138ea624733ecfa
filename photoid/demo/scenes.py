"""Generated stand-ins for historical photographs, used by the demo collection.

A scene is drawn in grey, in fractions of the frame, at a working resolution of at most ``_WORK_AREA`` pixels,
then softened, enlarged, vignetted, given grain, dust and a print tone, sometimes inside a white border.
The result depends only on ``(kind, seed, size)``: every choice comes from ``random.Random`` seeded from them.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

__all__ = ["SCENE_KINDS", "render_scene", "figure_boxes"]

SCENE_KINDS = ("street", "portrait", "group", "parade", "building", "harbour", "farm", "interior")
Box = tuple[float, float, float, float]
Pt = tuple[float, float]
Proj = Callable[[float, float, float], Pt]
_WORK_AREA, _MAX_SIDE = 1000 * 750, 6000
_MIN_HEAD = 0.015  # heads smaller than this fraction of the frame height are not reported as faces
_TONES = [  # black, mid and white of the print: sepia (twice as likely), warm, neutral, selenium
    ((40, 26, 16), (146, 110, 74), (244, 230, 204)), ((40, 26, 16), (146, 110, 74), (244, 230, 204)),
    ((30, 24, 20), (128, 116, 100), (240, 234, 220)), ((22, 22, 22), (122, 122, 120), (236, 236, 232)),
    ((36, 24, 30), (128, 108, 106), (238, 228, 222))]


class _Canvas:
    """An 8-bit grey drawing addressed in fractions of the frame; remembers the faces drawn on it."""

    def __init__(self, w: int, h: int) -> None:
        self.im = Image.new("L", (w, h), 200)
        self.d = ImageDraw.Draw(self.im)
        self.w, self.h, self.aspect = w, h, w / h
        self.heads: list[Box] = []

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [min(x0, x1) * self.w, min(y0, y1) * self.h, max(x0, x1) * self.w, max(y0, y1) * self.h]

    def poly(self, pts: Sequence[Pt], tone: float) -> None:
        self.d.polygon([(x * self.w, y * self.h) for x, y in pts], fill=int(tone))

    def rect(self, x0: float, y0: float, x1: float, y1: float, tone: float) -> None:
        self.d.rectangle(self._box(x0, y0, x1, y1), fill=int(tone))

    def oval(self, x0: float, y0: float, x1: float, y1: float, tone: float, start: int | None = None) -> None:
        """An ellipse, or with ``start`` (degrees, 180 = left) only its part from there clockwise round to the right."""
        box = self._box(x0, y0, x1, y1)
        if start is None:
            self.d.ellipse(box, fill=int(tone))
        else:
            self.d.chord(box, start, 360, fill=int(tone))

    def line(self, pts: Sequence[Pt], tone: float, width: float = 0.002) -> None:
        self.d.line([(x * self.w, y * self.h) for x, y in pts], fill=int(tone), width=max(1, round(width * self.h)))

    def vgrad(self, y0: float, y1: float, top: float, bottom: float) -> None:
        """A full-width band shading from ``top`` to ``bottom``: sky, ground, water, backdrop."""
        band = Image.linear_gradient("L").resize((self.w, max(1, round((y1 - y0) * self.h))))
        self.im.paste(band.point(lambda v: int(top + (bottom - top) * v / 255)), (0, round(y0 * self.h)))

    def haze(self, x0: float, y0: float, x1: float, y1: float, tone: float, strength: float, outside: bool = False) -> None:
        """Blend a soft-edged ellipse (or all outside it) towards ``tone``: clouds, light pools, oval mounts."""
        sw, sh = max(8, self.w // 10), max(8, self.h // 10)
        mask = Image.new("L", (sw, sh), 255 * outside)
        ImageDraw.Draw(mask).ellipse([x0 * sw, y0 * sh, x1 * sw, y1 * sh], fill=255 * (not outside))
        mask = mask.filter(ImageFilter.GaussianBlur(min(sw, sh) * 0.06)).point(lambda v: int(v * strength))
        self.im.paste(int(tone), (0, 0, self.w, self.h), mask.resize((self.w, self.h), Image.Resampling.BILINEAR))

    def face(self, x0: float, y0: float, w: float, h: float) -> None:
        x1, y1, x0, y0 = min(1.0, x0 + w), min(1.0, y0 + h), max(0.0, x0), max(0.0, y0)
        if h >= _MIN_HEAD and x1 - x0 > w * 0.6 and y1 - y0 > h * 0.6:
            self.heads.append((round(x0, 4), round(y0, 4), round(x1 - x0, 4), round(y1 - y0, 4)))


def _persp(c: _Canvas, vx: float, yh: float, f: float, eye: float) -> Proj:
    """Project a point X metres right, Y up and Z ahead of a camera ``eye`` metres above the ground."""
    return lambda x, y, z: (vx + f * x / (z * c.aspect), yh + f * (eye - y) / z)


def _wall(c: _Canvas, P: Proj, x: float, y0: float, y1: float, z0: float, z1: float, tone: float) -> None:
    c.poly([P(x, y0, z0), P(x, y1, z0), P(x, y1, z1), P(x, y0, z1)], tone)


def _flat(c: _Canvas, P: Proj, x0: float, x1: float, y: float, z0: float, z1: float, tone: float) -> None:
    c.poly([P(x0, y, z0), P(x1, y, z0), P(x1, y, z1), P(x0, y, z1)], tone)


def _head(c: _Canvas, rng: random.Random, cx: float, top: float, hh: float, dress: bool) -> None:
    """A head ``hh`` tall: face, hair or hat, and eyes, nose and mouth when it is large enough."""
    hw, skin, hair = hh * rng.uniform(0.66, 0.86) / c.aspect, rng.randint(150, 205), rng.randint(15, 110)
    style = rng.choice(("bare", "long", "bun", "wide", "bonnet") if dress else ("bare", "part", "bowler", "cap", "boater"))
    x0, x1 = cx - hw / 2, cx + hw / 2
    if style == "long":
        c.oval(x0 - hw * 0.12, top - hh * 0.05, x1 + hw * 0.12, top + hh * 1.25, hair)
    if style == "bonnet":
        c.oval(x0 - hw * 0.2, top - hh * 0.15, x1 + hw * 0.2, top + hh * 0.95, rng.randint(140, 220))
    c.oval(x0, top, x1, top + hh, skin)
    if style in ("bare", "long", "part", "bun"):
        c.oval(x0 - hw * 0.03, top - hh * 0.03, x1 + hw * 0.03, top + hh * 0.7, hair, 190 if style == "part" else 180)
    if style == "bun":
        c.oval(cx - hw * 0.22, top - hh * 0.22, cx + hw * 0.22, top + hh * 0.12, hair)
    if style in ("bowler", "boater", "cap", "wide"):
        hat = {"boater": 205, "wide": rng.randint(40, 200)}.get(style, rng.randint(20, 70))
        if style == "boater":
            c.rect(x0 + hw * 0.04, top - hh * 0.18, x1 - hw * 0.04, top + hh * 0.1, hat)
        else:
            c.oval(x0 - hw * 0.02, top - hh * 0.35, x1 + hw * 0.02, top + hh * 0.4, hat, 180)
        brim = {"bowler": 0.72, "boater": 0.8, "cap": 0.62, "wide": 1.1}[style] * hw
        c.oval(cx - brim, top + hh * 0.02, cx + brim, top + hh * 0.16, hat - 10)
    if hh * c.h >= 14:
        ey, er = top + hh * 0.5, hw * 0.07
        for s in (-1, 1):
            c.oval(cx + s * hw * 0.2 - er, ey - er * 0.7, cx + s * hw * 0.2 + er, ey + er * 0.7, skin - 110)
        c.line([(cx, ey + hh * 0.05), (cx + hw * 0.04, ey + hh * 0.2)], skin - 45, hh * 0.03)
        c.line([(cx - hw * 0.14, top + hh * 0.8), (cx + hw * 0.14, top + hh * 0.8)], skin - 75, hh * 0.025)
    c.face(x0, top, hw, hh)


def _figure(c: _Canvas, rng: random.Random, x: float, foot: float, hgt: float,
            coat: int | None = None, seated: bool = False, dress: bool | None = None) -> None:
    """A person ``hgt`` tall (fraction of frame height), feet at ``(x, foot)``, standing or seated."""
    u, coat = hgt / c.aspect, coat if coat is not None else rng.choice((30, 45, 60, 80, 110, 150, 185))
    dress = rng.random() < 0.4 if dress is None else dress
    top = foot - hgt * (0.74 if seated else 1.0)
    sh, hip = top + 0.16 * hgt, top + 0.5 * hgt
    if seated:
        c.rect(x - 0.16 * u, hip - 0.02 * hgt, x + 0.16 * u, hip + 0.08 * hgt, coat - 10)
        c.rect(x - 0.12 * u, hip + 0.06 * hgt, x + 0.12 * u, foot, coat - 15)
    elif dress:
        c.poly([(x - 0.12 * u, hip - 0.1 * hgt), (x + 0.12 * u, hip - 0.1 * hgt), (x + 0.19 * u, foot - 0.03 * hgt), (x - 0.19 * u, foot - 0.03 * hgt)], coat)
    for s in (-1, 1):
        if not (seated or dress):
            c.rect(x + s * 0.015 * u, hip, x + s * 0.1 * u, foot - 0.02 * hgt, coat - 15)
        c.oval(x + s * 0.06 * u - 0.05 * u, foot - 0.035 * hgt, x + s * 0.06 * u + 0.05 * u, foot + 0.005 * hgt, 25)
    c.poly([(x - 0.14 * u, sh + 0.02 * hgt), (x + 0.14 * u, sh + 0.02 * hgt), (x + 0.12 * u, hip + 0.04 * hgt), (x - 0.12 * u, hip + 0.04 * hgt)], coat)
    c.oval(x - 0.145 * u, sh - 0.01 * hgt, x + 0.145 * u, sh + 0.07 * hgt, coat)
    c.rect(x - 0.025 * u, top + 0.11 * hgt, x + 0.025 * u, sh + 0.01 * hgt, 180)
    if not dress:
        c.poly([(x - 0.04 * u, sh), (x + 0.04 * u, sh), (x, sh + 0.1 * hgt)], 215)
        c.poly([(x - 0.012 * u, sh + 0.01 * hgt), (x + 0.012 * u, sh + 0.01 * hgt), (x, sh + 0.09 * hgt)], 40)
    _head(c, rng, x, top, 0.13 * hgt, dress)


def _sky(c: _Canvas, rng: random.Random, yh: float) -> None:
    c.vgrad(0, yh + 0.01, rng.randint(215, 240), rng.randint(200, 230))
    for _ in range(rng.randint(0, 3)):
        x, y = rng.uniform(0, 1), rng.uniform(0, yh * 0.7)
        c.haze(x - 0.2, y - 0.05, x + 0.2, y + 0.05, 250, rng.uniform(0.4, 0.9))


def _trees(c: _Canvas, rng: random.Random, x: float, x1: float, base: float, size: float, tone: int) -> None:
    while x < x1:
        s = size * rng.uniform(0.6, 1.3)
        c.rect(x - s * 0.04, base - s * 0.5, x + s * 0.04, base, tone - 25)
        for _ in range(5):
            dx, dy, r = rng.uniform(-0.3, 0.3) * s, rng.uniform(0.5, 1.0) * s, s * rng.uniform(0.25, 0.45)
            c.oval(x + dx - r / c.aspect, base - dy - r, x + dx + r / c.aspect, base - dy + r, tone + rng.randint(-15, 15))
        x += s * rng.uniform(0.3, 0.7) / c.aspect


def _street(c: _Canvas, rng: random.Random, parade: bool = False) -> None:
    yh, f, half = rng.uniform(0.4, 0.5), rng.uniform(0.9, 1.1), rng.uniform(7, 9)
    P = _persp(c, rng.uniform(0.4, 0.6), yh, f, rng.uniform(3.5, 5) if parade else 1.7)
    _sky(c, rng, yh)
    c.vgrad(yh, 1, 175, rng.randint(110, 140))
    for s in (-1, 1):
        X, curb = s * half, s * (half - 2.5)
        _flat(c, P, X, curb, 0, 1, 300, 185)
        c.line([P(curb, 0, 1.5), P(curb, 0, 300)], 90)
        blocks, z = [], rng.uniform(2, 5)
        while z < 160:
            blocks.append((z, rng.uniform(7, 15), rng.uniform(6, 16), rng.randint(90, 175)))
            z += blocks[-1][1]
        for z, d, ht, tone in reversed(blocks):  # far to near, so nearer buildings hide farther ones
            c.poly([P(X, 0, z), P(X + s * 30, 0, z), P(X + s * 30, ht, z), P(X, ht, z)], tone - 30)
            _wall(c, P, X, 0, ht, z, z + d, tone)
            _wall(c, P, X, ht - 0.5, ht, z, z + d, tone - 45)
            cols, glass = max(1, int(d / 2.6)), rng.choice((45, 60, 200))
            for i in range(int((ht - 4.5) / 3.2)):
                for j in range(cols):
                    _wall(c, P, X, 4.6 + i * 3.2, 6.4 + i * 3.2, z + d * (j + 0.3) / cols, z + d * (j + 0.7) / cols, glass)
            _wall(c, P, X, 0.4, 2.7, z + 0.6, z + d - 0.6, rng.choice((35, 70, 195)))
            sign, n = rng.choice((30, 215)), int(d * 1.2)
            _wall(c, P, X, 3.0, 3.9, z + 0.3, z + d - 0.3, sign)
            for k in range(n):  # lettering
                _wall(c, P, X, 3.2, 3.7, z + 1 + k * (d - 2) / n, z + 1.45 + k * (d - 2) / n, 245 - sign)
        for z in range(6, 120, 22):  # telegraph poles
            c.line([P(curb + s * 0.3, 0, z), P(curb + s * 0.3, 9, z)], 35, 0.25 / z)
            c.line([P(curb - s * 0.7, 8.5, z), P(curb + s * 1.3, 8.5, z)], 35, 0.12 / z)
    people: list[tuple[float, float, int | None]] = []
    if parade:
        zb = rng.uniform(25, 40)
        c.rect(*P(-half, 7.4, zb), *P(half, 6, zb), 225)
        for k in range(14):  # banner lettering
            xa = -half + 1.5 + k * (2 * half - 3) / 14
            c.rect(*P(xa, 7.1, zb), *P(xa + 0.7, 6.3, zb), 40)
        for s in (-1, 1):
            z = 4.0
            while z < 70:
                people += [(s * (half - 3.2 + k * 0.7 + rng.uniform(0, 0.3)), z + rng.uniform(0, 0.5), None) for k in range(rng.randint(1, 3))]
                z += 0.7 + z * 0.03
        band = rng.choice((30, 45, 200))
        people += [(x, float(z), band) for z in range(12, 46, 3) for x in (-2.4, -0.8, 0.8, 2.4)]
    else:
        people = [(rng.choice((-1, 1)) * (half - rng.uniform(0.5, 2)), rng.uniform(8, 40), None) for _ in range(rng.randint(4, 8))]
        people += [(rng.uniform(-3, 3), rng.uniform(5, 14), None) for _ in range(rng.randint(1, 3))]
        zc, xc, paint = rng.uniform(10, 25), rng.uniform(-2, 2), rng.choice((40, 60))  # a motor car
        c.rect(*P(xc - 1, 1.2, zc), *P(xc + 1, 0.4, zc), paint)
        c.poly([P(xc - 0.75, 1.2, zc + 0.5), P(xc + 0.75, 1.2, zc + 0.5), P(xc + 0.7, 2.0, zc + 0.6), P(xc - 0.7, 2.0, zc + 0.6)], paint - 10)
        c.rect(*P(xc - 0.6, 1.85, zc + 0.55), *P(xc + 0.6, 1.3, zc + 0.55), 150)
        for xw in (xc - 0.7, xc + 0.7):
            c.oval(*P(xw - 0.3, 0.6, zc), *P(xw + 0.3, 0, zc), 20)
    for x, z, coat in sorted(people, key=lambda p: -p[1]):
        _figure(c, rng, *P(x, 0, z), f * 1.7 / z, coat=coat, dress=False if coat is not None else None)


def _portrait(c: _Canvas, rng: random.Random) -> None:
    c.vgrad(0, 1, rng.randint(120, 190), rng.randint(60, 120))
    u, cx, cy, hh = 1 / c.aspect, 0.5 + rng.uniform(-0.04, 0.04), rng.uniform(0.32, 0.38), rng.uniform(0.24, 0.29)
    c.haze(cx - 0.45, cy - 0.4, cx + 0.45, cy + 0.3, 215, 0.6)
    if rng.random() < 0.5:  # studio drape
        c.rect(0, 0, rng.uniform(0.08, 0.2), 1, 70)
    dress, coat, skin, hair = rng.random() < 0.5, rng.choice((30, 45, 60, 85)), rng.randint(170, 200), rng.randint(20, 90)
    top, hw, nb, lit, k = cy - hh / 2, hh * rng.uniform(0.66, 0.78) * u, cy + hh * 0.72, rng.choice((-1, 1)), hh * u
    if dress:
        c.oval(cx - hw * 0.72, top - hh * 0.08, cx + hw * 0.72, top + hh * 0.8, hair)
    c.rect(cx - hw * 0.26, cy + hh * 0.3, cx + hw * 0.26, nb + 0.05, skin - 35)
    side = [(0.4, 0.0), (0.75, 0.08), (0.95, 0.2), (1.06, 0.4), (1.15, 3.0)]
    c.poly([(cx + a * k, nb + b * hh) for a, b in side] + [(cx - a * k, nb + b * hh) for a, b in reversed(side)], coat)
    if dress:  # high collar with lace edge and a brooch
        c.rect(cx - hw * 0.3, cy + hh * 0.62, cx + hw * 0.3, nb + 0.02, coat + 10)
        c.line([(cx - hw * 0.3, cy + hh * 0.62), (cx + hw * 0.3, cy + hh * 0.62)], 215, 0.01)
        c.oval(cx - 0.05 * k, nb + 0.05 * hh, cx + 0.05 * k, nb + 0.15 * hh, 225)
    else:  # shirt front, tie and lapels
        c.poly([(cx - 0.3 * k, nb - 0.01), (cx + 0.3 * k, nb - 0.01), (cx, nb + 0.6 * hh)], 225)
        c.poly([(cx - 0.06 * k, nb), (cx + 0.06 * k, nb), (cx + 0.08 * k, nb + 0.45 * hh), (cx, nb + 0.52 * hh), (cx - 0.08 * k, nb + 0.45 * hh)], 35)
        for s in (-1, 1):
            c.line([(cx + s * 0.3 * k, nb - 0.01), (cx + s * 0.05 * k, nb + 0.6 * hh)], coat + 40, 0.006)
    for s in (-1, 1):
        c.oval(cx + s * hw * 0.5 - hw * 0.08, top + hh * 0.42, cx + s * hw * 0.5 + hw * 0.08, top + hh * 0.62, skin - 25)
    c.oval(cx - hw / 2, top, cx + hw / 2, top + hh, skin - 40)  # shadow side, then the lit face over it
    c.oval(cx - hw * 0.44 + lit * hw * 0.08, top + hh * 0.03, cx + hw * 0.44 + lit * hw * 0.08, top + hh * 0.95, skin)
    reach = 0.45 if dress else rng.choice((0.3, 0.42, 0.5))
    c.oval(cx - hw * 0.53, top - hh * 0.04, cx + hw * 0.53, top + hh * reach * 1.5, hair, 180 + (0 if dress else rng.choice((0, 12))))
    if dress and rng.random() < 0.6:
        c.oval(cx - hw * 0.25, top - hh * 0.16, cx + hw * 0.25, top + hh * 0.1, hair)
    for s in (-1, 1):
        ex = cx + s * hw * 0.2
        c.line([(ex - hw * 0.1, top + hh * 0.4), (ex + hw * 0.1, top + hh * 0.39)], hair, 0.007)
        c.oval(ex - hw * 0.08, top + hh * 0.45, ex + hw * 0.08, top + hh * 0.5, 230)
        c.oval(ex - hw * 0.04, top + hh * 0.452, ex + hw * 0.04, top + hh * 0.498, 35)
    c.line([(cx - lit * hw * 0.03, top + hh * 0.5), (cx - lit * hw * 0.06, top + hh * 0.66)], skin - 40, 0.006)
    c.oval(cx - hw * 0.08, top + hh * 0.65, cx + hw * 0.08, top + hh * 0.69, skin - 35)
    if not dress and rng.random() < 0.5:  # moustache
        c.oval(cx - hw * 0.2, top + hh * 0.66, cx + hw * 0.2, top + hh * 0.8, hair, 180)
    c.oval(cx - hw * 0.13, top + hh * 0.77, cx + hw * 0.13, top + hh * 0.82, skin - 55)
    c.face(cx - hw / 2, top, hw, hh)
    if rng.random() < 0.5:  # oval cabinet-card mount
        c.haze(0.1, 0.06, 0.9, 0.94, 228, 0.95, outside=True)


def _group(c: _Canvas, rng: random.Random) -> None:
    gy, wall, rows, team = rng.uniform(0.6, 0.7), rng.randint(110, 150), rng.choice((2, 3)), rng.random() < 0.35
    c.rect(0, 0, 1, gy, wall)
    for i in range(int(gy / 0.014)):  # brick courses
        c.line([(0, i * 0.014), (1, i * 0.014)], wall - 25)
    for x in (0.08, 0.3, 0.62, 0.84):
        c.rect(x, gy * 0.15, x + 0.09, gy * 0.55, 50)
        c.rect(x - 0.005, gy * 0.55, x + 0.095, gy * 0.57, wall + 40)
    c.vgrad(gy, 1, 150, 120)
    hgt, uniform = rng.uniform(0.5, 0.55) if rows == 2 else rng.uniform(0.4, 0.44), rng.choice((190, 210, 40))
    for r in reversed(range(rows)):  # back row first; the front row sits
        step = 0.3 * hgt / c.aspect
        n = int(0.9 / step)
        x0 = 0.5 - (n - 1) * step / 2 + (step / 2 if r == 1 and (n + 1) * step < 0.98 else 0)
        for i in range(n):
            _figure(c, rng, x0 + i * step + rng.uniform(-0.01, 0.01), (0.93, 0.79, 0.67)[r] + rng.uniform(-0.01, 0.01),
                    hgt * rng.uniform(0.95, 1.03), coat=uniform if team else None, seated=r == 0, dress=False if team else None)
    w = 0.05 / c.aspect
    if team:  # the ball
        c.oval(0.5 - w, 0.9, 0.5 + w, 0.9 + 2 * w * c.aspect, 225)
    else:  # a slate with the class and year chalked on it
        c.rect(0.5 - w, 0.83, 0.5 + w, 0.92, 35)
        c.line([(0.5 - w * 0.7, 0.86), (0.5 + w * 0.7, 0.86)], 200)
        c.line([(0.5 - w * 0.5, 0.89), (0.5 + w * 0.5, 0.89)], 200)


def _building(c: _Canvas, rng: random.Random) -> None:
    gy = rng.uniform(0.8, 0.88)
    _sky(c, rng, gy)
    c.vgrad(gy, 1, 165, 120)
    x0, x1, top, stone = rng.uniform(0.03, 0.12), rng.uniform(0.88, 0.97), rng.uniform(0.3, 0.38), rng.randint(155, 190)
    cx, pw, floors = (x0 + x1) / 2, rng.uniform(0.3, 0.42), rng.choice((2, 3))
    px0, px1, ptop = cx - pw / 2, cx + pw / 2, top + 0.08
    if rng.random() < 0.5:  # dome on a drum
        c.rect(cx - 0.1, top - 0.1, cx + 0.1, top, stone - 10)
        c.oval(cx - 0.12, top - 0.22, cx + 0.12, top + 0.02, stone - 35, 180)
        c.rect(cx - 0.015, top - 0.27, cx + 0.015, top - 0.2, stone - 20)
    else:  # clock tower
        c.rect(cx - 0.06, top - 0.22, cx + 0.06, top, stone - 15)
        c.poly([(cx - 0.07, top - 0.22), (cx + 0.07, top - 0.22), (cx, top - 0.32)], 60)
        c.oval(cx - 0.03, top - 0.17, cx + 0.03, top - 0.17 + 0.06 * c.aspect, 225)
    _trees(c, rng, -0.05, x0 + 0.05, gy, 0.3, 70)
    _trees(c, rng, x1 - 0.05, 1.05, gy, 0.3, 70)
    c.rect(x0, top, x1, gy, stone)
    c.rect(x0 - 0.01, top, x1 + 0.01, top + 0.025, stone + 25)
    c.rect(x0 - 0.01, top + 0.025, x1 + 0.01, top + 0.032, stone - 50)
    for i in range(floors):
        wy = top + 0.08 + i * (gy - top - 0.16) / floors
        for a, b in ((x0 + 0.02, px0 - 0.02), (px1 + 0.02, x1 - 0.02)):
            n = max(1, int((b - a) / 0.06))
            for j in range(n):
                wx, ww = a + (j + 0.25) * (b - a) / n, 0.5 * (b - a) / n
                c.rect(wx, wy, wx + ww, wy + 0.1, 45)
                c.rect(wx - 0.004, wy - 0.012, wx + ww + 0.004, wy - 0.004, stone + 30)
    c.poly([(px0 - 0.02, ptop), (px1 + 0.02, ptop), (cx, ptop - 0.12)], stone + 15)
    c.poly([(px0 + 0.01, ptop - 0.01), (px1 - 0.01, ptop - 0.01), (cx, ptop - 0.1)], stone - 20)
    c.rect(px0 - 0.02, ptop, px1 + 0.02, ptop + 0.04, stone + 20)
    c.rect(px0, ptop + 0.04, px1, gy - 0.05, 55)
    c.rect(cx - 0.03, gy - 0.2, cx + 0.03, gy - 0.05, 25)
    n = rng.choice((4, 6, 8))
    for i in range(n):
        colx, cw = px0 + (i + 0.5) * pw / n, pw / n * 0.22
        c.rect(colx - cw, ptop + 0.04, colx + cw, gy - 0.05, stone + 35)
        c.rect(colx + cw * 0.3, ptop + 0.04, colx + cw, gy - 0.05, stone - 5)
        c.rect(colx - cw * 1.4, ptop + 0.04, colx + cw * 1.4, ptop + 0.055, stone + 45)
        c.rect(colx - cw * 1.4, gy - 0.065, colx + cw * 1.4, gy - 0.05, stone + 45)
    for k in range(5):  # steps
        c.rect(px0 - 0.06 - k * 0.01, gy - 0.05 + k * 0.01, px1 + 0.06 + k * 0.01, gy - 0.04 + k * 0.01, stone + (40 if k % 2 else -20))
    for foot in sorted(rng.uniform(gy + 0.03, 0.98) for _ in range(rng.randint(2, 5))):  # nearer is lower and larger
        _figure(c, rng, rng.uniform(0.1, 0.9), foot, (foot - gy + 0.12) * rng.uniform(0.55, 0.65))


def _harbour(c: _Canvas, rng: random.Random) -> None:
    yh = rng.uniform(0.38, 0.5)
    P = _persp(c, rng.uniform(0.4, 0.6), yh, 1.0, 3.0)
    _sky(c, rng, yh)
    hills = [(0.0, yh)] + [(i / 16, yh - rng.uniform(0.01, 0.06)) for i in range(17)] + [(1.0, yh)]
    c.poly(hills, rng.randint(165, 190))
    c.vgrad(yh, 1, rng.randint(185, 205), rng.randint(110, 140))
    for _ in range(160):  # ripples
        y, x, ln = yh + (1 - yh) * rng.random() ** 1.6, rng.uniform(-0.1, 1), rng.uniform(0.01, 0.08)
        c.line([(x, y), (x + ln * (y - yh) * 3, y)], rng.choice((90, 110, 215, 230)), 0.002 + 0.004 * (y - yh))
    for bx, bz in sorted(((rng.uniform(-14, 14), rng.uniform(18, 70)) for _ in range(rng.randint(2, 5))), key=lambda b: -b[1]):
        ln, tone = rng.uniform(5, 10), rng.randint(30, 70)
        c.poly([P(bx - ln / 2, 0, bz), P(bx + ln / 2, 0, bz), P(bx + ln * 0.4, -1.5, bz), P(bx - ln * 0.4, -1.5, bz)], tone + 50)
        c.poly([P(bx - ln / 2, 1.3, bz), P(bx + ln / 2, 1.6, bz), P(bx + ln * 0.38, 0, bz), P(bx - ln * 0.38, 0, bz)], tone)
        c.rect(*P(bx - ln * 0.15, 2.6, bz), *P(bx + ln * 0.15, 1.3, bz), 200)
        c.line([P(bx, 1.3, bz), P(bx, rng.uniform(6, 10), bz)], 40, 0.12 / bz)
        if rng.random() < 0.5:
            c.poly([P(bx + 0.2, 7, bz), P(bx + 0.2, 1.8, bz), P(bx + ln * 0.45, 1.8, bz)], 225)
    side = rng.choice((-1, 1))
    xp = side * rng.uniform(2.5, 4)
    edge = xp - side * 2
    _flat(c, P, xp - 2, xp + 2, 1.5, 2, 60, 175)
    _wall(c, P, edge, 1.1, 1.5, 2, 60, 80)
    for z in range(3, 60):  # planks and piles
        c.line([P(xp - 2, 1.5, z), P(xp + 2, 1.5, z)], 135, 0.02 / z)
        if z % 3 == 0:
            c.line([P(edge, 1.1, z), P(edge, -1.0, z)], 35, 0.15 / z)
    for zf in sorted((rng.uniform(5, 12) for _ in range(rng.randint(1, 3))), reverse=True):
        _figure(c, rng, *P(xp + rng.uniform(-1.2, 1.2), 1.5, zf), 1.7 / zf)


def _farm(c: _Canvas, rng: random.Random) -> None:
    yh, vx = rng.uniform(0.45, 0.58), rng.uniform(0.2, 0.8)
    _sky(c, rng, yh)
    _trees(c, rng, -0.05, 1.05, yh + 0.01, 0.06, 95)
    c.vgrad(yh, 1, 165, 115)
    for k in range(-30, 31):  # furrows
        c.line([(vx + k * 0.003, yh + 0.01), (vx + k * 0.09, 1.0)], 95 if k % 2 else 185, 0.003)
    bx, bw, bh, wood = rng.uniform(0.45, 0.65), rng.uniform(0.22, 0.3), rng.uniform(0.15, 0.2), rng.randint(100, 150)
    base, sx = yh + 0.06, bx + bw + 0.01
    c.rect(sx, base - bh * 1.6, sx + 0.06, base, 170)  # silo
    c.oval(sx, base - bh * 1.6 - 0.04, sx + 0.06, base - bh * 1.6 + 0.04, 120, 180)
    c.rect(bx, base - bh, bx + bw, base, wood)
    for i in range(int(bw / 0.012)):  # boards
        c.line([(bx + i * 0.012, base - bh), (bx + i * 0.012, base)], wood - 25, 0.001)
    c.poly([(bx - 0.015, base - bh), (bx + bw + 0.015, base - bh), (bx + bw / 2, base - bh - 0.12)], 55)
    c.rect(bx + bw * 0.35, base - bh * 0.7, bx + bw * 0.65, base, 45)
    c.line([(bx + bw * 0.35, base - bh * 0.7), (bx + bw * 0.65, base)], 170)
    c.line([(bx + bw * 0.65, base - bh * 0.7), (bx + bw * 0.35, base)], 170)
    c.rect(bx + bw * 0.44, base - bh - 0.05, bx + bw * 0.56, base - bh - 0.005, 30)
    if rng.random() < 0.6:  # haystack
        hx = rng.uniform(0.05, 0.35)
        c.oval(hx, base - 0.08, hx + 0.12, base + 0.05, 190, 180)
    for i in range(12):  # fence
        c.rect(i * 0.09, 0.65 + i * 0.012, i * 0.09 + 0.008, 0.72 + i * 0.012, 60)
    for y in (0.67, 0.69):
        c.line([(0, y), (1.1, y + 0.13)], 70, 0.004)
    for foot in sorted(rng.uniform(0.75, 0.97) for _ in range(rng.randint(1, 3))):  # eye level at the horizon
        _figure(c, rng, rng.uniform(0.15, 0.85), foot, (foot - yh) * rng.uniform(0.95, 1.15), coat=rng.choice((50, 80, 120)))


def _interior(c: _Canvas, rng: random.Random) -> None:
    half, back, ceil, wall, s = 5.0, 11.9, 3.6, rng.randint(140, 185), rng.choice((-1, 1))
    P = _persp(c, rng.uniform(0.4, 0.6), rng.uniform(0.35, 0.45), 0.9, 1.6)
    c.vgrad(0, 1, wall - 30, wall - 60)
    c.rect(*P(-half, ceil, back), *P(half, 0, back), wall)
    _flat(c, P, -half, half, 0, 1, back, 120)
    for i in range(-10, 11):  # floorboards
        c.line([P(i * 0.5, 0, 1), P(i * 0.5, 0, back)], 90)
    _flat(c, P, -half, half, ceil, 1, back, wall - 20)
    _wall(c, P, s * half, 0.9, 2.9, 5, 9, 245)  # window
    c.line([P(s * half, 1.9, 5), P(s * half, 1.9, 9)], 80, 0.004)
    c.line([P(s * half, 0.9, 7), P(s * half, 2.9, 7)], 80, 0.004)
    lx = P(s * half * 0.5, 0, 7)[0]
    c.haze(lx - 0.25, 0.5, lx + 0.25, 0.9, 230, 0.35)
    if rng.random() < 0.5:  # shop: stocked shelves, shopkeeper behind the counter, customers
        for i in range(5):
            y, xb = 0.6 + i * 0.55, -4.0
            c.line([P(-4, y, back), P(4, y, back)], 60, 0.006)
            while xb < 4:
                w = rng.uniform(0.15, 0.4)
                c.rect(*P(xb, y + rng.uniform(0.2, 0.45), back), *P(xb + w, y, back), rng.randint(40, 230))
                xb += w + 0.05
        _figure(c, rng, *P(rng.uniform(-2, 2), 0, 9), 0.9 * 1.7 / 9)
        _flat(c, P, -4, 2.5, 1.0, 7, 7.8, 180)
        c.rect(*P(-4, 1.0, 7), *P(2.5, 0, 7), 55)
        for z in sorted((rng.uniform(3.5, 6) for _ in range(rng.randint(1, 3))), reverse=True):
            _figure(c, rng, *P(rng.uniform(-3, 3), 0, z), 0.9 * 1.7 / z)
    else:  # classroom: blackboard, teacher, pupils at desks
        c.rect(*P(-3, 2.4, back), *P(3, 1.0, back), 35)
        for _ in range(6):
            a = rng.uniform(-2.6, 1.5)
            c.line([P(a, rng.uniform(1.4, 2.2), back), P(a + rng.uniform(0.3, 1.0), rng.uniform(1.4, 2.2), back)], 190)
        _figure(c, rng, *P(rng.choice((-3.8, 3.8)), 0, 10.5), 0.9 * 1.75 / 10.5)
        for z in (9.5, 8.0, 6.5, 5.0):
            for x in (-3.0, -1.0, 1.0, 3.0):
                _figure(c, rng, *P(x, 0, z + 0.5), 0.9 * 1.4 / (z + 0.5), seated=True)
                _flat(c, P, x - 0.6, x + 0.6, 0.75, z, z - 0.5, 150)
                c.rect(*P(x - 0.6, 0.75, z - 0.5), *P(x + 0.6, 0.1, z - 0.5), 60)


_SCENES: dict[str, Callable[[_Canvas, random.Random], None]] = {
    "street": _street, "portrait": _portrait, "group": _group, "parade": lambda c, r: _street(c, r, parade=True),
    "building": _building, "harbour": _harbour, "farm": _farm, "interior": _interior,
}


def _compose(kind: str, seed: int, size: tuple[int, int]) -> tuple[Image.Image, list[Box], int, random.Random]:
    """The grey scene at working resolution, its faces as fractions of the whole frame, the border, the effects' dice."""
    if kind not in _SCENES:
        raise ValueError(f"Unknown scene kind {kind!r}; expected one of {', '.join(SCENE_KINDS)}.")
    if len(size) != 2 or not all(isinstance(v, int) and 16 <= v <= _MAX_SIDE for v in size):
        raise ValueError(f"Size must be two whole numbers of pixels between 16 and {_MAX_SIDE}, not {size!r}.")
    (w, h), fx = size, random.Random(f"photoid-fx:{kind}:{seed}")
    border = round(min(w, h) * fx.uniform(0.03, 0.05)) if fx.random() < 0.35 else 0
    iw, ih = w - 2 * border, h - 2 * border
    scale = min(1.0, (_WORK_AREA / (iw * ih)) ** 0.5)
    canvas = _Canvas(max(8, round(iw * scale)), max(8, round(ih * scale)))
    _SCENES[kind](canvas, random.Random(f"photoid-scene:{kind}:{seed}"))
    heads = [((border + x * iw) / w, (border + y * ih) / h, bw * iw / w, bh * ih / h) for x, y, bw, bh in canvas.heads]
    return canvas.im, heads, border, fx


def figure_boxes(kind: str, *, seed: int, size: tuple[int, int]) -> list[Box]:
    """Head boxes ``(x, y, w, h)``, as fractions of the frame, of the people ``render_scene`` draws (back to front)."""
    return _compose(kind, seed, size)[1]


def render_scene(kind: str, *, seed: int, size: tuple[int, int]) -> Image.Image:
    """An RGB image of ``size`` pixels that looks like an old photographic print of a ``kind`` scene."""
    im, _, border, fx = _compose(kind, seed, size)
    inner = (size[0] - 2 * border, size[1] - 2 * border)
    lo, hi, gamma = fx.uniform(10, 40), fx.uniform(205, 245), fx.uniform(0.8, 1.2)
    im = im.filter(ImageFilter.BoxBlur(fx.uniform(0.8, 1.5) * (im.width * im.height / _WORK_AREA) ** 0.5))
    im = im.point(lambda v: int(lo + (hi - lo) * (v / 255) ** gamma)).resize(inner, Image.Resampling.BILINEAR)
    strength, tilt = fx.uniform(0.3, 0.6), fx.uniform(0.0, 0.2)  # vignette and uneven exposure
    shade = Image.radial_gradient("L").point(lambda v: int(255 * (1 - strength * (v / 255) ** 2.2)))
    slope = Image.linear_gradient("L").rotate(fx.choice((0, 90, 180, 270))).point(lambda v: int(255 * (1 - tilt * v / 255)))
    im = ImageChops.multiply(im, ImageChops.multiply(shade, slope).resize(inner, Image.Resampling.BILINEAR))
    gw, gh, amp = max(1, inner[0] * 2 // 3), max(1, inner[1] * 2 // 3), fx.uniform(10, 22)
    grain = Image.frombytes("L", (gw, gh), fx.randbytes(gw * gh)).resize(inner, Image.Resampling.BILINEAR)
    im = ImageChops.add(im, grain.point(lambda v: int(128 + (v - 128) * amp / 128)), 1.0, -128)
    d, diag = ImageDraw.Draw(im), (inner[0] + inner[1]) / 2
    for _ in range(fx.randint(5, 40)):  # dust
        x, y, r = fx.uniform(0, inner[0]), fx.uniform(0, inner[1]), diag * fx.uniform(0.0005, 0.002)
        d.ellipse([x - r, y - r, x + r, y + r], fill=fx.choice((235, 245, 30)))
    for _ in range(fx.randint(0, 2)):  # scratches
        x = fx.uniform(0, inner[0])
        d.line([(x, 0), (x + fx.uniform(-0.05, 0.05) * inner[0], inner[1])], fill=fx.randint(170, 215), width=max(1, round(diag / 1500)))
    black, mid, white = fx.choice(_TONES)
    out = ImageOps.colorize(im, black, white, mid)
    if border:
        card = Image.new("RGB", size, (238, 232, 216))
        card.paste(out, (border, border))
        out = card
    return out
