"""Generates the synthetic sample documents and binary test fixtures.

Everything here is drawn from shapes and text: no real person, document or
photograph is involved. Output is deterministic, so re-running the script
reproduces the committed files byte for byte (same Pillow major version).

Usage: python scripts/make_samples.py  (run by scripts/make-samples)
"""

from __future__ import annotations

import io
import random
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from corpus import pdf as statement_pdf, pdf_edit

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "examples" / "samples"
BYTES_FIXTURES = ROOT / "tests" / "fixtures" / "document-bytes"
IMAGE_FIXTURES = ROOT / "tests" / "fixtures" / "images"
ANALYZE_FIXTURES = ROOT / "tests" / "fixtures" / "analyze"
RETYPE_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def id_card(seed: int = 7) -> Image.Image:
    """An ID-1 card (85.60 x 53.98 mm at 10 px/mm) of an invented country."""
    rng = random.Random(seed)
    card = Image.new("RGB", (856, 540), (226, 236, 246))
    draw = ImageDraw.Draw(card)
    # Guilloche-like background: overlapping thin sine-ish arcs.
    for i in range(0, 856, 12):
        draw.arc((i - 300, -200, i + 300, 740), 200, 340, fill=(200, 215, 232), width=1)
    draw.rectangle((0, 0, 856, 70), fill=(24, 62, 120))
    draw.text((24, 16), "REPUBLIC OF VERISCOPIA", font=font(30), fill="white")
    draw.text((560, 22), "IDENTITY CARD", font=font(24), fill=(255, 220, 120))
    # An abstract portrait: head and shoulders from ellipses, no real face.
    draw.rectangle((40, 110, 260, 400), fill=(190, 200, 210))
    draw.ellipse((95, 140, 205, 270), fill=(214, 170, 140))
    draw.ellipse((60, 280, 240, 470), fill=(70, 80, 110))
    draw.rectangle((40, 400, 260, 470), fill=(226, 236, 246))
    fields = [
        ("ID NO", "VS-%07d" % rng.randrange(10**7)),
        ("SURNAME", "SAMPLE"),
        ("GIVEN NAMES", "JANE EXAMPLE"),
        ("DATE OF BIRTH", "01.02.1990"),
        ("DATE OF EXPIRY", "01.02.2035"),
    ]
    y = 110
    for label, value in fields:
        draw.text((300, y), label, font=font(16), fill=(90, 100, 120))
        draw.text((300, y + 18), value, font=font(28), fill=(20, 20, 30))
        y += 62
    draw.text((40, 490), "SPECIMEN - SYNTHETIC TEST DOCUMENT", font=font(20), fill=(160, 40, 40))
    return card


def jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF with Helvetica text, written object by object."""
    text = ["BT", "/F1 12 Tf", "14 TL", "56 780 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text.append(f"({escaped}) Tj T*")
    text.append("ET")
    stream = zlib.compress("\n".join(text).encode("latin-1"), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Producer (Veriscope sample generator) /CreationDate (D:20261101090000Z) >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


STATEMENT = [
    "VERISCOPIA SAMPLE BANK - ACCOUNT STATEMENT (SYNTHETIC)",
    "Account holder: Jane Example Sample",
    "IBAN: VS00 0000 1234 5678 9012 34",
    "Period: 01.10.2026 - 31.10.2026",
    "",
    "01.10.2026  Opening balance                1,250.00",
    "05.10.2026  Grocery store                    -84.20",
    "15.10.2026  Salary                         2,900.00",
    "31.10.2026  Closing balance                4,065.80",
]


def captured(card: Image.Image, seed: int) -> Image.Image:
    """The card as a phone sees it: half size, slightly blurred, noisy."""
    small = card.resize((428, 270), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(0.6))
    noise = np.random.default_rng(seed).normal(0, 3.0, (270, 428, 3))
    return Image.fromarray(np.clip(np.asarray(small, dtype=np.float64) + noise, 0, 255).astype(np.uint8))


def write_analyze_fixtures() -> None:
    """Inputs of the `analyze` fixture operation: an authentic capture, the
    same card spliced, with an editor's metadata, as PNG; a statement PDF
    and its incremental edit; option cases on a tiny card."""
    plain = Image.open(io.BytesIO(jpeg_bytes(captured(id_card(), 1), 92))).convert("RGB")
    write(ANALYZE_FIXTURES / "card.jpg", jpeg_bytes(plain, 92))
    # A field from another card saved at Q55, pasted on the 8x8 grid.
    donor = Image.open(io.BytesIO(jpeg_bytes(captured(id_card(seed=11), 2), 55))).convert("RGB")
    spliced = plain.copy()
    spliced.paste(donor.crop((144, 48, 336, 112)), (144, 48))
    write(ANALYZE_FIXTURES / "card-spliced.jpg", jpeg_bytes(spliced, 92))
    # The expiry date blanked with the paper's colour and typed again: a
    # field without the capture noise around it.
    retyped = plain.copy()
    draw = ImageDraw.Draw(retyped)
    draw.rectangle((146, 184, 300, 206), fill=(226, 236, 246))
    draw.text((150, 186), "01.02.2045", font=ImageFont.truetype(RETYPE_FONT, 15), fill=(20, 20, 30))
    write(ANALYZE_FIXTURES / "card-retyped.jpg", jpeg_bytes(retyped, 92))
    exif = Image.Exif()
    exif[0x0131] = "GIMP 2.10.36"
    out = io.BytesIO()
    plain.save(out, "JPEG", quality=92, exif=exif.tobytes())
    write(ANALYZE_FIXTURES / "card-edited-in-gimp.jpg", out.getvalue() + b"PK\x03\x04" + bytes(64))
    write(ANALYZE_FIXTURES / "card-as-png.png", png_bytes(plain))
    write(ANALYZE_FIXTURES / "card-truncated.jpg", jpeg_bytes(plain, 92)[:6000])
    statement = statement_pdf(STATEMENT, "Veriscope Bank Reports")
    write(ANALYZE_FIXTURES / "statement.pdf", statement)
    write(ANALYZE_FIXTURES / "statement-edited.pdf", pdf_edit(statement, random.Random(5)))
    write(ANALYZE_FIXTURES / "card-as-gif.gif", (SAMPLES / "id-card.gif").read_bytes())
    tiny = jpeg_bytes(id_card().resize((86, 54)), 85)
    for case, options in (
        ("tiny-unknown-option", '{"colour": true, "today": "2026-11-22"}'),
        ("tiny-over-pixel-budget", '{"today": "2026-11-22", "maxPixels": 1000}'),
        ("tiny-nik-mismatch", '{"today": "2026-11-22", "nik": "3171234506900001", '
         '"nikClaims": {"birthDate": "1990-05-06", "sex": "female", "province": "32"}}'),
        ("tiny-mrz-text-bad-check", '{"today": "2026-11-22", "mrzText": '
         '"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C37UTO7408122F1204159ZE184226B<<<<<10"}'),
    ):
        write(ANALYZE_FIXTURES / f"{case}.jpg", tiny)
        write(ANALYZE_FIXTURES / f"{case}.options.json", (options + "\n").encode())
    for case in ("card", "card-spliced", "card-retyped", "card-edited-in-gimp", "card-truncated", "statement", "statement-edited"):
        write(ANALYZE_FIXTURES / f"{case}.options.json", b'{"today": "2026-11-22"}\n')
    write(ANALYZE_FIXTURES / "card-as-png.options.json", b'{"today": "2026-11-22", "id": "card-as-png"}\n')


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"{path.relative_to(ROOT)}  {len(data)} bytes")


def main() -> None:
    card = id_card()
    write(SAMPLES / "id-card.jpg", jpeg_bytes(card, 90))
    write(SAMPLES / "id-card.png", png_bytes(card.resize((428, 270))))
    write(SAMPLES / "bank-statement.pdf", pdf_bytes(STATEMENT))
    gif = io.BytesIO()
    card.resize((107, 68)).convert("P").save(gif, "GIF")
    write(SAMPLES / "id-card.gif", gif.getvalue())

    small = card.resize((86, 54))
    write(BYTES_FIXTURES / "small-card-jpeg.jpg", jpeg_bytes(small, 85))
    write(BYTES_FIXTURES / "small-card-png.png", png_bytes(small))
    write(BYTES_FIXTURES / "statement.pdf", pdf_bytes(STATEMENT[:3]))
    write(BYTES_FIXTURES / "pdf-after-junk.bin", b"\r\n%%junk\r\n" + pdf_bytes(["x"]))
    gif = io.BytesIO()
    small.convert("P").save(gif, "GIF")
    write(BYTES_FIXTURES / "renamed-gif.jpg", gif.getvalue())
    webp = io.BytesIO()
    small.save(webp, "WEBP", quality=50)
    write(BYTES_FIXTURES / "photo.webp", webp.getvalue())
    write(BYTES_FIXTURES / "phone-photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 16)
    write(BYTES_FIXTURES / "empty.jpg", b"")
    write(BYTES_FIXTURES / "truncated.jpg", b"\xff\xd8")
    write(BYTES_FIXTURES / "notes.txt", b"this is a note, not a document\n")

    # The same pixels saved by libjpeg as baseline and as progressive with
    # successive approximation: the coefficient reader must agree on both.
    crop = card.crop((280, 90, 280 + 123, 90 + 77))
    for name, progressive in (("baseline", False), ("progressive", True)):
        out = io.BytesIO()
        crop.save(out, "JPEG", quality=85, subsampling=2, progressive=progressive)
        write(IMAGE_FIXTURES / f"card-{name}.jpg", out.getvalue())
    write_analyze_fixtures()


if __name__ == "__main__":
    main()
