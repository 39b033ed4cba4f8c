#!/usr/bin/env python
"""Capture bench: phone photos of papers to PDF pages, how small, how fast, how legible.

Generates fictional papers (``tests.papers``): text letters and identity cards, each as a 12 MP
JPEG phone photo on a dark table, at an angle, under uneven light (a few seeds also sideways or
upside down). Then, for each photo:

* size: the one-page PDF of the processed page (``images_to_pdf``), in KB (10^3 bytes);
* time: decode + clean (outline, perspective, deskew, Tesseract OSD, light, colour) + encode +
  PDF, one page after another in one process; the same without OSD for reference; and the
  throughput of two worker processes (the machine has two CPUs);
* legibility: Tesseract (fra+eng) on the processed page against Tesseract on the photo as it
  came, as a character error rate: Levenshtein distance / length of the ground truth, after
  collapsing whitespace.

Runs outside Django. Exit status is non-zero only on errors, never on a missed goal.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import Levenshtein  # noqa: E402
from PIL import Image  # noqa: E402

from tests import papers  # noqa: E402
from vault.capture import imaging, ocr, pdf  # noqa: E402

KB = 1000
GOAL_KB = 150
GOAL_SECONDS = 1.5
GOAL_CER = 0.03
# "Far worse" for the photo as it came: at least this many points of CER above the processed page.
GOAL_RAW_GAP = 0.10


@dataclass
class Case:
    name: str
    kind: str  # "text" or "card"
    seed: int
    rotate: int
    path: str
    truth: str
    photo_bytes: int


@dataclass
class Result:
    name: str
    kind: str
    rotate: int
    photo_mb: float
    page_kb: float
    seconds: float
    cpu_seconds: float
    seconds_no_osd: float
    rotated_by: int
    colour: bool
    outline_found: bool
    size: tuple[int, int]
    dpi: int
    cer_page: float | None = None
    cer_raw: float | None = None


def cer(text: str, truth: str) -> float:
    def normalise(s: str) -> str:
        return " ".join(s.split())

    return Levenshtein.distance(normalise(text), normalise(truth)) / len(normalise(truth))


def make_cases(directory: Path, text_pages: int, cards: int) -> list[Case]:
    cases = []
    for seed in range(1, text_pages + 1):
        # Most photos upright as taken; one in six sideways, one in six upside down.
        rotate = {3: 90, 0: 180}.get(seed % 6, 0)
        page, truth = papers.text_page(seed)
        data = papers.phone_photo(page, seed, rotate=rotate)
        path = directory / f"text-{seed}.jpg"
        path.write_bytes(data)
        cases.append(Case(path.stem, "text", seed, rotate, str(path), truth, len(data)))
    for seed in range(101, 101 + cards):
        data = papers.phone_photo(papers.identity_card(seed), seed)
        path = directory / f"card-{seed}.jpg"
        path.write_bytes(data)
        cases.append(Case(path.stem, "card", seed, 0, str(path), "", len(data)))
    return cases


def cpu_seconds() -> float:
    """CPU used so far by this process (all its threads) and its finished children (Tesseract)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def pipeline(path: str, use_osd: bool = True) -> tuple[imaging.ProcessedPage, bytes, float, float]:
    """The page, its one-page PDF, wall-clock and CPU seconds."""
    began, cpu = time.perf_counter(), cpu_seconds()
    page = imaging.clean_page(imaging.load_image(path), use_osd=use_osd)
    data, mime = imaging.encode_page(page)
    document = pdf.images_to_pdf([(data, mime, page.dpi)])
    return page, document, time.perf_counter() - began, cpu_seconds() - cpu


def process_only(path: str) -> float:
    return pipeline(path)[2]


def ocr_pair(case: Case) -> tuple[float, float]:
    """CER of the processed page (as the PDF holds it) and of the photo as it came."""
    page = pipeline(case.path)[0]
    data, _ = imaging.encode_page(page)
    processed = Image.open(io.BytesIO(data))
    processed.info["dpi"] = (page.dpi, page.dpi)
    raw = imaging.load_image(case.path)
    return cer(ocr.ocr_image(processed), case.truth), cer(ocr.ocr_image(raw), case.truth)


def machine_load() -> float:
    return os.getloadavg()[0]


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_start = machine_load()
    with tempfile.TemporaryDirectory(prefix="coffre-capture-") as temp:
        print(f"Generating {args.text_pages} text photos and {args.cards} card photos (12 MP)...",
              flush=True)  # fmt: skip
        began = time.perf_counter()
        cases = make_cases(Path(temp), args.text_pages, args.cards)
        print(f"  done in {time.perf_counter() - began:.0f} s", flush=True)
        pipeline(cases[0].path)  # warm-up: imports, OpenCV's threads, Tesseract's caches

        results: list[Result] = []
        for case in cases:
            page, document, seconds, cpu = pipeline(case.path)
            seconds_no_osd = pipeline(case.path, use_osd=False)[2]
            results.append(
                Result(
                    name=case.name,
                    kind=case.kind,
                    rotate=case.rotate,
                    photo_mb=case.photo_bytes / 1e6,
                    page_kb=len(document) / KB,
                    seconds=seconds,
                    cpu_seconds=cpu,
                    seconds_no_osd=seconds_no_osd,
                    rotated_by=page.rotated_by,
                    colour=page.colour,
                    outline_found=page.outline_found,
                    size=page.image.size,
                    dpi=page.dpi,
                )
            )
            print(f"  {case.name:<10} {seconds:5.2f} s  {len(document) / KB:6.1f} KB", flush=True)

        with ProcessPoolExecutor(max_workers=2) as pool:
            began = time.perf_counter()
            list(pool.map(process_only, [case.path for case in cases]))
            parallel_seconds = time.perf_counter() - began

        ocr_ran = args.ocr and ocr.available()
        if ocr_ran:
            text_cases = [case for case in cases if case.kind == "text"]
            print(f"OCR of {len(text_cases)} processed pages and of the same photos as they "
                  "came (2 processes)...", flush=True)  # fmt: skip
            with ProcessPoolExecutor(max_workers=2) as pool:
                for case, (page_cer, raw_cer) in zip(
                    text_cases, pool.map(ocr_pair, text_cases), strict=True
                ):
                    result = next(r for r in results if r.name == case.name)
                    result.cer_page, result.cer_raw = page_cer, raw_cer
        elif args.ocr:
            print("Tesseract with fra+eng is not installed: no OCR measurement.")
    return {
        "machine": {"cpus": os.cpu_count(), "load_start": load_start, "load_end": machine_load()},
        "results": [asdict(r) for r in results],
        "parallel_seconds": parallel_seconds,
        "ocr": ocr_ran,
    }


def verdict(met: bool) -> str:
    return "GOAL MET" if met else "GOAL MISSED"


def report(summary: dict[str, Any]) -> dict[str, bool]:
    results = summary["results"]
    text = [r for r in results if r["kind"] == "text"]
    cards = [r for r in results if r["kind"] == "card"]
    machine = summary["machine"]
    line = "-" * 100
    print()
    print(f"Capture bench: {len(text)} text pages + {len(cards)} identity cards, 12 MP JPEG "
          f"photos, {machine['cpus']} CPUs, load {machine['load_start']:.2f} -> "
          f"{machine['load_end']:.2f}")  # fmt: skip
    if max(machine["load_start"], machine["load_end"]) > 0.5 * (machine["cpus"] or 1):
        print("WARNING: other work is competing for the CPUs: times are pessimistic.")
    print(line)
    print(f"{'photo':<10}{'turned':>7}{'photo MB':>9}{'page KB':>9}{'s/page':>8}{'CPU s':>7}"
          f"{'no OSD':>8}"
          f"{'OSD':>5}{'outline':>8}{'colour':>7}{'size':>11}{'dpi':>5}"
          f"{'CER page':>10}{'CER raw':>9}")  # fmt: skip
    for r in results:
        cer_page = f"{r['cer_page'] * 100:.1f} %" if r["cer_page"] is not None else "-"
        cer_raw = f"{r['cer_raw'] * 100:.1f} %" if r["cer_raw"] is not None else "-"
        size = f"{r['size'][0]}x{r['size'][1]}"
        print(f"{r['name']:<10}{r['rotate']:>7}{r['photo_mb']:>9.2f}{r['page_kb']:>9.1f}"
              f"{r['seconds']:>8.2f}{r['cpu_seconds']:>7.2f}{r['seconds_no_osd']:>8.2f}"
              f"{r['rotated_by']:>5}"
              f"{'yes' if r['outline_found'] else 'NO':>8}{'yes' if r['colour'] else 'no':>7}"
              f"{size:>11}{r['dpi']:>5}{cer_page:>10}{cer_raw:>9}")  # fmt: skip
    print(line)
    median_kb = statistics.median(r["page_kb"] for r in text)
    all_seconds = [r["seconds"] for r in results]
    median_s = statistics.median(all_seconds)
    median_no_osd = statistics.median(r["seconds_no_osd"] for r in results)
    median_cpu = statistics.median(r["cpu_seconds"] for r in results)
    per_minute = 60 * len(all_seconds) / sum(all_seconds)
    parallel = 60 * len(results) / summary["parallel_seconds"]
    goals = {
        "size": median_kb <= GOAL_KB,
        "speed": median_s <= GOAL_SECONDS,
    }
    print(f"median PDF page, text photos:  {median_kb:6.1f} KB   (max "
          f"{max(r['page_kb'] for r in text):.1f}; cards "
          f"{statistics.median(r['page_kb'] for r in cards) if cards else 0:.1f})"
          f"{'goal <= 150 KB':>22}   {verdict(goals['size'])}")  # fmt: skip
    print(f"median time per page:          {median_s:6.2f} s    (without OSD "
          f"{median_no_osd:.2f} s){'goal <= 1.5 s':>27}   {verdict(goals['speed'])}")  # fmt: skip
    print(f"median CPU per page:           {median_cpu:6.2f} s    (both cores and Tesseract; "
          "less sensitive to other work)")  # fmt: skip
    print(f"pages per minute:              {per_minute:6.0f}      (1 process, one page after "
          f"another; 2 processes: {parallel:.0f})")  # fmt: skip
    if summary["ocr"]:
        page_cers = [r["cer_page"] for r in text]
        raw_cers = [r["cer_raw"] for r in text]
        median_page, worst_page = statistics.median(page_cers), max(page_cers)
        median_raw = statistics.median(raw_cers)
        goals["cer"] = worst_page <= GOAL_CER
        goals["raw_far_worse"] = median_raw >= median_page + GOAL_RAW_GAP
        print(f"OCR CER, processed page:       {median_page * 100:6.1f} %    (median; worst "
              f"{worst_page * 100:.1f} %){'goal <= 3 % on every page':>26}   "
              f"{verdict(goals['cer'])}")  # fmt: skip
        print(f"OCR CER, photo as it came:     {median_raw * 100:6.1f} %    (median; best "
              f"{min(raw_cers) * 100:.1f} %){'goal: 10 points worse':>27}   "
              f"{verdict(goals['raw_far_worse'])}")  # fmt: skip
    print(line)
    return goals


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--text-pages", type=int, default=12, help="text photos (default 12)")
    parser.add_argument("--cards", type=int, default=3, help="identity card photos (default 3)")
    parser.add_argument("--no-ocr", dest="ocr", action="store_false", help="skip the OCR part")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "var" / "bench" / "capture.json", help="results file"
    )
    args = parser.parse_args()
    if not 1 <= args.text_pages <= 100 or not 0 <= args.cards <= 20:
        parser.error("--text-pages must be 1-100 and --cards 0-20")
    summary = run(args)
    summary["goals"] = report(summary)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2))
    print(f"Results saved to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
