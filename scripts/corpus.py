"""Generates the forgery corpus: synthetic documents, captured as a phone
would, with forged variants (and where they were changed) and authentic
controls. Reproducible from a seed; no real person's data.

Each document is rendered (ID-1 card, KTP with a valid NIK, passport data
page, utility bill, bank statement), captured (blur, light, noise) into the
camera's JPEG at Q85-95, then either kept (an authentic control, possibly
re-saved, resized, cropped or converted to PNG) or opened, forged by one
family and saved again at Q85-95:

  splice_aligned / splice_shifted  a field from another capture saved at
                                   Q50-75, pasted on / off the 8x8 grid
  copy_move                        a patch (digits) copied within the image
  retype                           a field blanked and typed in another font
  portrait_swap                    the portrait replaced by another capture
  metadata                         editor named in EXIF, data after the image
  recapture                        photographed off a screen (moire)
  pdf_edit                         statements/bills as PDF: incremental update
                                   with a white box typed over

Writes DIR/manifest.tsv: file, label (1 forged), family, template, split,
region (the changed pixels' bounding box x0,y0,x1,y1, end exclusive, or -
where no pixel changed or the file is a PDF), and for each forged image a mask
DIR/masks/FILE.png, white where pixels were changed.
Usage: python scripts/corpus.py --out DIR [--seed N] [--count N]
"""

from __future__ import annotations

import argparse
import io
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

VERSION = "forgery-corpus-3"
TEMPLATES = ["id1", "ktp", "passport", "bill", "statement"]
FAMILIES = ["splice_aligned", "splice_shifted", "copy_move", "retype", "portrait_swap", "metadata", "recapture"]
CONTROLS = ["original", "resave", "resize", "crop", "png"]
RETYPE_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SYLLABLES = ["AN", "BER", "KA", "LI", "MO", "NU", "RA", "SI", "TO", "VE", "DA", "EL", "GO", "HAN", "JU", "PER"]


def font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def name(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(2))


def nik(rng: random.Random) -> str:
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    return f"31{rng.randint(71, 75):02d}{rng.randint(1, 9):02d}{day:02d}{rng.randint(1, 12):02d}{rng.randint(60, 99):02d}{rng.randint(1, 999):04d}"


def portrait(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """An abstract head and shoulders from shaded ellipses: no real face."""
    w, h = size
    image = Image.new("RGB", size, tuple(rng.randint(150, 210) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    skin = (rng.randint(150, 225), rng.randint(110, 180), rng.randint(90, 150))
    draw.ellipse((w * 0.1, h * 0.62, w * 0.9, h * 1.3), fill=tuple(rng.randint(30, 120) for _ in range(3)))
    draw.ellipse((w * 0.25, h * 0.12, w * 0.75, h * 0.66), fill=skin)
    for dx in (0.38, 0.62):
        draw.ellipse((w * dx - 6, h * 0.36 - 4, w * dx + 6, h * 0.36 + 4), fill=(40, 30, 30))
    draw.arc((w * 0.4, h * 0.45, w * 0.6, h * 0.56), 20, 160, fill=(120, 50, 50), width=2)
    return image.filter(ImageFilter.GaussianBlur(1.2))


def guilloche(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: random.Random, color) -> None:
    phase = rng.random() * 6
    for k in range(0, size[1], 11):
        points = [(x, k + 7 * np.sin(x / rng.uniform(30, 45) + phase + k / 40)) for x in range(0, size[0], 5)]
        draw.line(points, fill=color, width=1)


def render(template: str, rng: random.Random):
    """Renders a document; returns the image, its field boxes and portrait box."""
    fields: list[tuple[int, int, int, int]] = []
    if template in ("id1", "ktp", "passport"):
        size = (1000, 630) if template != "passport" else (1100, 775)
        paper = tuple(rng.randint(215, 245) for _ in range(3))
        page = Image.new("RGB", size, paper)
        draw = ImageDraw.Draw(page)
        guilloche(draw, size, rng, tuple(c - 22 for c in paper))
        draw.rectangle((0, 0, size[0], 70), fill=(rng.randint(20, 60), rng.randint(40, 90), rng.randint(90, 150)))
        title = {"id1": "REPUBLIC OF VERISCOPIA  IDENTITY CARD", "ktp": "PROVINSI DKI JAKARTA   KARTU TANDA PENDUDUK", "passport": "PASSPORT  VERISCOPIA"}[template]
        draw.text((24, 20), title, font=font(30), fill="white")
        box = (40, 110, 300, 450)
        page.paste(portrait(rng, (box[2] - box[0], box[3] - box[1])), box[:2])
        values = [nik(rng) if template == "ktp" else f"VS{rng.randint(10**6, 10**7 - 1)}", name(rng), f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(1950, 2004)}", rng.choice(["JAKARTA", "BANDUNG", "SURABAYA", "MEDAN"]), f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(2027, 2036)}"]
        labels = ["NIK" if template == "ktp" else "NO", "NAME", "BIRTH", "PLACE", "EXPIRY"]
        y = 100
        for label, value in zip(labels, values):
            draw.text((340, y), label, font=font(18), fill=(90, 90, 110))
            draw.text((340, y + 22), value, font=font(32), fill=(20, 20, 35))
            width = int(draw.textlength(value, font=font(32)))
            fields.append((340, y + 22, 340 + width, y + 60))
            y += 86
        return page, fields, box
    size = (850, 1100)
    page = Image.new("RGB", size, (250, 250, 248))
    draw = ImageDraw.Draw(page)
    heading = "ELECTRICITY BILL  312 kWh  METER 88123" if template == "bill" else "STATEMENT OF ACCOUNT  IBAN VS12 3456 7890"
    draw.rectangle((0, 0, size[0], 90), fill=(30, 70, 120) if template == "bill" else (20, 90, 60))
    draw.text((30, 30), heading, font=font(28), fill="white")
    y = 140
    for row in range(22):
        label = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}  " + ("USAGE" if template == "bill" else rng.choice(["TRANSFER", "PAYMENT", "SALARY", "CARD"]))
        amount = f"{rng.randint(1, 9999):,}.{rng.randint(0, 99):02d}"
        draw.text((40, y), label, font=font(22), fill=(30, 30, 30))
        draw.text((620, y), amount, font=font(22), fill=(30, 30, 30))
        width = int(draw.textlength(amount, font=font(22)))
        fields.append((620, y, 620 + width, y + 28))
        y += 40
    return page, fields, (560, 110, 820, 130)


def capture(page: Image.Image, rng: random.Random) -> Image.Image:
    """As a phone photographs a document: blur, uneven light, sensor noise."""
    image = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    array = np.asarray(image).astype(np.float32)
    h, w = array.shape[:2]
    gx = np.linspace(0, 1, w)[None, :, None]
    light = 1 - rng.uniform(0, 0.15) * gx
    noise = np_rng(rng).normal(0, rng.uniform(2.0, 4.5), array.shape)
    array = array * light + noise
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(2**32))


def jpeg(image: Image.Image, quality: int, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    if exif:
        image.save(out, "JPEG", quality=quality, exif=exif)
    else:
        image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def forge(family: str, template: str, captured: Image.Image, fields, portrait_box, rng: random.Random) -> tuple[bytes, tuple | None]:
    """The forged file and the box of pixels changed (None: no pixel was)."""
    final_q = rng.randint(85, 95)
    image = captured.copy()
    region = None
    if family in ("splice_aligned", "splice_shifted"):
        donor_page, donor_fields, _ = render(template, random.Random(rng.random()))
        donor = decode(jpeg(capture(donor_page, rng), rng.randint(50, 75)))
        box = rng.choice(donor_fields)
        # The patch starts on the donor's 8x8 grid; pasted at the same place
        # its first compression's blocks line up with the final ones
        # (aligned), pasted a few pixels off they do not (shifted).
        x, y = (box[0] - 10) // 8 * 8, (box[1] - 10) // 8 * 8
        patch = donor.crop((x, y, box[2] + 10, box[3] + 10))
        if family == "splice_shifted":
            x, y = x + rng.randint(1, 7), y + rng.randint(1, 7)
        image.paste(patch, (x, y))
        region = (x, y, x + patch.width, y + patch.height)
    elif family == "copy_move":
        source, target = rng.sample(fields, 2)
        w = min(rng.randint(22, 40), source[2] - source[0])
        patch = image.crop((source[0], source[1], source[0] + w, source[3]))
        x = target[0] + rng.randint(0, 20)
        image.paste(patch, (x, target[1]))
        region = (x, target[1], x + patch.width, target[1] + patch.height)
    elif family == "retype":
        box = rng.choice(fields)
        draw = ImageDraw.Draw(image)
        paper = tuple(int(v) for v in np.median(np.asarray(image.crop((box[0], box[1] - 18, box[2], box[1] - 4))).reshape(-1, 3), axis=0))
        draw.rectangle((box[0] - 4, box[1] - 2, box[2] + 6, box[3] + 2), fill=paper)
        size = 30 if template in ("id1", "ktp", "passport") else 21
        typed_font = ImageFont.truetype(RETYPE_FONT, size)
        text = str(rng.randint(10**5, 10**6))
        draw.text((box[0], box[1] + 2), text, font=typed_font, fill=(25, 25, 35))
        typed = draw.textbbox((box[0], box[1] + 2), text, font=typed_font)
        region = (min(box[0] - 4, typed[0]), min(box[1] - 2, typed[1]), max(box[2] + 7, typed[2]), max(box[3] + 3, typed[3]))
    elif family == "portrait_swap":
        w, h = portrait_box[2] - portrait_box[0], portrait_box[3] - portrait_box[1]
        other = decode(jpeg(portrait(random.Random(rng.random()), (w, h)), rng.randint(60, 95)))
        image.paste(other, portrait_box[:2])
        region = (portrait_box[0], portrait_box[1], portrait_box[0] + w, portrait_box[1] + h)
    elif family == "metadata":
        exif = Image.Exif()
        exif[0x0131] = rng.choice(["Adobe Photoshop 25.0 (Windows)", "GIMP 2.10.36", "Canva"])
        data = jpeg(image, final_q, exif.tobytes())
        return data + (b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(200)) if rng.random() < 0.5 else b""), None
    elif family == "recapture":
        array = np.asarray(image).astype(np.float32)
        h, w = array.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        angle = rng.uniform(0.1, 0.6)
        period = rng.uniform(2.3, 3.6)
        u = (xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period
        v = (-xx * np.sin(angle) + yy * np.cos(angle)) * 2 * np.pi / period
        lattice = 0.84 + 0.08 * np.sin(u) + 0.08 * np.sin(v)
        array = array * lattice[..., None] + np_rng(rng).normal(0, 2.5, array.shape)
        image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5))
        region = (0, 0, image.width, image.height)
    if region is not None:
        region = (max(region[0], 0), max(region[1], 0), min(region[2], image.width), min(region[3], image.height))
    return jpeg(image, final_q), region


def write_mask(path: Path, size: tuple[int, int], region: tuple) -> None:
    """A 1-bit PNG of `size`, white inside `region`."""
    mask = Image.new("1", size, 0)
    ImageDraw.Draw(mask).rectangle((region[0], region[1], region[2] - 1, region[3] - 1), fill=1)
    mask.save(path, "PNG", optimize=True)


def control(kind: str, camera: bytes, rng: random.Random) -> tuple[bytes, str]:
    """An authentic document: the camera's file, or what an app made of it."""
    captured = decode(camera)
    if kind == "resave":
        return jpeg(captured, rng.randint(60, 95)), "jpg"
    if kind == "resize":
        f = rng.uniform(0.5, 1.5)
        return jpeg(captured.resize((int(captured.width * f), int(captured.height * f)), Image.Resampling.BICUBIC), rng.randint(80, 95)), "jpg"
    if kind == "crop":
        l, t = rng.randint(1, 60), rng.randint(1, 60)
        return jpeg(captured.crop((l, t, captured.width - rng.randint(1, 60), captured.height - rng.randint(1, 60))), rng.randint(80, 95)), "jpg"
    if kind == "png":
        out = io.BytesIO()
        captured.save(out, "PNG")
        return out.getvalue(), "png"
    return camera, "jpg"


def pdf(lines: list[str], producer: str) -> bytes:
    content = "BT /F1 11 Tf 50 800 Td 14 TL " + " ".join(f"({t}) '" for t in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        f"<< /Producer ({producer}) /CreationDate (D:20260301090000Z) >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects):
        offsets.append(len(out))
        out += f"{i + 1} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for o in offsets:
        out += f"{o:010} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_edit(data: bytes, rng: random.Random) -> bytes:
    """An incremental update: a white box over an amount, a new amount typed."""
    prev = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    out = bytearray(data)
    content = f"1 g 400 {rng.randint(500, 780)} 80 14 re f 0 g BT /F1 11 Tf 402 {rng.randint(500, 780)} Td ({rng.randint(1000, 9999)}.00) Tj ET"
    offsets = {}
    offsets[7] = len(out)
    out += f"7 0 obj\n<< /Length {len(content)} >>\nstream\n{content}\nendstream\nendobj\n".encode()
    offsets[3] = len(out)
    out += b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [4 0 R 7 0 R] /Resources << /Font << /F1 6 0 R >> >> >>\nendobj\n"
    offsets[5] = len(out)
    producer = rng.choice(["iLovePDF", "Sejda PDF", "Bank statement service"])
    out += f"5 0 obj\n<< /Producer ({producer}) /CreationDate (D:20260301090000Z) /ModDate (D:20261001090000Z) >>\nendobj\n".encode()
    xref = len(out)
    out += b"xref\n"
    for number in sorted(offsets):
        out += f"{number} 1\n{offsets[number]:010} 00000 n \n".encode()
    out += f"trailer\n<< /Size 8 /Root 1 0 R /Info 5 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--count", type=int, default=12, help="documents per template and family")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    (args.out / "masks").mkdir(parents=True, exist_ok=True)
    rows = []
    # Templates split: id1, passport and bill train; ktp and statement test.
    split = {"id1": "train", "passport": "train", "bill": "train", "ktp": "test", "statement": "test"}
    n = 0
    for template in TEMPLATES:
        for index in range(args.count * (len(FAMILIES) + len(CONTROLS)) // 2):
            page, fields, box = render(template, rng)
            # The camera's own JPEG: what an authentic upload is, and what a
            # forger opens in an editor.
            camera = jpeg(capture(page, rng), rng.randint(85, 95))
            kinds = [("control", rng.choice(CONTROLS)), ("forged", rng.choice(FAMILIES))]
            for label, kind in kinds:
                n += 1
                region = None
                if label == "control":
                    data, ext = control(kind, camera, rng)
                else:
                    captured = decode(camera)
                    (data, region), ext = forge(kind, template, captured, fields, box, rng), "jpg"
                file = f"{n:05d}-{template}-{kind}.{ext}"
                (args.out / file).write_bytes(data)
                if region is not None:
                    write_mask(args.out / "masks" / f"{Path(file).stem}.png", captured.size, region)
                rows.append((file, int(label == "forged"), kind, template, split[template], ",".join(map(str, region)) if region else "-"))
        if template in ("bill", "statement"):
            for index in range(args.count * 2):
                lines = [f"{'USAGE' if template == 'bill' else 'TRANSFER'} {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}   {rng.randint(10, 9999)}.{rng.randint(0, 99):02d}" for _ in range(25)]
                lines.insert(0, "ELECTRICITY BILL 312 kWh METER" if template == "bill" else "STATEMENT OF ACCOUNT IBAN VS12")
                original = pdf(lines, rng.choice(["Veriscope Bank Reports", "Utility Billing 4.2"]))
                for label, data in ((0, original), (1, pdf_edit(original, rng))):
                    n += 1
                    file = f"{n:05d}-{template}-{'pdf_edit' if label else 'pdf_original'}.pdf"
                    (args.out / file).write_bytes(data)
                    rows.append((file, label, "pdf_edit" if label else "pdf_original", template, split[template], "-"))
    with open(args.out / "manifest.tsv", "w") as manifest:
        manifest.write(f"# {VERSION} seed={args.seed} count={args.count}\n")
        manifest.write("file\tlabel\tfamily\ttemplate\tsplit\tregion\n")
        for row in rows:
            manifest.write("\t".join(map(str, row)) + "\n")
    print(f"{VERSION}: {len(rows)} files in {args.out}")


if __name__ == "__main__":
    main()
