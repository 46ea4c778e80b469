"""Draw the service desk's app icons (a white form with a check mark on Dabir's blue).

    .venv/bin/python src/dabir/desk/static/desk/icons/draw_icons.py

writes icon-192.png, icon-512.png and icon-maskable-512.png next to this file. The drawing stays
inside the central 80% circle so the maskable icon survives any mask shape.
"""

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (31, 78, 121, 255)
WHITE = (255, 255, 255, 255)
GREEN = (46, 160, 90, 255)
LINE = (180, 196, 214, 255)
HERE = Path(__file__).resolve().parent


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # draw large, then shrink: smooth edges without an antialiasing API
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, s, s], fill=BLUE)
    else:
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=int(s * 0.22), fill=BLUE)
    # The sheet of paper.
    left, top, right, bottom = s * 0.30, s * 0.22, s * 0.70, s * 0.78
    d.rounded_rectangle([left, top, right, bottom], radius=int(s * 0.04), fill=WHITE)
    # Lines of text, right-aligned as Persian is.
    for i, width in enumerate((0.28, 0.22, 0.26)):
        y = top + s * (0.09 + i * 0.075)
        d.rounded_rectangle([right - s * 0.06 - s * width, y, right - s * 0.06, y + s * 0.028],
                            radius=int(s * 0.014), fill=LINE)
    # A green disc with a check mark at the foot of the sheet.
    cx, cy, r = s * 0.5, s * 0.64, s * 0.085
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=GREEN)
    w = int(s * 0.022)
    d.line([(cx - r * 0.45, cy + r * 0.02), (cx - r * 0.1, cy + r * 0.38), (cx + r * 0.5, cy - r * 0.35)],
           fill=WHITE, width=w, joint="curve")
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    draw(192, maskable=False).save(HERE / "icon-192.png", optimize=True)
    draw(512, maskable=False).save(HERE / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(HERE / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
