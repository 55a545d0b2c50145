"""Draw the app's icons (static/icons/) for the web app manifest and the home screen.

The mark of favicon.svg — a lens and a shutter button on the brand green — drawn with Pillow at
the sizes phones ask for (192 and 512 px, 180 px for iOS), and a "maskable" variant whose mark
stays inside the safe circle a launcher may cut to. Run `manage.py draw_icons` after changing it;
the PNGs and SVGs are committed.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

BRAND = "#2f5d50"
WHITE = "#ffffff"
SIZES = {"icon-192.png": (192, False), "icon-512.png": (512, False), "apple-touch-icon.png": (180, True),
         "maskable-512.png": (512, True)}
SUPERSAMPLE = 4


def mark(unit, full_bleed):
    """The shapes on a 32-unit grid, as favicon.svg has them; maskable icons shrink the mark to
    the middle 70% and fill the whole square."""
    scale, offset = (0.7, 32 * 0.15) if full_bleed else (1.0, 0.0)

    def at(value):
        return (offset + value * scale) * unit

    return {
        "radius": 0 if full_bleed else 8 * unit,
        "lens": (at(16 - 7), at(17 - 7), at(16 + 7), at(17 + 7)),
        "ring": 3 * scale * unit,
        "button": (at(9), at(6), at(17), at(10)),
        "button_radius": 2 * scale * unit,
    }


def draw_png(size, full_bleed):
    big = size * SUPERSAMPLE
    shapes = mark(big / 32, full_bleed)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=shapes["radius"], fill=BRAND)
    draw.ellipse(shapes["lens"], outline=WHITE, width=round(shapes["ring"]))
    draw.rounded_rectangle(shapes["button"], radius=shapes["button_radius"], fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


def svg(full_bleed):
    shapes = mark(1, full_bleed)
    x0, y0, x1, y1 = shapes["lens"]
    bx0, by0, bx1, by1 = shapes["button"]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32" rx="{shapes["radius"]:g}" fill="{BRAND}"/>'
        f'<circle cx="{(x0 + x1) / 2:g}" cy="{(y0 + y1) / 2:g}" r="{(x1 - x0) / 2 - shapes["ring"] / 2:g}" '
        f'fill="none" stroke="{WHITE}" stroke-width="{shapes["ring"]:g}"/>'
        f'<rect x="{bx0:g}" y="{by0:g}" width="{bx1 - bx0:g}" height="{by1 - by0:g}" '
        f'rx="{shapes["button_radius"]:g}" fill="{WHITE}"/></svg>\n'
    )


class Command(BaseCommand):
    help = "Draw the manifest's icons into static/icons/."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for name, (size, full_bleed) in SIZES.items():
            draw_png(size, full_bleed).save(folder / name, optimize=True)
        (folder / "icon.svg").write_text(svg(False))
        (folder / "maskable.svg").write_text(svg(True))
        self.stdout.write(f"Drew {len(SIZES)} PNGs and 2 SVGs into {folder}.")
