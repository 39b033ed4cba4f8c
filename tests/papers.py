"""Fictional papers and phone photos of them, drawn in code, for the capture tests and bench.

Everything is deterministic from a seed, so a failing case can be reproduced, and obviously fake
(SPECIMEN, made-up names and places). The photos imitate what people really send: a 12 MP JPEG of
a paper lying on a dark table, shot at an angle, under uneven light, with sensor noise.
"""

import io
import math
import os
import random
import shutil
import subprocess
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

A4_MM = (210.0, 297.0)
ID1_MM = (85.6, 54.0)

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts")

_VOCABULARY = (
    "dossier demande titre sejour service administration rendez-vous prefecture courrier "
    "document justificatif adresse domiciliation association accueil centre social allocation "
    "logement revenu ressources caisse famille droit situation personne pieces fournir copie "
    "original attestation certificat declaration impot annee mois semaine jour date signature "
    "reponse delai instruction examen decision notification recours commission agent bureau "
    "guichet horaire matin apres-midi numero telephone formulaire case cocher remplir envoyer "
    "recevoir valider renouvellement premiere carte vitale assurance maladie sante medecin "
    "please send the following papers before the end of the month with your file number "
    "office address letter request answer appointment identity proof income"
)
_WORDS = _VOCABULARY.split()

_TITLES = (
    "Objet : demande de pieces complementaires",
    "Objet : convocation a un rendez-vous",
    "Objet : attestation de domiciliation",
    "Objet : renouvellement de votre dossier",
)


@cache
def font_path(mono: bool = False, bold: bool = False) -> str:
    """A DejaVu font file: fc-match when fontconfig is there, else the usual directories."""
    name = "DejaVu Sans Mono" if mono else "DejaVu Sans"
    if bold:
        name += ":bold"
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", name], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found.endswith(".ttf") and "DejaVu" in found:
            return found
    wanted = "DejaVuSans" + ("Mono" if mono else "") + ("-Bold" if bold else "") + ".ttf"
    for directory in _FONT_DIRS:
        if os.path.exists(f"{directory}/{wanted}"):
            return f"{directory}/{wanted}"
    raise FileNotFoundError("no DejaVu font: apt-get install fonts-dejavu-core")


def _font(size: int, mono: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(mono, bold), size)


def _sentence_lines(rng: random.Random, font: ImageFont.FreeTypeFont, width: int, n: int):
    """n lines of made-up words, each filling most of ``width`` like justified prose would."""
    lines: list[str] = []
    while len(lines) < n:
        words: list[str] = []
        target = width * rng.uniform(0.82, 0.98)
        while True:
            word = rng.choice(_WORDS)
            if not words:
                word = word.capitalize()
            candidate = " ".join([*words, word])
            if font.getlength(candidate) > target:
                break
            words.append(word)
        line = " ".join(words)
        if rng.random() < 0.3:
            line += "."
        lines.append(line)
    return lines


def text_page(seed: int, dpi: int = 300) -> tuple[Image.Image, str]:
    """An A4 letter from a fictional administration and the exact text printed on it."""
    rng = random.Random(seed)
    width, height = (round(mm / 25.4 * dpi) for mm in A4_MM)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    margin = round(25 / 25.4 * dpi)
    body = _font(round(12 / 72 * dpi))
    bold = _font(round(13 / 72 * dpi), bold=True)
    step = round(12 / 72 * dpi * 1.55)
    header = [
        ("PREFECTURE DU VAL FICTIF", bold),
        ("Service des titres de sejour", body),
        (f"Dossier n {rng.randint(1000, 9999)}-{rng.randint(100, 999)} SPECIMEN", body),
        ("Madame MARTIN Camille SPECIMEN", body),
        (rng.choice(_TITLES), bold),
    ]
    y = margin
    lines: list[str] = []
    for text, font in header:
        draw.text((margin, y), text, font=font, fill=0)
        lines.append(text)
        y += step
    # A grey rule under the header, as letterheads have: neither text nor colour.
    rule = y + step // 8
    draw.line((margin, rule, width - margin, rule), fill=140, width=max(2, dpi // 100))
    y += step // 2
    paragraphs = [rng.randint(5, 7) for _ in range(3)]
    for count in paragraphs:
        for line in _sentence_lines(rng, body, width - 2 * margin, count):
            draw.text((margin, y), line, font=body, fill=0)
            lines.append(line)
            y += step
        y += step // 2
    closing = "Le chef de service, signe SPECIMEN"
    draw.text((margin, y + step), closing, font=body, fill=0)
    lines.append(closing)
    return page.convert("RGB"), "\n".join(lines)


def mrz_check_digit(field: str) -> str:
    weights = (7, 3, 1)
    total = 0
    for i, char in enumerate(field):
        if char.isdigit():
            value = int(char)
        elif char.isalpha():
            value = ord(char) - 55
        else:
            value = 0
        total += value * weights[i % 3]
    return str(total % 10)


def specimen_mrz(seed: int) -> list[str]:
    """Three TD1 lines (30 characters each) for a fictional card."""
    rng = random.Random(seed)
    number = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(9))
    line1 = f"IDUTO{number}{mrz_check_digit(number)}".ljust(30, "<")
    birth = f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    expiry = f"{rng.randint(27, 35):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    line2 = (
        f"{birth}{mrz_check_digit(birth)}F{expiry}{mrz_check_digit(expiry)}UTO".ljust(29, "<") + "0"
    )
    line3 = "MARTIN<<CAMILLE<SPECIMEN".ljust(30, "<")
    return [line1, line2, line3]


def identity_card(seed: int, mrz_lines: list[str] | None = None, dpi: int = 300) -> Image.Image:
    """A colour ID-1 card (85.6 × 54 mm) of a fictional country, with a drawn face and an MRZ."""
    rng = random.Random(seed)
    width, height = (round(mm / 25.4 * dpi) for mm in ID1_MM)
    # A pale two-colour gradient background, as real cards have.
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    left = np.array([rng.randint(200, 225), rng.randint(220, 240), 250], np.float32)
    right = np.array([250, rng.randint(215, 235), rng.randint(200, 225)], np.float32)
    wave = 6 * np.sin(x * 40 + y * 25)
    background = left * (1 - x) + right * x + wave
    card = Image.fromarray(np.clip(background, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(card)
    unit = dpi / 300
    small = _font(round(26 * unit))
    label = _font(round(20 * unit))
    title = _font(round(30 * unit), bold=True)
    mono = _font(round(38 * unit), mono=True)
    draw.rectangle((0, 0, width, round(70 * unit)), fill=(30, 60, 140))
    draw.text(
        (round(24 * unit), round(16 * unit)),
        "REPUBLIQUE D'UTOPIE - CARTE SPECIMEN",
        font=title,
        fill=(255, 255, 255),
    )
    # The photo: a coloured backdrop, shoulders, a face with hair, eyes and a mouth.
    px0, py0 = round(30 * unit), round(95 * unit)
    px1, py1 = px0 + round(250 * unit), py0 + round(320 * unit)
    backdrop = (rng.randint(120, 170), rng.randint(170, 210), rng.randint(200, 240))
    draw.rectangle((px0, py0, px1, py1), fill=backdrop)
    cx = (px0 + px1) // 2
    shirt = (rng.randint(150, 220), rng.randint(30, 80), rng.randint(30, 80))
    draw.ellipse(
        (
            px0 - round(10 * unit),
            py1 - round(90 * unit),
            px1 + round(10 * unit),
            py1 + round(120 * unit),
        ),
        fill=shirt,
    )
    skin = (rng.randint(170, 235), rng.randint(130, 185), rng.randint(100, 150))
    hair = (rng.randint(40, 110), rng.randint(20, 60), rng.randint(10, 40))
    fw, fh = round(80 * unit), round(105 * unit)
    fy = py0 + round(140 * unit)
    draw.ellipse((cx - fw - 8, fy - fh - 20, cx + fw + 8, fy + fh - 30), fill=hair)
    draw.ellipse((cx - fw, fy - fh, cx + fw, fy + fh), fill=skin)
    eye = round(10 * unit)
    for ex in (cx - round(32 * unit), cx + round(32 * unit)):
        draw.ellipse(
            (ex - eye, fy - round(25 * unit) - eye, ex + eye, fy - round(25 * unit) + eye),
            fill=(60, 90, 50),
        )
    draw.arc(
        (
            cx - round(35 * unit),
            fy + round(15 * unit),
            cx + round(35 * unit),
            fy + round(60 * unit),
        ),
        20,
        160,
        fill=(170, 40, 50),
        width=max(3, round(5 * unit)),
    )
    tx = px1 + round(30 * unit)
    fields = [
        ("Nom / Surname", "MARTIN"),
        ("Prenoms / Given names", "Camille SPECIMEN"),
        (
            "Ne(e) le / Date of birth",
            f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.19{rng.randint(60, 99)}",
        ),
        ("Lieu / Place", "VILLE-FICTIVE"),
    ]
    ty = py0
    for name, value in fields:
        draw.text((tx, ty), name, font=label, fill=(70, 70, 110))
        draw.text((tx, ty + round(22 * unit)), value, font=small, fill=(10, 10, 30))
        ty += round(64 * unit)
    mrz = mrz_lines if mrz_lines is not None else specimen_mrz(seed)
    my = height - round(20 * unit) - len(mrz) * round(44 * unit)
    draw.rectangle((0, my - round(10 * unit), width, height), fill=(245, 245, 240))
    for line in mrz:
        draw.text((round(40 * unit), my), line, font=mono, fill=(15, 15, 15))
        my += round(44 * unit)
    return card


# PIL's exif_transpose undoes orientation n with this transpose; its inverse stores pixels as a
# phone would for that tag.
_STORE_FOR_ORIENTATION = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def _table(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A dark table top: wood grain or a dark cloth, drawn small and enlarged (cheap)."""
    sw, sh = max(8, width // 8), max(8, height // 8)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    lumps = cv2.resize(
        rng.standard_normal((8, 8)).astype(np.float32), (sw, sh), interpolation=cv2.INTER_CUBIC
    )
    if rng.random() < 0.7:
        period = rng.uniform(6, 14)
        grain = np.sin((ys + 6 * lumps + 0.03 * xs) * 2 * np.pi / period)
        tone = 0.75 + 0.18 * grain + 0.08 * lumps
        base = np.array([rng.uniform(80, 120), rng.uniform(50, 75), rng.uniform(25, 45)])
    else:
        tone = 0.85 + 0.1 * lumps
        grey = rng.uniform(35, 70)
        base = np.array([grey, grey, grey * rng.uniform(0.9, 1.1)])
    small = tone[..., None] * base[None, None, :].astype(np.float32)
    return cv2.resize(small.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def _lighting(rng: np.random.Generator, width: int, height: int, shadow: bool) -> np.ndarray:
    """Brightness over the frame: a lamp on one side, vignetting, and maybe a hand's shadow."""
    sw, sh = (160, 120) if width >= height else (120, 160)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    u, v = xs / (sw - 1) - 0.5, ys / (sh - 1) - 0.5
    light = 1.0 - 0.35 * (u * u + v * v)
    if shadow:
        angle = rng.uniform(0, 2 * np.pi)
        ramp = np.cos(angle) * u + np.sin(angle) * v
        light *= 1.0 - rng.uniform(0.2, 0.4) * (ramp + 0.7) / 1.4
        # A soft-edged shadow across part of the frame (the phone or a hand).
        edge_angle = rng.uniform(0, 2 * np.pi)
        d = np.cos(edge_angle) * u + np.sin(edge_angle) * v - rng.uniform(0.15, 0.35)
        blur = rng.uniform(0.05, 0.12)
        light *= 1.0 - rng.uniform(0.25, 0.4) / (1.0 + np.exp(-d / blur))
    return cv2.resize(light, (width, height), interpolation=cv2.INTER_CUBIC)


def phone_photo(
    page: Image.Image,
    seed: int,
    *,
    megapixels: float = 12,
    rotate: float = 0,
    perspective: bool = True,
    shadow: bool = True,
    noise: bool = True,
    exif_orientation: int | None = None,
) -> bytes:
    """A JPEG as a phone takes it of ``page`` lying on a table.

    ``rotate`` turns the page in the frame (degrees, counter-clockwise) on top of a random tilt of
    a few degrees. With ``exif_orientation`` the pixels are stored turned as a phone stores them,
    with the EXIF tag saying how to show them, so only a reader that applies it sees the page the
    right way up.
    """
    rng = np.random.default_rng(seed)
    pw, ph = page.size
    theta = math.radians(rotate + rng.uniform(-4, 4))
    cos, sin = abs(math.cos(theta)), abs(math.sin(theta))
    portrait = pw * sin + ph * cos >= pw * cos + ph * sin
    long_side = math.sqrt(megapixels * 1e6 * 4 / 3)
    short_side = long_side * 3 / 4
    width, height = (
        (round(short_side), round(long_side)) if portrait else (round(long_side), round(short_side))
    )
    # The page fills 60–85 % of the frame, as when someone frames a paper with some table around.
    box_w, box_h = pw * cos + ph * sin, pw * sin + ph * cos
    fill = rng.uniform(0.6, 0.85)
    scale = fill * min(width / box_w, height / box_h)
    # A real camera, so that the perspective is one a photo can have: the sheet lies on a plane
    # tilted away from a phone's wide lens (focal length about 0.8 × the long side).
    focal = 0.8 * max(width, height)
    flat = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    turn = np.array([[math.cos(theta), math.sin(theta)], [-math.sin(theta), math.cos(theta)]])
    shift = rng.uniform(-0.04, 0.04, 2) * [width, height]
    pitch = math.radians(rng.uniform(8, 22) * rng.choice([-1, 1])) if perspective else 0.0
    roll = math.radians(rng.uniform(-8, 8)) if perspective else 0.0
    tilt_x = np.array(
        [[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]]
    )
    tilt_y = np.array(
        [[math.cos(roll), 0, math.sin(roll)], [0, 1, 0], [-math.sin(roll), 0, math.cos(roll)]]
    )
    for _ in range(8):
        plane = np.c_[flat * scale @ turn.T + shift, np.zeros(4)]
        camera = plane @ (tilt_y @ tilt_x).T + [0, 0, focal]
        dst = focal * camera[:, :2] / camera[:, 2:] + [width / 2, height / 2]
        inside = (dst.min(axis=0) > 0.02 * width) & (
            dst.max(axis=0) < [0.98 * width, 0.98 * height]
        )
        if inside.all():
            break
        scale *= 0.92
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    # cv2 rather than numpy arithmetic: 36 million values per step, and this runs in every test.
    warped = cv2.warpPerspective(
        np.asarray(page.convert("RGB")), matrix, (width, height), flags=cv2.INTER_LINEAR
    )
    mask = (
        cv2.warpPerspective(
            np.full((ph, pw), 255, np.uint8), matrix, (width, height), flags=cv2.INTER_LINEAR
        ).astype(np.float32)
        / 255.0
    )
    paper_tone = rng.uniform([0.93, 0.92, 0.88], [0.98, 0.96, 0.94]).astype(np.float32)
    sheet = warped.astype(np.float32)
    sheet *= paper_tone
    frame = cv2.blendLinear(sheet, _table(rng, width, height), mask, 1.0 - mask)
    light = _lighting(rng, width, height, shadow)
    frame = cv2.multiply(frame, cv2.merge([light, light, light]))
    frame *= np.array([1.0, 0.96, 0.88], np.float32)  # warm indoor light
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.7, 1.2))
    if noise:
        grain = np.empty_like(frame)
        cv2.setRNGSeed(seed)
        cv2.randn(grain, np.zeros(3), np.full(3, rng.uniform(4, 8)))
        frame = cv2.add(frame, grain)
    frame = np.clip(frame, 0, 255, out=frame)
    image = Image.fromarray(frame.astype(np.uint8), "RGB")
    exif = Image.Exif()
    exif[0x010F] = "SPECIMEN"  # Make
    if exif_orientation is not None:
        transpose = _STORE_FOR_ORIENTATION[exif_orientation]
        if transpose is not None:
            image = image.transpose(transpose)
        exif[0x0112] = exif_orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def as_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def as_webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=90)
    return out.getvalue()


def as_heic(image: Image.Image) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    image.save(out, "HEIF", quality=90)
    return out.getvalue()


def as_jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()
