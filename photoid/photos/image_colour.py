"""Turning decoded bands into 8-bit sRGB or greyscale pixels, whatever the source's depth, alpha or profile."""
from __future__ import annotations

import io

from PIL import Image, ImageCms

_SRGB: ImageCms.ImageCmsProfile | None = None


def _srgb() -> ImageCms.ImageCmsProfile:
    global _SRGB
    if _SRGB is None:
        _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB


class Colour:
    """Turns decoded bands into 8-bit sRGB ("RGB") or greyscale ("L") pixels.

    16-bit samples are scaled (not clipped) to 8 bits; transparency is flattened on white; an
    embedded ICC profile (or CMYK, or CIELab) is converted to sRGB with LittleCMS. A greyscale
    profile is dropped: grey stays grey.
    """

    def __init__(self, image: Image.Image) -> None:
        self._icc = image.info.get("icc_profile")
        self._transparency = image.info.get("transparency")
        self._transforms: dict[str, ImageCms.ImageCmsTransform | None] = {}

    def __call__(self, band: Image.Image) -> Image.Image:
        band = self._eight_bit(band)
        if band.mode == "P":
            band = band.convert("RGBA" if self._transparency is not None or "transparency" in band.info else "RGB")
        elif band.mode in ("1", "La"):
            band = band.convert("L" if band.mode == "1" else "LA")
        elif band.mode in ("PA", "RGBa"):
            band = band.convert("RGBA")
        if band.mode in ("LA", "RGBA"):
            band = _on_white(band)
        if band.mode in ("L", "RGB"):
            transform = self._transform("RGB") if band.mode == "RGB" else None
            if transform is not None:
                transform.apply_in_place(band)
            return band
        transform = self._transform(band.mode)
        return transform.apply(band) if transform is not None else band.convert("RGB")

    @staticmethod
    def _eight_bit(band: Image.Image) -> Image.Image:
        if band.mode.startswith("I;16") or band.mode == "I":
            return band.convert("I").point(lambda value: value / 257).convert("L")
        if band.mode == "F":
            return band.point(lambda value: value * 255).convert("L")
        return band

    def _transform(self, mode: str) -> ImageCms.ImageCmsTransform | None:
        if mode not in self._transforms:
            self._transforms[mode] = self._build(mode)
        return self._transforms[mode]

    def _build(self, mode: str) -> ImageCms.ImageCmsTransform | None:
        intent = ImageCms.Intent.PERCEPTUAL
        try:
            if mode == "LAB":
                return ImageCms.buildTransform(ImageCms.createProfile("LAB"), _srgb(), "LAB", "RGB", intent)
            if not self._icc or mode not in ("RGB", "CMYK"):
                return None
            profile = ImageCms.ImageCmsProfile(io.BytesIO(self._icc))
            if mode == "RGB" and "srgb" in (ImageCms.getProfileDescription(profile) or "").lower():
                return None  # already sRGB: skip the work
            return ImageCms.buildTransform(profile, _srgb(), mode, "RGB", intent)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            return None  # an unusable profile: keep the pixels as they are


def _on_white(band: Image.Image) -> Image.Image:
    base = Image.new(band.mode[:-1], band.size, 255 if band.mode == "LA" else (255, 255, 255))
    base.paste(band.convert(band.mode[:-1]), mask=band.getchannel("A"))
    return base
