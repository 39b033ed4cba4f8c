"""From a phone photo of a paper to a flat, evenly lit, right-way-up page image.

Heavy work runs in OpenCV on numpy arrays (its loops are C and use both cores); the outline is
looked for on a ~640 px copy, and the full-size pixels are touched only by a handful of whole-
image operations (one resize, one warp, one division). A 12 MP photo takes about 0.3 s here,
plus Tesseract's orientation check when it is installed.
"""

import io
import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFilter, ImageOps

from vault.capture import ocr

logger = logging.getLogger(__name__)

MM_PER_INCH = 25.4
TEXT_DPI = 200  # legible for OCR and print, ~1650 px wide for A4, and small once compressed
CARD_DPI = 300  # cards are small and carry a photo and tiny print
# A sheet filling 60 % of a 12 MP photo gives the 1650 px of an A4 page at 200 dpi. Phones now
# also take 50 and 200 MP photos: more pixels only cost time, so decoding stops at the smallest
# scale that keeps this many.
DECODE_PIXELS = 12_000_000
DETECT_SIDE = 640  # long side of the copy the outline is looked for on
EDGE_TRIM = 3  # output pixels cut along each edge of the sheet

# Known paper shapes (long side / short side) with their size in mm. Snapping to them gives the
# PDF page its true physical size, which lets a printed copy come out at 100 %.
FORMATS = {
    "A4": ((210.0, 297.0), TEXT_DPI),
    "letter": ((215.9, 279.4), TEXT_DPI),
    "ID-1": ((54.0, 85.6), CARD_DPI),
}
FORMAT_TOLERANCE = 0.06  # the measured shape of a photographed sheet is within 2 %
# Without an outline the frame is the page: a scan's frame is the paper's shape, a photo's is the
# camera's (4:3, 3:2), which must not pass for letter or A4.
FRAME_TOLERANCE = 0.015

_heif_registered = False


@dataclass
class ProcessedPage:
    image: Image.Image
    colour: bool
    dpi: int
    rotated_by: int  # degrees counter-clockwise, applied after the perspective correction
    outline_found: bool


def load_image(path: str) -> Image.Image:
    """Decode a photo or scan as RGB, the way the phone showed it.

    EXIF orientation is applied (phones store pixels sideways and say so in a tag), and
    transparency is flattened on white, as paper is. Raises what Pillow raises:
    ``UnidentifiedImageError`` for anything else, ``DecompressionBombError`` past ~179 MP."""
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_registered = True
    with Image.open(path) as opened:
        image: Image.Image = opened
        pixels = image.width * image.height
        if image.format == "JPEG" and pixels > 2 * DECODE_PIXELS:
            # JPEG decodes at 1/2, 1/4 or 1/8 for almost nothing: far cheaper than a resize.
            # draft() picks the smallest of those at least as large as asked.
            scale = math.sqrt(DECODE_PIXELS / pixels)
            image.draft("RGB", (int(image.width * scale), int(image.height * scale)))
        image.load()
        transposed = ImageOps.exif_transpose(image)
        if transposed is not None:
            image = transposed
        factor = math.isqrt(image.width * image.height // DECODE_PIXELS)
        if factor >= 2:
            image = image.reduce(factor)
        if image.mode in ("RGBA", "LA", "PA") or (
            image.mode == "P" and "transparency" in image.info
        ):
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return image.convert("RGB")


# --- Outline ---------------------------------------------------------------------------------


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left, whatever order the contour gave."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ordered = points[np.argsort(angles)]  # clockwise on screen (y points down)
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0).astype(np.float32)


def _quad_from_mask(mask: np.ndarray) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(contour)
    if len(hull) < 4:
        return None
    # approxPolyN keeps exactly 4 vertices and extends the sides to meet: rounded card corners
    # and a torn corner still give the quadrilateral of the sheet.
    quad = cv2.approxPolyN(hull, 4, epsilon_percentage=-1.0, ensure_convex=True)
    if quad is None or quad.size != 8:
        return None
    return _order_corners(quad.reshape(4, 2).astype(np.float32))


def _side_support(lab: np.ndarray, quad: np.ndarray) -> float:
    """Share of the weakest side with a clear step from table to sheet across it.

    A step, not an edge: text gives edges too, and the hull of a block of text on a scanned
    page must not pass for a sheet. Points a few pixels inside and outside each side are
    compared; a side lying on the frame's border counts as supported (a sheet cut by the frame).
    """
    h, w = lab.shape[:2]
    centre = quad.mean(axis=0)
    gap = max(3.0, max(h, w) / 160)
    t = np.linspace(0.08, 0.92, 40, dtype=np.float32)[:, None]
    weakest, borders = 1.0, 0
    brighter: list[np.ndarray] = []
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        direction = (q - p) / max(float(np.linalg.norm(q - p)), 1e-6)
        normal = np.array([-direction[1], direction[0]], np.float32)
        if np.dot(centre - p, normal) < 0:
            normal = -normal
        pts = p + (q - p) * t
        on_border = (pts[:, 0] < gap) | (pts[:, 1] < gap)
        on_border |= (pts[:, 0] > w - 1 - gap) | (pts[:, 1] > h - 1 - gap)
        inner = np.clip((pts + gap * normal).round().astype(int), 0, [w - 1, h - 1])
        outer = np.clip((pts - gap * normal).round().astype(int), 0, [w - 1, h - 1])
        step = lab[inner[:, 1], inner[:, 0]].astype(np.float32)
        step -= lab[outer[:, 1], outer[:, 0]]
        strong = np.sqrt((step * step).sum(axis=1)) > 18
        if on_border.mean() > 0.5:
            borders += 1
        else:
            brighter.append(step[~on_border, 0])
        weakest = min(weakest, float(np.mean(strong | on_border)))
    # One side cut by the frame is a sheet too long for the photo; more is a part of the frame
    # cut off by some line inside it (a card's coloured band, a fold).
    if borders > 1:
        return 0.0
    # Paper is lighter than the table it lies on; a picture inside a scanned page is darker
    # than the paper around it.
    if float(np.mean(np.concatenate(brighter))) < 8:
        return 0.0
    return weakest


def _find_outline(small: np.ndarray) -> np.ndarray | None:
    """The sheet's four corners in ``small`` (RGB), or None when no sheet stands out.

    Several masks of "the sheet" are tried, each good where another fails: brightness (paper is
    the brightest large thing on a table), brightness with uneven light removed (a shadow across
    the sheet), "unlike the table seen along the frame's border" (a card with a dark band), and
    closed colour edges. Among the candidates whose four sides all show a step from table to
    paper, the largest wins (a smaller one is a picture or a band inside the sheet)."""
    h, w = small.shape[:2]
    area = float(h * w)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)
    lab = cv2.GaussianBlur(lab, (5, 5), 0)
    lightness = lab[:, :, 0]
    # Edges in colour as well as brightness: a dark blue band on a dark brown table.
    edges: np.ndarray = np.zeros((h, w), np.uint8)
    for index, weight in ((0, 1.0), (1, 2.0), (2, 2.0)):
        edges = cv2.bitwise_or(edges, cv2.Canny(lab[:, :, index], 30 / weight, 90 / weight))

    masks: list[np.ndarray] = []
    mask: np.ndarray
    _, mask = cv2.threshold(lightness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(mask)
    # A very blurred copy (blurred small, as a 100-pixel Gaussian costs a tenth of a second).
    tiny = cv2.resize(lightness, (max(w // 16, 4), max(h // 16, 4)), interpolation=cv2.INTER_AREA)
    background = cv2.resize(
        cv2.GaussianBlur(tiny, (0, 0), w / 96), (w, h), interpolation=cv2.INTER_LINEAR
    )
    flat = cv2.divide(lightness, background, scale=128)
    _, mask = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(mask)
    ring = max(4, min(h, w) // 30)
    border = np.concatenate(
        [
            lab[:ring].reshape(-1, 3),
            lab[-ring:].reshape(-1, 3),
            lab[:, :ring].reshape(-1, 3),
            lab[:, -ring:].reshape(-1, 3),
        ]
    ).astype(np.float32)
    table = np.median(border, axis=0)
    spread = np.maximum(np.median(np.abs(border - table), axis=0), 2.0)
    distance = np.abs(lab.astype(np.float32) - table) / spread
    distance = np.clip(distance.max(axis=2) * 16, 0, 255).astype(np.uint8)
    _, mask = cv2.threshold(distance, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(mask)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    filled = np.zeros_like(edges)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    masks.append(cv2.erode(filled, np.ones((3, 3), np.uint8), iterations=2))

    best, best_score = None, 0.0
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    for mask in masks:
        # Close the gaps text makes in the sheet, then cut thin bridges to the table.
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
        quad = _quad_from_mask(mask)
        if quad is None:
            continue
        quad_area = cv2.contourArea(quad)
        if not 0.1 * area < quad_area < 0.995 * area:
            continue
        support = _side_support(lab, quad)
        score = support * math.sqrt(quad_area / area)
        if support >= 0.6 and score > best_score:
            best, best_score = quad, score
    return best


def _refine_corners(gray: np.ndarray, quad: np.ndarray, search: float) -> np.ndarray:
    """Move each side onto the strongest edge nearby at full resolution, then re-intersect.

    The outline comes from a copy ~6 times smaller: one pixel there is a 6-pixel strip of table
    or of cut-off margin on the final page without this."""
    centre = quad.mean(axis=0)
    lines = []
    steps = np.arange(-search, search + 1, 1.0, dtype=np.float32)
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        direction = (q - p) / max(float(np.linalg.norm(q - p)), 1e-6)
        normal = np.array([-direction[1], direction[0]], np.float32)
        if np.dot(centre - p, normal) < 0:
            normal = -normal  # points into the sheet
        t = np.linspace(0.1, 0.9, 60, dtype=np.float32)[:, None]
        base = p + (q - p) * t
        samples = base[:, None, :] + steps[None, :, None] * normal
        profile: np.ndarray = cv2.remap(
            gray,
            samples[..., 0].astype(np.float32),
            samples[..., 1].astype(np.float32),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        ).astype(np.float32)
        profile = cv2.GaussianBlur(profile, (1, 5), 0)
        rise = np.diff(profile, axis=1)  # table → sheet is dark → light going inwards
        best = rise.argmax(axis=1)
        strength = rise.max(axis=1)
        keep = strength > max(8.0, float(np.median(strength)) * 0.5)
        if keep.sum() < 10:
            lines.append((p, direction))
            continue
        offsets = steps[best[keep]] + 0.5
        points = base[keep] + offsets[:, None] * normal
        vx, vy, x0, y0 = cv2.fitLine(points, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float32), np.array([vx, vy], np.float32)))
    corners = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        matrix = np.array([[d1[0], -d2[0]], [d1[1], -d2[1]]], np.float64)
        if abs(np.linalg.det(matrix)) < 1e-6:
            return quad
        s, _ = np.linalg.solve(matrix, (p2 - p1).astype(np.float64))
        corners.append(p1 + s * d1)
    refined = np.array(corners, np.float32)
    if np.abs(refined - quad).max() > 2 * search:
        return quad  # the edges found are not the sheet's: keep the coarse outline
    return refined


def _aspect_ratio(quad: np.ndarray, width: int, height: int) -> float:
    """Width / height of the real sheet, undoing the perspective (Zhang & He, 2007).

    Averaging opposite sides is off by 5–10 % on a photo taken at an angle, enough to take an
    A4 page for a US letter. This measures the sides in 3-D, with the camera's focal length
    recovered from the quadrilateral (principal point at the centre of the frame). When two
    sides are almost parallel that recovery is ill-conditioned, and a phone's usual focal length
    (0.8 × the long side of the frame, a 26 mm equivalent lens) is used instead."""
    m1, m2, m4, m3 = (np.array([x, y, 1.0]) for x, y in quad.astype(np.float64))
    u0, v0 = width / 2.0, height / 2.0
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    plain = math.hypot(*(quad[1] - quad[0])) + math.hypot(*(quad[2] - quad[3]))
    plain /= max(math.hypot(*(quad[3] - quad[0])) + math.hypot(*(quad[2] - quad[1])), 1e-6)
    long_side = max(width, height)
    focal = 0.8 * long_side
    if abs(n2[2] * n3[2]) > 1e-12:
        f2 = -(
            (n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
            + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)
        ) / (n2[2] * n3[2])
        if 0.4 * long_side < math.sqrt(max(f2, 0.0)) < 1.6 * long_side:
            focal = math.sqrt(f2)
    inverse = np.linalg.inv(np.array([[focal, 0, u0], [0, focal, v0], [0, 0, 1.0]]))
    a, b = inverse @ n2, inverse @ n3
    ratio = math.sqrt(float(a @ a) / float(b @ b))
    # A wild estimate (a quadrilateral that is no photo of a rectangle) is worse than none.
    return ratio if 0.7 < ratio / plain < 1.4 else float(plain)


def _target_size(ratio: float, source_long: float, tolerance: float) -> tuple[int, int, int]:
    """Pixel width, height and dpi for a sheet whose width/height is ``ratio``."""
    long_short = max(ratio, 1 / ratio)
    for (short_mm, long_mm), dpi in FORMATS.values():
        if abs(long_short / (long_mm / short_mm) - 1) < tolerance:
            long_px = round(long_mm / MM_PER_INCH * dpi)
            short_px = round(short_mm / MM_PER_INCH * dpi)
            return (long_px, short_px, dpi) if ratio >= 1 else (short_px, long_px, dpi)
    # Unknown shape: its real size is unknown too. Keep what the photo has, at most the pixels
    # of an A4 page at 200 dpi, and call it 200 dpi.
    long_side = min(source_long, 297 / MM_PER_INCH * TEXT_DPI)
    short_side = long_side / long_short
    if ratio >= 1:
        return round(long_side), round(short_side), TEXT_DPI
    return round(short_side), round(long_side), TEXT_DPI


# --- Deskew, light, colour --------------------------------------------------------------------


def _skew_angle(gray: np.ndarray) -> float:
    """How far the text lines rise to the right (degrees), 0 when there are no lines.

    Projection profiles: rotate the ink pixels' coordinates and keep the angle at which rows of
    ink are sharpest. Coordinates, not images, are rotated: a few thousand points per angle."""
    scale = 800 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15
    )
    ys, xs = np.nonzero(ink)
    if len(xs) < 500:
        return 0.0
    if len(xs) > 40_000:
        pick = np.random.default_rng(0).choice(len(xs), 40_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    cols = xs.astype(np.float32) - small.shape[1] / 2
    rows0 = ys.astype(np.float32)

    def sharpness(angle: float) -> float:
        rad = math.radians(angle)
        rows = rows0 * math.cos(rad) + cols * math.sin(rad)
        counts = np.bincount((rows - rows.min()).astype(np.int32))
        return float(np.dot(counts, counts))

    coarse = np.arange(-8.0, 8.01, 0.5)
    scores = [sharpness(a) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    fine_scores = [sharpness(a) for a in fine]
    angle = float(fine[int(np.argmax(fine_scores))])
    # Sharpness barely better than at 0°: a picture, a form, nothing to straighten.
    if max(fine_scores) < 1.15 * sharpness(0.0):
        return 0.0
    return angle


def _rotate_small(array: np.ndarray, angle: float) -> np.ndarray:
    h, w = array.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(
        array, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _background(array: np.ndarray, window_fraction: float) -> np.ndarray:
    """The light falling on the sheet: its local brightest level, smoothed.

    A max filter over windows wider than letters replaces ink with the paper around it; computed
    on a copy 8 times smaller and enlarged, which is both fast and smooth."""
    h, w = array.shape[:2]
    small = cv2.resize(array, (max(w // 8, 8), max(h // 8, 8)), interpolation=cv2.INTER_AREA)
    size = max(3, int(min(small.shape[:2]) * window_fraction) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    small = cv2.dilate(small, kernel)
    small = cv2.blur(small, (size, size))
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _has_colour(rgb: np.ndarray) -> bool:
    """Whether colour carries meaning: a photo, a stamp, a coloured form, not a tinted sheet.

    Measured after white balance (the light's tint is gone) on a small copy: colour is kept when
    more than 1.5 % of the sheet is clearly coloured."""
    scale = 400 / max(rgb.shape[:2])
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.int16)
    chroma = np.abs(lab[:, :, 1] - 128) + np.abs(lab[:, :, 2] - 128)
    return float(np.mean(chroma > 24)) > 0.015


def _levels(gray: np.ndarray) -> np.ndarray:
    """Paper to pure white, ink to near black, smooth in between.

    Pure white costs almost nothing in JPEG, and sensor noise on the paper is gone with it;
    the ramp keeps the anti-aliased edges of letters that make them legible."""
    lut = np.clip((np.arange(256, dtype=np.float32) - 60) * 255 / (225 - 60), 0, 255)
    return cv2.LUT(gray, lut.astype(np.uint8))


# --- The pipeline ----------------------------------------------------------------------------


def clean_page(image: Image.Image, *, use_osd: bool = True) -> ProcessedPage:
    """A photo or scan of one sheet, flattened, cropped, straightened, evenly lit.

    What a person sees should be the paper, not their table or their shadow, at the paper's
    real size, and as small as legibility allows. Never raises on a strange image (tiny, blank,
    noise): without a sheet to find, the whole frame is kept."""
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    h, w = rgb.shape[:2]
    scale = DETECT_SIDE / max(h, w)
    small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    quad = _find_outline(small)
    outline_found = quad is not None
    if quad is not None:
        ratio = _aspect_ratio(quad, small.shape[1], small.shape[0])
        source_long = (
            max(float(np.linalg.norm(quad[i] - quad[(i + 1) % 4])) for i in range(4)) / scale
        )
        out_w, out_h, dpi = _target_size(ratio, source_long, FORMAT_TOLERANCE)
        # Shrink the photo close to the output scale first (area averaging, no aliasing in thin
        # strokes), then warp: warpPerspective only interpolates.
        sheet_w = float(np.linalg.norm(quad[1] - quad[0])) / scale
        shrink = min(1.0, 1.15 * out_w / max(sheet_w, 1.0))
        if shrink < 0.9:
            rgb = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        else:
            shrink = 1.0
        full_quad = quad / scale * shrink
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        full_quad = _refine_corners(gray, full_quad, search=max(6.0, 2.5 * shrink / scale))
        # Cut a hair inside the edge: a line of table along the border shows and costs bytes.
        m = EDGE_TRIM
        target = np.array(
            [[-m, -m], [out_w + m, -m], [out_w + m, out_h + m], [-m, out_h + m]], np.float32
        )
        matrix = cv2.getPerspectiveTransform(full_quad.astype(np.float32), target)
        page = cv2.warpPerspective(
            rgb, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    else:
        ratio = w / h
        out_w, out_h, dpi = _target_size(ratio, max(w, h), FRAME_TOLERANCE)
        page = cv2.resize(rgb, (out_w, out_h), interpolation=cv2.INTER_AREA)

    # White balance and shading, per channel, over wide windows (a card's photo is not light).
    page = cv2.divide(page, _background(page, 0.25), scale=255)
    colour = _has_colour(page)
    if colour:
        result = page
    else:
        gray = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
        # Then finer windows: sharp shadows across a text page, which has nothing else to lose.
        gray = cv2.divide(gray, _background(gray, 0.04), scale=255)
        result = _levels(gray)

    angle = _skew_angle(result if not colour else cv2.cvtColor(result, cv2.COLOR_RGB2GRAY))
    if abs(angle) >= 0.3:
        result = _rotate_small(result, -angle)

    output = Image.fromarray(result, "RGB" if colour else "L")
    output.info["dpi"] = (dpi, dpi)
    rotated_by = 0
    if use_osd and ocr.available():
        probe = output if not colour else output.convert("L")
        probe.info["dpi"] = (dpi, dpi)
        rotated_by = ocr.osd_rotation(probe)
        if rotated_by:
            output = output.rotate(rotated_by, expand=True)
            output.info["dpi"] = (dpi, dpi)
    return ProcessedPage(
        image=output, colour=colour, dpi=dpi, rotated_by=rotated_by, outline_found=outline_found
    )


# Qualities tried in turn until the page fits its budget. Text on pure white costs little but
# its edges do: a dense A4 letter at 200 dpi is ~190 KB at quality 60, ~125 KB at 35. Below 30
# ringing around letters starts to show; colour below 60 turns faces blotchy.
GREY_QUALITIES = (60, 50, 42, 35, 30)
GREY_BUDGET = 120_000
COLOUR_QUALITIES = (80, 72, 65, 60)
COLOUR_BUDGET = 250_000


def encode_page(page: ProcessedPage) -> tuple[bytes, str]:
    """JPEG bytes and their MIME type, for img2pdf (which embeds JPEG as is, no re-encoding).

    The best quality that fits a byte budget: a sparse page keeps a high quality, a dense one
    goes down to a floor that stays very legible. Greyscale for text pages; progressive JPEG is
    5–10 % smaller and every PDF reader since PDF 1.3 shows it."""
    qualities: tuple[int, ...]
    if page.colour:
        image, qualities, budget = page.image.convert("RGB"), COLOUR_QUALITIES, COLOUR_BUDGET
    else:
        image, qualities, budget = page.image.convert("L"), GREY_QUALITIES, GREY_BUDGET
    attempts: list[tuple[int, bool]] = [(quality, False) for quality in qualities]
    if not page.colour:
        # Still too big at the floor: soften edges by a fraction of a pixel, which removes what
        # noise is left in the strokes and ~10 % of the bytes, at no cost in legibility.
        attempts.append((qualities[-1], True))
    data = b""
    for index, (quality, soften) in enumerate(attempts):
        last = index == len(attempts) - 1
        candidate = image.filter(ImageFilter.GaussianBlur(0.7)) if soften else image
        # A quick baseline JPEG first: progressive is about 18 % smaller, and three times slower.
        probe = _jpeg(candidate, quality, page.dpi, final=False)
        if not last and len(probe) * 0.85 > budget:
            continue
        data = _jpeg(candidate, quality, page.dpi, final=True)
        if len(data) <= budget:
            break
    return data, "image/jpeg"


def _jpeg(image: Image.Image, quality: int, dpi: int, *, final: bool) -> bytes:
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        quality=quality,
        optimize=final,
        progressive=final,
        dpi=(dpi, dpi),
        subsampling="4:2:0",
    )
    return out.getvalue()
