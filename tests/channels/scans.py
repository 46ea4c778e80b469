"""Scanned letters for the OCR tests and bench: known Persian text laid out by WeasyPrint in Vazirmatn,
rasterised with pdfium like a scanner would, then soiled (salt-and-pepper, a slight rotation, blur)
so Tesseract reads something closer to a real office scan than a clean render."""

import io
import random
from pathlib import Path

import img2pdf
import pypdfium2
from PIL import Image, ImageFilter

import dabir.signing

FONT = Path(dabir.signing.__file__).resolve().parent / "fonts" / "Vazirmatn-Regular.ttf"

LINES = [
    "جناب آقای دکتر احمدی",
    "مدیرکل محترم دفتر بودجه",
    "با سلام و احترام، درخواست تخصیص اعتبار برای نوسازی مدارس روستایی",
    "به پیوست فهرست طرح‌های عمرانی استان خوزستان تقدیم می‌شود.",
    "خواهشمند است دستور فرمایید بررسی لازم انجام شود.",
]


def born_digital_pdf(lines=LINES, pages: int = 1) -> bytes:
    """A PDF with a real text layer, as an office writes it (no OCR needed)."""
    from weasyprint import HTML

    body = "".join(
        f"<section>{''.join(f'<p>{line}</p>' for line in lines)}</section>" for _ in range(pages)
    )
    html = f"""<html dir="rtl" lang="fa"><head><style>
        @font-face {{ font-family: V; src: url("{FONT.as_uri()}"); }}
        @page {{ size: A4; margin: 2.5cm; }}
        body {{ font-family: V; font-size: 15pt; line-height: 2; direction: rtl; }}
        section {{ page-break-after: always; }} section:last-child {{ page-break-after: auto; }}
    </style></head><body>{body}</body></html>"""
    return HTML(string=html).write_pdf()


def rasterise(pdf: bytes, dpi: int = 300) -> list[Image.Image]:
    """Each page as a greyscale image at `dpi`, as a flatbed scanner gives it."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in doc]
    finally:
        doc.close()


def soil(image: Image.Image, *, seed: int = 7, noise: float = 0.004, angle: float = 0.6) -> Image.Image:
    """Salt-and-pepper specks, a slight skew and a little blur."""
    rnd = random.Random(seed)
    image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    pixels = image.load()
    w, h = image.size
    for _ in range(int(w * h * noise)):
        pixels[rnd.randrange(w), rnd.randrange(h)] = rnd.choice((0, 255))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def blank_page(dpi: int = 300, seed: int = 3) -> Image.Image:
    """An A4 page with nothing on it but scanner noise."""
    page = Image.new("L", (int(8.27 * dpi), int(11.69 * dpi)), 255)
    return soil(page, seed=seed, noise=0.002, angle=0)


def encode(image: Image.Image, fmt: str, dpi: int) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, dpi=(dpi, dpi), **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def scanned_images(lines=LINES, pages: int = 1, dpi: int = 300) -> list[Image.Image]:
    return [soil(img, seed=i + 1) for i, img in enumerate(rasterise(born_digital_pdf(lines, pages), dpi))]


def scanned_pdf(lines=LINES, pages: int = 1, dpi: int = 300, images=None) -> bytes:
    """A scan as a copier's scan-to-PDF makes it: one JPEG image per page, no text."""
    images = images if images is not None else scanned_images(lines, pages, dpi)
    return img2pdf.convert([encode(img, "JPEG", dpi) for img in images])


def scanned_jpeg(lines=LINES, dpi: int = 300) -> bytes:
    return encode(scanned_images(lines, 1, dpi)[0], "JPEG", dpi)


def scanned_tiff(lines=LINES, pages: int = 2, dpi: int = 200) -> bytes:
    """A multi-page fax-like TIFF (bilevel, Group 4)."""
    images = [img.convert("1") for img in scanned_images(lines, pages, dpi)]
    out = io.BytesIO()
    images[0].save(out, "TIFF", save_all=True, append_images=images[1:], compression="group4", dpi=(dpi, dpi))
    return out.getvalue()
