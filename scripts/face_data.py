"""Builds the face-match test set in DIR from registry packages.

Photos (public test images shipped inside PyPI packages, fetched with
`pip download` into target/model-cache):
  face_recognition 1.3.0 sdist  tests/test_images/{obama,obama2,obama3,biden}.jpg
  scikit-image 0.24.0 wheel     skimage/data/{astronaut,coffee}.png
  Pillow 11.3.0 sdist           Tests/images/hopper.png

Synthetic KTP cards (scripts/corpus.py's card renderer) carry one of those
faces as the printed portrait: cropped around the face, downscaled into the
portrait box, a guilloche-like pattern printed over it, photographed
(blur, light falloff, noise) and saved as JPEG. Each card is also written as
PNG so dlib and Veriscope read identical pixels in the golden test.

DIR/pairs.json lists (id_card, selfie, same_person) pairs for the end-to-end
test and the benchmark; every photo is a PNG named after the person.

Usage: python scripts/face_data.py DIR
"""

import io
import json
import pathlib
import random
import subprocess
import sys
import tarfile
import zipfile

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import corpus  # noqa: E402  (the card renderer)

ROOT = pathlib.Path(__file__).resolve().parent.parent
CACHE = ROOT / "target" / "model-cache"

SOURCES = {
    "face_recognition-1.3.0.tar.gz": ("face_recognition==1.3.0", "sdist"),
    "pillow-11.3.0.tar.gz": ("pillow==11.3.0", "sdist"),
    "scikit_image-0.24.0": ("scikit-image==0.24.0", "wheel"),
}

# Portrait face boxes (left, top, right, bottom) in each source photo, as
# dlib's detector finds them; the card crops a margin around them.
FACE_BOXES = {
    "obama": (349, 142, 617, 409),
    "obama3": (633, 277, 954, 598),
    "astronaut": (175, 76, 265, 166),
}


def fetch(name: str, sources: dict[str, tuple[str, str]] = SOURCES) -> pathlib.Path:
    """The cached package file whose name starts with `name`, downloading it
    once as `sources` says (requirement, "sdist" or "wheel")."""
    CACHE.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE.glob(name + "*"))
    if found:
        return found[0]
    requirement, kind = sources[name]
    binary = ["--no-binary", ":all:"] if kind == "sdist" else ["--only-binary", ":all:"]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps", *binary, "-d", str(CACHE), requirement],
        check=True,
    )
    return sorted(CACHE.glob(name + "*"))[0]


def from_tar(archive: pathlib.Path, suffix: str) -> bytes:
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(suffix))
        return tar.extractfile(member).read()


def from_zip(archive: pathlib.Path, suffix: str) -> bytes:
    with zipfile.ZipFile(archive) as wheel:
        return wheel.read(next(n for n in wheel.namelist() if n.endswith(suffix)))


def photos() -> dict[str, Image.Image]:
    face_recognition = fetch("face_recognition-1.3.0.tar.gz")
    pillow = fetch("pillow-11.3.0.tar.gz")
    skimage = fetch("scikit_image-0.24.0")
    images = {
        person: from_tar(face_recognition, f"tests/test_images/{person}.jpg")
        for person in ("obama", "obama2", "obama3", "biden")
    }
    images["astronaut"] = from_zip(skimage, "skimage/data/astronaut.png")
    images["coffee"] = from_zip(skimage, "skimage/data/coffee.png")
    images["hopper"] = from_tar(pillow, "Tests/images/hopper.png")
    return {name: Image.open(io.BytesIO(data)).convert("RGB") for name, data in images.items()}


def ktp_card(photo: Image.Image, face: tuple[int, int, int, int], seed: int) -> Image.Image:
    """A synthetic KTP card whose printed portrait is the face in `photo`."""
    rng = random.Random(seed)
    page, _fields, box = corpus.render("ktp", rng)
    width, height = box[2] - box[0], box[3] - box[1]
    left, top, right, bottom = face
    side = right - left
    # Head and shoulders: the face fills about half the portrait's width.
    cx, cy = (left + right) / 2, (top + bottom) / 2 + 0.15 * side
    crop_w = side * 2.0
    crop_h = crop_w * height / width
    crop = photo.crop((int(cx - crop_w / 2), int(cy - crop_h / 2), int(cx + crop_w / 2), int(cy + crop_h / 2)))
    portrait = crop.resize((width, height), Image.LANCZOS)
    # A printed security pattern over the photo.
    overlay = Image.new("RGBA", portrait.size, (0, 0, 0, 0))
    corpus.guilloche(ImageDraw.Draw(overlay), portrait.size, rng, (120, 90, 160, 70))
    portrait = Image.alpha_composite(portrait.convert("RGBA"), overlay).convert("RGB")
    page.paste(portrait, box[:2])
    return corpus.capture(page, rng)


def main() -> None:
    directory = pathlib.Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    images = photos()
    for name, image in images.items():
        image.save(directory / f"{name}.png")
    cards = {}
    for seed, person in enumerate(("obama", "obama3", "astronaut")):
        card = ktp_card(images[person], FACE_BOXES[person], seed)
        data = corpus.jpeg(card, 88)
        (directory / f"ktp-{person}.jpg").write_bytes(data)
        Image.open(io.BytesIO(data)).convert("RGB").save(directory / f"ktp-{person}.png")
        cards[person] = f"ktp-{person}.jpg"
    # The same card after an editor touched it (Photoshop's EXIF, an archive
    # appended): the forgery analysis must call it forged.
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"
    edited = corpus.jpeg(corpus.decode((directory / "ktp-obama.jpg").read_bytes()), 92, exif.tobytes())
    (directory / "ktp-obama-edited.jpg").write_bytes(edited + b"PK\x03\x04" + bytes(200))
    # A phone selfie stored sideways with EXIF orientation 6 (turn 90°
    # clockwise to view), and one too blurred to judge.
    sideways = images["obama2"].rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    (directory / "obama2-exif-rotated.jpg").write_bytes(corpus.jpeg(sideways, 90, exif.tobytes()))
    images["obama2"].filter(ImageFilter.GaussianBlur(6)).save(directory / "obama2-blurred.png")
    # A card photographed from further away: the portrait's face is ~60 px.
    small = ktp_card(images["obama3"], FACE_BOXES["obama3"], 7)
    small = small.resize((small.width * 9 // 20, small.height * 9 // 20), Image.LANCZOS)
    data = corpus.jpeg(small, 85)
    (directory / "ktp-obama3-far.jpg").write_bytes(data)
    Image.open(io.BytesIO(data)).convert("RGB").save(directory / "ktp-obama3-far.png")
    cards["obama3-far"] = "ktp-obama3-far.jpg"
    same = {"obama3-far": "obama", "obama": "obama", "obama2": "obama", "obama3": "obama", "biden": "biden", "astronaut": "astronaut", "hopper": "hopper"}
    pairs = []
    for card_person, card in cards.items():
        for selfie in ("obama", "obama2", "obama3", "biden", "astronaut", "hopper"):
            if selfie == card_person.removesuffix("-far"):
                continue  # the very photo the card was made from
            pairs.append({"id_card": card, "selfie": f"{selfie}.png", "same_person": same[card_person] == same[selfie]})
    (directory / "pairs.json").write_text(json.dumps({"pairs": pairs, "no_face": ["coffee.png"], "edited_id_cards": [{"id_card": "ktp-obama-edited.jpg", "selfie": "obama2.png"}], "exif_rotated": "obama2-exif-rotated.jpg", "blurred": "obama2-blurred.png"}, indent=1))
    print(f"{len(images)} photos, {len(cards)} cards, {len(pairs)} pairs in {directory}", file=sys.stderr)


if __name__ == "__main__":
    np.random.seed(0)
    main()
