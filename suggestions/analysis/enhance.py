"""Automatic photo enhancement: levels, gamma, grey-world white balance and a little saturation.

The plan is measured on a small copy and applied to the full picture as one lookup table, so a
12-MP edit costs little more than its decode and encode. Every correction is bounded and fades
in with how far the photo is from looking right, so nearly right photos get nearly nothing, and
a photo the plan would barely change gets no plan at all.
"""

from dataclasses import dataclass, fields

import numpy as np
from PIL import Image, ImageEnhance

from .images import as_rgb, shrink
from .themes import colourfulness

WORKING_SIDE = 512
# No edit is suggested for a photo that would barely change (mean absolute change per pixel).
MIN_CHANGE = 0.02

LOW_PERCENTILE, HIGH_PERCENTILE = 0.5, 99.5
MAX_BLACK, MIN_WHITE = 0.1, 0.85
# Levels are stretched only when the tones span less than this much of the range, fully from FLAT_SPAN.
FULL_SPAN, FLAT_SPAN = 0.85, 0.65

TARGET_MEAN = 0.46
MIN_GAMMA, MAX_GAMMA = 0.55, 1.5
# Mean luminance (after levels) where brightening starts and where it applies in full; the same for darkening.
DARK_START, DARK_FULL = 0.26, 0.16
BRIGHT_START, BRIGHT_FULL = 0.64, 0.74

MAX_GAIN = 0.12
MIN_CAST = 0.04
# Pixels this saturated, and within 45 degrees of the cast's hue, are the scene's own colour.
COLOURED = 0.3
SAME_HUE = 0.7
# The share of such pixels over which the white balance fades out (see _gains).
SCENE_COLOUR_START, SCENE_COLOUR_FULL = 0.2, 0.4

MAX_SATURATION = 1.15
# Hasler and Süsstrunk colourfulness, measured after the tone correction.
DULL_START, DULL_FULL = 25.0, 12.0

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Enhancement:
    black: float  # input level mapped to 0 (0..1)
    white: float  # input level mapped to 1 (0..1)
    gamma: float  # exponent applied after levels; below 1 brightens
    gains: tuple  # (r, g, b) white-balance multipliers, applied first
    saturation: float  # 1.0 = unchanged
    change: float  # predicted mean absolute change per pixel, 0..1

    def as_json(self):
        data = {field.name: round(float(getattr(self, field.name)), 4) for field in fields(self) if field.name != "gains"}
        data["gains"] = [round(float(gain), 4) for gain in self.gains]
        return data

    @classmethod
    def from_json(cls, data):
        return cls(
            black=float(data["black"]), white=float(data["white"]), gamma=float(data["gamma"]),
            gains=tuple(float(gain) for gain in data["gains"]), saturation=float(data["saturation"]),
            change=float(data["change"]),
        )

    @property
    def corrections(self):
        """What the edit does, in plain words, for the suggestion's reason."""
        words = []
        mid = 0.4
        shift = _tone(np.array([mid]), self.black, self.white, self.gamma)[0] - mid
        if shift > 0.02:
            words.append("brighter")
        elif shift < -0.02:
            words.append("darker")
        if 1 / max(self.white - self.black, 1e-6) > 1.03:
            words.append("crisper")
        red, green, blue = self.gains
        if max(self.gains) - min(self.gains) > 0.02:
            if red - blue > 0.02:
                words.append("warmer")
            elif blue - red > 0.02:
                words.append("cooler")
            else:
                words.append("more neutral")
        if self.saturation > 1.0:
            words.append("more colourful")
        return words


def _ramp(value, start, full):
    """0 at `start`, 1 at `full` (either direction), linear between."""
    return float(np.clip((value - start) / (full - start), 0.0, 1.0))


def _tone(x, black, white, gamma):
    return np.clip((x - black) / max(white - black, 1e-6), 0.0, 1.0) ** gamma


def _lut(plan):
    x = np.arange(256, dtype=np.float64) / 255.0
    tables = [_tone(np.clip(x * gain, 0.0, 1.0), plan.black, plan.white, plan.gamma) for gain in plan.gains]
    return np.round(np.concatenate(tables) * 255.0).astype(np.uint8).tolist()


def _opponent(red, green, blue):
    return red - green, (red + green) / 2 - blue


def _scene_colour_share(pixels, cast):
    """The share of strongly coloured pixels whose hue is the cast's. Worked channel by channel:
    numpy's reductions across the three values of each pixel cost ten times as much."""
    red, green, blue = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    red_green, yellow_blue = _opponent(red, green, blue)
    cast_red_green, cast_yellow_blue = _opponent(*cast)
    lengths = np.sqrt(red_green * red_green + yellow_blue * yellow_blue) * np.hypot(cast_red_green, cast_yellow_blue)
    alignment = (red_green * cast_red_green + yellow_blue * cast_yellow_blue) / np.maximum(lengths, 1e-6)
    brightest = np.maximum(np.maximum(red, green), blue)
    saturation = (brightest - np.minimum(np.minimum(red, green), blue)) / np.maximum(brightest, 1.0)
    return float(((saturation >= COLOURED) & (alignment >= SAME_HUE)).mean())


def _gains(pixels):
    """Grey-world gains, faded out when the scene's own coloured pixels explain the cast:
    red curtains, foliage or a sunset shift the average without any cast in the light."""
    pixels = pixels.reshape(-1, 3)
    means = np.array([pixels[:, channel].mean() for channel in range(3)])  # see _scene_colour_share
    grey = float(means.mean())
    if grey < 1.0:
        return (1.0, 1.0, 1.0)
    cast = means / grey - 1.0
    if float(np.abs(cast).max()) < MIN_CAST:
        return (1.0, 1.0, 1.0)
    # A share: every fourth pixel estimates it to within a fraction of a percent, at a quarter of the cost.
    weight = 1.0 - _ramp(_scene_colour_share(pixels[::4], cast), SCENE_COLOUR_START, SCENE_COLOUR_FULL)
    gains = 1.0 + (np.clip(grey / means, 1.0 - MAX_GAIN, 1.0 + MAX_GAIN) - 1.0) * weight
    gains /= float(LUMA @ (gains * means)) / float(LUMA @ means)  # keep the brightness
    return tuple(float(gain) for gain in np.clip(gains, 1.0 - MAX_GAIN, 1.0 + MAX_GAIN))


def _levels(ordered):
    low, high = np.percentile(ordered, [LOW_PERCENTILE, HIGH_PERCENTILE])
    strength = _ramp(high - low, FULL_SPAN, FLAT_SPAN)
    black = min(MAX_BLACK, float(low) * strength)
    white = max(MIN_WHITE, 1.0 - (1.0 - float(high)) * strength)
    return black, white


def _histogram(ordered, bins=256):
    """np.histogram(ordered, bins, (0, 1)) of values already sorted, by bisection."""
    edges = np.histogram_bin_edges(ordered, bins, (0.0, 1.0))
    below = np.searchsorted(ordered, edges, side="left")
    below[-1] = np.searchsorted(ordered, edges[-1], side="right")  # the last bin holds its right edge
    return np.diff(below), edges


def _gamma(ordered, black, white):
    """The exponent that moves the mean toward TARGET_MEAN, as far as the mean is clearly off."""
    counts, edges = _histogram(ordered)
    levelled = _tone((edges[:-1] + edges[1:]) / 2, black, white, 1.0)
    weights = counts / max(counts.sum(), 1)
    mean = float(levelled @ weights)
    if mean < DARK_START:
        target = mean + (TARGET_MEAN - mean) * _ramp(mean, DARK_START, DARK_FULL)
    elif mean > BRIGHT_START:
        target = mean + (TARGET_MEAN - mean) * _ramp(mean, BRIGHT_START, BRIGHT_FULL)
    else:
        return 1.0
    low, high = MIN_GAMMA, MAX_GAMMA
    for _ in range(24):
        gamma = (low + high) / 2
        if float(levelled**gamma @ weights) > target:
            low = gamma
        else:
            high = gamma
    return (low + high) / 2


def enhancement_plan(image):
    """The edit that would make an RGB photo look right, or None when it would barely change."""
    small = shrink(as_rgb(image), WORKING_SIDE, Image.Resampling.BILINEAR)
    before = np.asarray(small, dtype=np.float32)
    gains = _gains(before)
    balanced = np.clip(before * np.array(gains, dtype=np.float32), 0.0, 255.0) / 255.0
    # Sorted once: the percentiles and the histogram then cost a fraction of each sorting it again.
    luminance = np.sort(balanced @ LUMA, axis=None)
    black, white = _levels(luminance)
    gamma = _gamma(luminance, black, white)
    plan = Enhancement(black, white, gamma, gains, 1.0, 0.0)
    toned = small.point(_lut(plan))
    saturation = 1.0 + (MAX_SATURATION - 1.0) * _ramp(colourfulness(np.asarray(toned)), DULL_START, DULL_FULL)
    plan = Enhancement(black, white, gamma, gains, saturation, 0.0)
    after = np.asarray(enhance(small, plan), dtype=np.float32)
    change = float(np.abs(after - before).mean() / 255.0)
    if change < MIN_CHANGE:
        return None
    return Enhancement(black, white, gamma, gains, saturation, change)


def enhance(image, plan):
    """`image` (RGB) with the plan applied: one lookup table, then saturation if any."""
    result = as_rgb(image).point(_lut(plan))
    if plan.saturation != 1.0:
        result = ImageEnhance.Color(result).enhance(plan.saturation)
    return result
