"""Generates a labelled, seeded corpus of synthetic passport data pages (TD3)
and ID-1 cards (TD1) with machine-readable zones printed in OCR-B, under
simulated capture: rotation up to +-5 degrees, blur, noise, uneven light,
scale changes and JPEG at quality 70-95. A share of documents is tampered:
one character of a date or the document number changed, its check digit
left as it was. No real person's data: names are made from syllables.

    .venv/bin/python scripts/corpus_mrz.py OUT_DIR [--count N] [--seed S]

Writes OUT_DIR/*.jpg and OUT_DIR/truth.json: [{"file", "format", "lines",
"tampered"}] where "lines" is the MRZ exactly as printed.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

VERSION = "mrz-corpus-1"
OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
COUNTRIES = ["UTO", "D<<", "FRA", "IDN", "NLD", "GBR", "USA", "JPN", "BRA", "KEN", "IND", "CAN"]
SYLLABLES = ["AN", "BER", "KA", "LI", "MO", "NU", "RA", "SI", "TO", "VE", "DA", "EL", "GO", "HAN", "JU", "PER", "SON", "TI"]
WEIGHTS = (7, 3, 1)


def value(c: str) -> int:
    if c.isdigit():
        return int(c)
    if c == "<":
        return 0
    return ord(c) - ord("A") + 10


def check(field: str) -> str:
    return str(sum(value(c) * WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


def name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def fit(text: str, width: int) -> str:
    return (text + "<" * width)[:width]


def yymmdd(rng: random.Random, start: int, end: int) -> str:
    return f"{rng.randint(start, end) % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def td3(rng: random.Random) -> list[str]:
    state, nationality = rng.choice(COUNTRIES), rng.choice(COUNTRIES)
    names = fit(f"{name(rng, 3)}<<{name(rng, 2)}<{name(rng, 2)}", 39)
    number = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(9))
    birth, expiry = yymmdd(rng, 1950, 2005), yymmdd(rng, 2027, 2036)
    sex = rng.choice("MF<")
    personal = fit("".join(rng.choice("0123456789") for _ in range(rng.choice([0, 8, 11]))), 14)
    personal_check = "<" if personal == "<" * 14 and rng.random() < 0.5 else check(personal)
    head = f"{number}{check(number)}{nationality}{birth}{check(birth)}{sex}{expiry}{check(expiry)}{personal}{personal_check}"
    composite = head[0:10] + head[13:20] + head[21:43]
    return [f"P<{state}{names}", head + check(composite)]


def td1(rng: random.Random) -> list[str]:
    state, nationality = rng.choice(COUNTRIES), rng.choice(COUNTRIES)
    number = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(9))
    optional = fit("".join(rng.choice("0123456789") for _ in range(rng.choice([0, 6]))), 15)
    line1 = f"I<{state}{number}{check(number)}{optional}"
    birth, expiry = yymmdd(rng, 1950, 2005), yymmdd(rng, 2027, 2036)
    optional2 = fit("", 11)
    head = f"{birth}{check(birth)}{rng.choice('MF')}{expiry}{check(expiry)}{nationality}{optional2}"
    composite = line1[5:30] + head[0:7] + head[8:15] + head[18:29]
    line2 = head + check(composite)
    line3 = fit(f"{name(rng, 3)}<<{name(rng, 2)}", 30)
    return [line1, line2, line3]


def tamper(rng: random.Random, lines: list[str], fmt: str) -> list[str]:
    """Changes one digit of the birth date, expiry date or document number."""
    row = 1 if fmt == "TD3" else (1 if rng.random() < 0.7 else 0)
    if fmt == "TD3":
        spans = [(0, 9), (13, 19), (21, 27)]
    else:
        spans = [(0, 6), (8, 14)] if row == 1 else [(5, 14)]
    start, end = rng.choice(spans)
    line = lines[row]
    positions = [i for i in range(start, end) if line[i].isdigit()] or list(range(start, end))
    i = rng.choice(positions)
    replacement = rng.choice([d for d in "0123456789" if d != line[i]])
    lines = list(lines)
    lines[row] = line[:i] + replacement + line[i + 1 :]
    return lines


def guilloche(draw: ImageDraw.ImageDraw, width: int, height: int, rng: random.Random, color) -> None:
    phase = rng.random() * 6
    for k in range(0, height, 9):
        points = [(x, k + 6 * math.sin(x / 37 + phase + k / 50)) for x in range(0, width, 6)]
        draw.line(points, fill=color, width=1)


def render(lines: list[str], fmt: str, rng: random.Random) -> Image.Image:
    pitch = 25.4  # ICAO: 2.54 mm per character, 10 px/mm
    if fmt == "TD3":
        size, mrz_left, mrz_bottom = (1250, 880), 60, 840
    else:
        size, mrz_left, mrz_bottom = (856, 540), 46, 515
    paper = tuple(rng.randint(225, 250) for _ in range(3))
    page = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(page)
    guilloche(draw, size[0], size[1] - 160, rng, tuple(c - 25 for c in paper))
    label = ImageFont.load_default(size=18)
    draw.rectangle((40, 60, 40 + size[0] // 4, 60 + size[1] // 2), fill=(170, 180, 195))
    draw.ellipse((70, 90, 20 + size[0] // 4, 40 + size[1] // 3), fill=(205, 170, 150))
    for row in range(5):
        draw.text((size[0] // 3, 70 + row * 55), f"FIELD {row + 1}", font=label, fill=(90, 90, 110))
        draw.text((size[0] // 3, 90 + row * 55), name(rng, 3), font=ImageFont.load_default(size=26), fill=(20, 20, 40))
    probe = ImageFont.truetype(OCRB, 100)
    font = ImageFont.truetype(OCRB, round(100 * pitch / probe.getlength("H")))
    line_gap = 44
    top = mrz_bottom - line_gap * len(lines)
    for index, line in enumerate(lines):
        for column, char in enumerate(line):
            draw.text((mrz_left + column * pitch, top + index * line_gap), char, font=font, fill=(15, 15, 20))
    return page


def capture(page: Image.Image, rng: random.Random) -> Image.Image:
    margin = 80
    canvas = Image.new("RGB", (page.width + 2 * margin, page.height + 2 * margin), tuple(rng.randint(60, 140) for _ in range(3)))
    canvas.paste(page, (margin, margin))
    canvas = canvas.rotate(rng.uniform(-5, 5), resample=Image.Resampling.BICUBIC, fillcolor=canvas.getpixel((0, 0)))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2)))
    scale = rng.uniform(0.75, 1.1)
    canvas = canvas.resize((round(canvas.width * scale), round(canvas.height * scale)), Image.Resampling.BILINEAR)
    # Uneven light: a linear gradient across the picture.
    gradient = Image.linear_gradient("L").resize(canvas.size).rotate(rng.uniform(0, 360))
    light = gradient.point(lambda v: int(255 * (rng_lo + (1 - rng_lo) * v / 255)))  # noqa: F821 - set below
    canvas = Image.composite(canvas, Image.new("RGB", canvas.size, (0, 0, 0)), light)
    noise = Image.effect_noise(canvas.size, rng.uniform(2, 10)).convert("RGB")
    canvas = Image.blend(canvas, noise, 0.06)
    return canvas


def main() -> None:
    global rng_lo
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=9303)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    truth = []
    for index in range(args.count):
        fmt = "TD3" if index % 2 == 0 else "TD1"
        lines = td3(rng) if fmt == "TD3" else td1(rng)
        tampered = rng.random() < 0.25
        if tampered:
            lines = tamper(rng, lines, fmt)
        rng_lo = rng.uniform(0.65, 0.9)
        image = capture(render(lines, fmt, rng), rng)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=rng.randint(70, 95))
        file = f"{index:04d}-{fmt.lower()}{'-tampered' if tampered else ''}.jpg"
        (args.out / file).write_bytes(out.getvalue())
        truth.append({"file": file, "format": fmt, "lines": lines, "tampered": tampered})
    (args.out / "truth.json").write_text(json.dumps({"version": VERSION, "seed": args.seed, "documents": truth}, indent=1))
    print(f"{args.count} documents in {args.out} ({VERSION}, seed {args.seed})")


rng_lo = 0.8

if __name__ == "__main__":
    main()
