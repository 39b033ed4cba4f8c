"""Machine-readable zones: ICAO 9303 TD1, TD2, TD3 and the French identity card of 1988–2021.

Why: the zone at the bottom of an identity paper is the one part of a photo we can read reliably,
because every important field carries a check digit. Reading it lets us fill in the kind of paper,
the names and, above all, the expiry date that drives renewal reminders, without asking a person
who may read little to type them. When the check digits do not pass we still return what we read
(``checks_ok=False``) so that the interface asks the person to check rather than trusting it.

Layouts (0-based slices):

- TD3 (passports, 2×44): line 1 code[0:2] country[2:5] names[5:44]; line 2 number[0:9] check[9]
  nationality[10:13] birth[13:19] check[19] sex[20] expiry[21:27] check[27] personal[28:42]
  check[42] composite[43] over line 2 [0:10] + [13:20] + [21:43].
- TD2 (2×36): line 1 as TD3 with names[5:36]; line 2 as TD3 up to [27], optional[28:35],
  composite[35] over line 2 [0:10] + [13:20] + [21:35].
- TD1 (cards, 3×30): line 1 code[0:2] country[2:5] number[5:14] check[14] optional[15:30];
  line 2 birth[0:6] check[6] sex[7] expiry[8:14] check[14] nationality[15:18] optional[18:29]
  composite[29] over line 1 [5:30] + line 2 [0:7] + [8:15] + [18:29]; line 3 names[0:30].
  In TD1 and TD2 a number longer than 9 characters puts ``<`` in the check position and continues
  in the optional data, followed by its check digit (ICAO 9303 part 5 and 6).
- FR1988 (French card, 2×36): line 1 ``IDFRA`` surname[5:30] office[30:36]; line 2
  number[0:12] (YYMM of issue, 3-character département/office, 5-digit serial) check[12]
  given names[13:27] birth[27:33] check[33] sex[34] composite[35] over the whole of line 1 and
  line 2 [0:35].

FR1988 expiry is not in the zone; see ``fr1988_expiry`` for the rule.
"""

import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

FORMATS: dict[str, tuple[int, int]] = {
    "TD1": (3, 30),
    "TD2": (2, 36),
    "TD3": (2, 44),
    "FR1988": (2, 36),
}

_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}
_MRZ_LINE = re.compile(r"[A-Z0-9<]+")
_DATE = re.compile(r"[0-9]{6}|[0-9]{4}<<|[0-9]{2}<{4}|<{6}")

# What Tesseract reads instead of the OCR-B glyphs. In a field that can only hold digits a letter
# is certainly wrong, so these maps are applied without asking the check digit.
_TO_DIGIT = str.maketrans("ODQUILZSGTB", "00001125678")
_TO_LETTER = str.maketrans("012568", "OIZSGB")
# Characters that are valid either way in letters-and-digits fields (document numbers): there only
# a passing check digit can decide.
_SWAP = {
    "0": "O",
    "O": "0",
    "D": "0",
    "Q": "0",
    "1": "I",
    "I": "1",
    "2": "Z",
    "Z": "2",
    "5": "S",
    "S": "5",
    "6": "G",
    "G": "6",
    "8": "B",
    "B": "8",
}
# ICAO 9303 starts every zone with P, I, A, C or V; some French residence permits are said to
# start with TS, which we accept too rather than miss them.
_DOCUMENT_LETTERS = "PIACVT"
_FILLER_LOOKALIKES = (("‹", "<"), ("(", "<"), ("[", "<"), ("{", "<"), ("≤", "<"))
_MAX_SWAPS = 2
_MAX_LENGTH_ERROR = 3  # on lines with check digits, where each variant must be tried
_MAX_NAMES_LENGTH_ERROR = 10  # on lines of names, where the last run of filler absorbs it
_MAX_READINGS = 400


class MrzError(ValueError):
    """The lines are not one of the layouts we know."""


@dataclass(frozen=True)
class MrzFields:
    format: str  # "TD1" | "TD2" | "TD3" | "FR1988"
    document_code: str  # "P", "ID", "IR"... (filler removed)
    issuing_country: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date | None
    sex: str  # "F", "M", "X" (unspecified, also for "<") or "" (unreadable)
    expires_on: date | None
    issued_on: date | None  # only FR1988: first day of the month of issue
    checks_ok: bool
    # "document_number", "birth_date", "expires_on", "optional_data" or "composite"; a date whose
    # check digit passes but which does not exist (31 February) is listed too.
    failed_checks: tuple[str, ...]
    lines: tuple[str, ...]


def check_digit(data: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 repeated; 0–9 as such, A=10 … Z=35, ``<`` = 0."""
    try:
        total = sum(_VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(data))
    except KeyError as exc:
        raise MrzError(f"not an MRZ character: {exc.args[0]!r}") from None
    return str(total % 10)


def _today() -> date:
    return date.today()


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(day.year + years, 3, 1)


def _mrz_date(yymmdd: str, kind: str) -> tuple[date | None, bool]:
    """The date and whether it is acceptable; filler for an unknown day, month or whole date
    (ICAO) is not an error, and gives no date.

    Two-digit years: a birth date is in the past; an expiry date is at most 20 years ahead (a
    passport read today cannot expire in 2095, so "95" is 1995)."""
    if not _DATE.fullmatch(yymmdd):
        return None, False
    if "<" in yymmdd:
        return None, True
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    today = _today()
    year = 2000 + yy
    future = (year, month, day) > (today.year, today.month, today.day)
    if (kind == "birth" and future) or (kind == "expiry" and year > today.year + 20):
        year -= 100
    try:
        return date(year, month, day), True
    except ValueError:
        return None, False


def fr1988_issue(document_number: str) -> date | None:
    """First day of the month of issue, from the YYMM that opens a 1988–2021 card number."""
    head = document_number[:4]
    if not head.isdigit():
        return None
    yy, month = int(head[:2]), int(head[2:])
    year = 1900 + yy if yy >= 80 else 2000 + yy  # the format was issued from 1988 to 2021
    if not 1 <= month <= 12 or date(year, month, 1) > _today():
        return None
    return date(year, month, 1)


def fr1988_expiry(issued_on: date | None, birth_date: date | None) -> date | None:
    """End of validity of a 1988–2021 card, which the zone does not hold.

    Rule (décret n° 2013-1188): cards issued from 2 January 2004 to people who were adults at the
    time are valid 15 years (cards issued 2004–2013 were extended by 5 years without a new card,
    those issued from 2014 say 15 years); cards issued to minors, and all cards issued before 2004,
    are valid 10 years.

    The zone only gives the month of issue, so we assume its first day and return the day before
    that anniversary: the earliest possible end, up to a month early. When we cannot tell whether
    the person was an adult (no birth date, or their 18th birthday falls in the month of issue) we
    take 10 years. Both errors make a reminder come early, never late. Note that some countries
    refuse extended cards at the border: the date printed on the card stays issue + 10 years.
    """
    if issued_on is None:
        return None
    adult = birth_date is not None and _add_years(birth_date, 18) <= issued_on
    years = 15 if adult and issued_on >= date(2004, 1, 1) else 10
    return _add_years(issued_on, years) - timedelta(days=1)


def _names(field: str) -> tuple[str, str]:
    """``SURNAME<<GIVEN<NAMES`` → ("SURNAME", "GIVEN NAMES")."""
    surname, _, given = field.strip("<").partition("<<")
    return _words(surname), _words(given)


def _words(field: str) -> str:
    return " ".join(part for part in field.split("<") if part)


def _swap_variants(value: str, fixed: str = "") -> Iterator[tuple[int, str]]:
    """(number of swaps, variant) for up to ``_MAX_SWAPS`` ambiguous characters, fewest first.

    ``fixed`` marks positions (by "x") that must not change."""
    positions = [i for i, c in enumerate(value) if c in _SWAP and fixed[i : i + 1] != "x"]
    for count in range(min(_MAX_SWAPS, len(positions)) + 1):
        for chosen in itertools.combinations(positions, count):
            chars = list(value)
            for i in chosen:
                chars[i] = _SWAP[chars[i]]
            yield count, "".join(chars)


Span = tuple[int, int, int]  # line, start, end


class _Reader:
    """Slices fields out of the lines, correcting OCR confusions when ``fix`` is set.

    Corrections are written back into the lines, so that the composite check digit and the
    returned ``lines`` reflect the reading that was kept."""

    def __init__(self, lines: Sequence[str], fix: bool) -> None:
        self.lines = [list(line) for line in lines]
        self.fix = fix
        self.cost = 0
        self.passed = 0
        self.failed: list[str] = []

    def get(self, span: Span) -> str:
        line, start, end = span
        return "".join(self.lines[line][start:end])

    def _put(self, span: Span, value: str) -> None:
        line, start, end = span
        old = self.lines[line][start:end]
        self.cost += sum(a != b for a, b in zip(old, value, strict=True))
        self.lines[line][start:end] = list(value)

    def _mapped(self, span: Span, table: dict[int, int]) -> str:
        value = self.get(span)
        if self.fix:
            self._put(span, value.translate(table))
        return self.get(span)

    def letters(self, span: Span) -> str:
        return self._mapped(span, _TO_LETTER)

    def digits(self, span: Span) -> str:
        return self._mapped(span, _TO_DIGIT)

    def _record(self, name: str, ok: bool) -> bool:
        if ok:
            self.passed += 1
        elif name not in self.failed:
            self.failed.append(name)
        return ok

    @staticmethod
    def _passes(data: str, digit: str) -> bool:
        # An empty optional field may carry filler instead of 0 as its check digit.
        return digit == check_digit(data) or (digit == "<" and not data.strip("<"))

    def checked(self, name: str, spans: Sequence[Span], check: Span, fixed: str = "") -> str:
        """A letters-and-digits field with its check digit; returns the field's text.

        With ``fix``, tries swapping look-alike characters (O/0, I/1, B/8...) and keeps a variant
        only if it is the single one passing with the fewest swaps: with many variants, one is
        bound to pass by chance, so an ambiguous fix would be a guess."""
        digit = self.digits(check)
        data = "".join(self.get(span) for span in spans)
        if self.fix and not self._passes(data, digit):
            passing: dict[int, list[str]] = {}
            for count, variant in _swap_variants(data, fixed):
                if self._passes(variant, digit):
                    passing.setdefault(count, []).append(variant)
            if passing:
                best = passing[min(passing)]
                if len(best) == 1:
                    offset = 0
                    for span in spans:
                        width = span[2] - span[1]
                        self._put(span, best[0][offset : offset + width])
                        offset += width
                    data = best[0]
        self._record(name, self._passes(data, digit))
        return data

    def dated(self, name: str, span: Span, check: Span, kind: str) -> date | None:
        data = self.digits(span)
        value, valid = _mrz_date(data, kind)
        self._record(name, self._passes(data, self.digits(check)) and valid)
        return value

    def composite(self, spans: Sequence[Span], check: Span, free: Sequence[Span] = ()) -> None:
        """The check digit over several fields; with ``fix``, tries look-alikes in the ``free``
        spans (optional data without a check digit of their own)."""
        digit = self.digits(check)
        ok = self._passes("".join(self.get(span) for span in spans), digit)
        if self.fix and not ok:
            for span in free:
                original = self.get(span)
                passing = [
                    variant
                    for count, variant in _swap_variants(original)
                    if count
                    and self._with(span, variant, lambda: self._passes(self._join(spans), digit))
                ]
                if len(passing) == 1:
                    self._put(span, passing[0])
                    ok = True
                    break
        self._record("composite", ok)

    def _join(self, spans: Sequence[Span]) -> str:
        return "".join(self.get(span) for span in spans)

    def _with(self, span: Span, value: str, test: Callable[[], bool]) -> bool:
        line, start, end = span
        old = self.lines[line][start:end]
        self.lines[line][start:end] = list(value)
        try:
            return test()
        finally:
            self.lines[line][start:end] = old

    def sex(self, span: Span) -> str:
        value = self.get(span)
        return {"M": "M", "F": "F", "X": "X", "<": "X"}.get(value, "")

    def code(self) -> tuple[str, str]:
        """Document code and issuing country, the first five characters of every layout."""
        return self.letters((0, 0, 2)).strip("<"), self.letters((0, 2, 5))


def _long_number(r: _Reader, line: int, start: int, optional: Span) -> tuple[str, Span]:
    """Document number over 9 characters (TD1, TD2): the rest and its check digit open the
    optional data. Returns the number and what is left of the optional data."""
    rest = r.get(optional).split("<", 1)[0]
    if len(rest) < 2:  # nothing to continue with: read it as a 9-character number
        number = r.checked(
            "document_number", [(line, start, start + 9)], (line, start + 9, start + 10)
        )
        return number, optional
    o_line, o_start, o_end = optional
    tail_end = o_start + len(rest) - 1
    number = r.checked(
        "document_number",
        [(line, start, start + 9), (o_line, o_start, tail_end)],
        (o_line, tail_end, tail_end + 1),
    )
    return number, (o_line, tail_end + 1, o_end)


def _td1(r: _Reader) -> MrzFields:
    code, country = r.code()
    optional1: Span = (0, 15, 30)
    if r.get((0, 14, 15)) == "<" and r.get((0, 15, 16)) != "<":
        number, optional1 = _long_number(r, 0, 5, optional1)
    else:
        number = r.checked("document_number", [(0, 5, 14)], (0, 14, 15))
    birth = r.dated("birth_date", (1, 0, 6), (1, 6, 7), "birth")
    sex = r.sex((1, 7, 8))
    expiry = r.dated("expires_on", (1, 8, 14), (1, 14, 15), "expiry")
    nationality = r.letters((1, 15, 18))
    r.composite(
        [(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)], (1, 29, 30), [optional1, (1, 18, 29)]
    )
    surname, given = _names(r.letters((2, 0, 30)))
    return _fields("TD1", r, code, country, surname, given, number, nationality, birth, sex, expiry)


def _td2_td3(r: _Reader, fmt: str) -> MrzFields:
    width = FORMATS[fmt][1]
    code, country = r.code()
    surname, given = _names(r.letters((0, 5, width)))
    optional: Span = (1, 28, width - 1)
    if fmt == "TD2" and r.get((1, 9, 10)) == "<" and r.get((1, 28, 29)) != "<":
        number, optional = _long_number(r, 1, 0, optional)
    else:
        number = r.checked("document_number", [(1, 0, 9)], (1, 9, 10))
    nationality = r.letters((1, 10, 13))
    birth = r.dated("birth_date", (1, 13, 19), (1, 19, 20), "birth")
    sex = r.sex((1, 20, 21))
    expiry = r.dated("expires_on", (1, 21, 27), (1, 27, 28), "expiry")
    free: list[Span] = [optional]
    if fmt == "TD3":
        r.checked("optional_data", [(1, 28, 42)], (1, 42, 43))
        free = []
    r.composite([(1, 0, 10), (1, 13, 20), (1, 21, width - 1)], (1, width - 1, width), free)
    return _fields(fmt, r, code, country, surname, given, number, nationality, birth, sex, expiry)


def _fr1988(r: _Reader) -> MrzFields:
    code, country = r.code()
    surname = _words(r.letters((0, 5, 30)))
    # YYMM and the serial are digits; the 3 characters between hold a département code, which
    # can be 2A/2B (Corsica), so only a passing check digit may change them.
    r.digits((1, 0, 4))
    r.digits((1, 7, 12))
    number = r.checked("document_number", [(1, 0, 12)], (1, 12, 13), fixed="xxxx___xxxxx")
    given = _words(r.letters((1, 13, 27)))
    birth = r.dated("birth_date", (1, 27, 33), (1, 33, 34), "birth")
    sex = r.sex((1, 34, 35))
    r.composite([(0, 0, 36), (1, 0, 35)], (1, 35, 36), [(0, 30, 36)])
    issued = fr1988_issue(number)
    if birth and issued and birth > issued:  # nobody holds a card issued before their birth
        birth = _add_years(birth, -100)
    expiry = fr1988_expiry(issued, birth)
    return _fields(
        "FR1988", r, code, country, surname, given, number, "FRA", birth, sex, expiry, issued
    )


def _fields(
    fmt: str,
    r: _Reader,
    code: str,
    country: str,
    surname: str,
    given: str,
    number: str,
    nationality: str,
    birth: date | None,
    sex: str,
    expiry: date | None,
    issued: date | None = None,
) -> MrzFields:
    return MrzFields(
        format=fmt,
        document_code=code,
        issuing_country=country.strip("<"),
        surname=surname,
        given_names=given,
        document_number=number.replace("<", ""),
        nationality=nationality.strip("<"),
        birth_date=birth,
        sex=sex,
        expires_on=expiry,
        issued_on=issued,
        checks_ok=not r.failed,
        failed_checks=tuple(r.failed),
        lines=tuple("".join(line) for line in r.lines),
    )


def _read(lines: Sequence[str], fmt: str, fix: bool) -> tuple[MrzFields, _Reader]:
    r = _Reader(lines, fix)
    if fmt == "TD1":
        return _td1(r), r
    if fmt == "FR1988":
        return _fr1988(r), r
    return _td2_td3(r, fmt), r


def _layouts(lines: Sequence[str]) -> list[str]:
    shape = (len(lines), len(lines[0]) if lines else 0)
    if any(len(line) != shape[1] for line in lines):
        return []
    found = [fmt for fmt, size in FORMATS.items() if size == shape]
    if "FR1988" in found:
        found.remove("FR1988")
        if lines[0].startswith("IDFRA"):
            found.insert(0, "FR1988")
    return found


def parse_mrz(lines: Sequence[str]) -> MrzFields:
    """Read exact MRZ lines (surrounding white space ignored), without correcting anything.

    A 2×36 zone opening with IDFRA is read as the French 1988 card, unless only TD2 passes."""
    cleaned = [line.strip() for line in lines if line.strip()]
    if not all(_MRZ_LINE.fullmatch(line) for line in cleaned):
        raise MrzError("an MRZ holds only A–Z, 0–9 and <")
    layouts = _layouts(cleaned)
    if not layouts or cleaned[0][0] not in _DOCUMENT_LETTERS:
        raise MrzError("not a known MRZ layout")
    readings = [_read(cleaned, fmt, fix=False)[0] for fmt in layouts]
    return next((fields for fields in readings if fields.checks_ok), readings[0])


# --- OCR text -------------------------------------------------------------------------------


def _clean(raw: str) -> str | None:
    """One OCR line as MRZ characters, or None when it cannot be a zone line (prose, too short).

    Tesseract writes ``«`` for ``<<`` but sometimes for a single ``<``. A lone ``«`` is taken as
    ``<<`` (between names it is the separator); in a run of them we keep whichever reading brings
    the line closest to a zone width."""
    text = "".join(raw.upper().split())
    for lookalike, filler in _FILLER_LOOKALIKES:
        text = text.replace(lookalike, filler)
    text = re.sub(r"(?<!«)«(?!«)", "<<", text)
    readings = []
    for filler in ("<<", "<"):
        expanded = text.replace("«", filler)
        kept = "".join(c for c in expanded if c in _VALUES)
        if len(expanded) - len(kept) > 2:
            return None
        distance = min(abs(len(kept) - width) for _, width in FORMATS.values())
        readings.append((distance, kept))
    distance, kept = min(readings, key=lambda reading: reading[0])
    return kept if distance <= _MAX_NAMES_LENGTH_ERROR else None


def _unk(line: str) -> str:
    """``<`` misread as ``K`` inside runs of filler: ``<<K<<K<`` → ``<<<<<<<``, ``KKKK`` → ``<<<<``.

    A K touching a letter at either end of the run is kept, as it can end or start a name
    (ERIK<<ANNA, ANNA<<KARL). No check digit can settle it: K is worth 20 and ``<`` 0, the same
    modulo 10 whatever the weight, so this rule is the only judge."""

    def fix(match: re.Match[str]) -> str:
        run = match.group()
        if "<" not in run and len(run) < 3:  # KK can be in a name (ERIKKSON?), KKK cannot
            return run
        start, end = match.span()
        head = len(run) - len(run.lstrip("K")) if start and line[start - 1].isalpha() else 0
        tail = len(run) - len(run.rstrip("K")) if end < len(line) and line[end].isalpha() else 0
        if "<" not in run:  # all K: at most one belongs to each neighbouring name
            head, tail = min(head, 1), min(tail, 1)
        middle = run[head : len(run) - tail].replace("K", "<")
        return run[:head] + middle + run[len(run) - tail :]

    return re.sub(r"[K<]+", fix, line)


def _fit(line: str, width: int, names_line: bool) -> list[tuple[int, str]]:
    """Variants of ``line`` at exactly ``width``, with their cost.

    Tesseract mostly gets the number of ``<`` wrong in a run of filler (or reads ``<<`` as one
    ``«``), so we add or remove filler in the runs; on a line that is only names we touch the
    last run alone, as no check digit could tell runs apart."""
    delta = width - len(line)
    if delta == 0:
        return [(0, line)]
    runs = [m.span() for m in re.finditer(r"<+", line)]
    if names_line:
        runs = runs[-1:]
    slots = [*runs, (len(line), len(line))]  # the end of the line takes added filler too
    variants: dict[str, int] = {}
    for picks in itertools.combinations_with_replacement(range(len(slots)), abs(delta)):
        chars = list(line)
        # Later slots first, so that the positions of earlier ones stay valid.
        for index, count in sorted(Counter(picks).items(), reverse=True):
            start, end = slots[index]
            if delta > 0:
                chars[end:end] = ["<"] * count
            else:
                del chars[start : min(end, start + count)]
        if len(chars) == width:
            variants.setdefault("".join(chars), abs(delta))
        if names_line:
            break
    if delta < 0:  # a stray character at either end (card edge, dust)
        variants.setdefault(line[-delta:], -delta)
        variants.setdefault(line[:delta], -delta)
    if names_line and not variants:
        padded = (line + "<" * width)[:width]
        variants[padded] = abs(delta)
    return sorted(((cost, text) for text, cost in variants.items()), key=lambda v: v[0])


def _plausible(lines: Sequence[str]) -> bool:
    """Enough to tell a zone from a block of capitals: a document letter and some filler."""
    return lines[0][:1] in _DOCUMENT_LETTERS and sum(line.count("<") for line in lines) >= 3


def _candidates(window: Sequence[str]) -> Iterator[tuple[tuple[int, int, int, int], MrzFields]]:
    size = len(window)
    for fmt, (count, width) in FORMATS.items():
        names_lines = {"TD1": {2}, "TD2": {0}, "TD3": {0}, "FR1988": set()}[fmt]
        if count != size or any(
            abs(len(line) - width)
            > (_MAX_NAMES_LENGTH_ERROR if index in names_lines else _MAX_LENGTH_ERROR)
            for index, line in enumerate(window)
        ):
            continue
        per_line = []
        for index, line in enumerate(window):
            per_line.append(_fit(_unk(line), width, index in names_lines))
        for combo in itertools.islice(itertools.product(*per_line), _MAX_READINGS):
            lines = [text for _, text in combo]
            if not _plausible(lines):
                continue
            if fmt == "FR1988" and lines[0][:5].translate(_TO_LETTER) != "IDFRA":
                continue
            fields, reader = _read(lines, fmt, fix=True)
            # Not a single passing check digit: noise, or a zone too damaged to be worth showing.
            if not fields.issuing_country.isalpha() or not reader.passed:
                continue
            # Before the number of passing checks: TD2 has one more check than FR1988.
            prior = int(fmt != "TD2" or not lines[0].startswith("IDFRA"))
            cost = sum(cost for cost, _ in combo) + reader.cost
            yield (int(fields.checks_ok), prior, reader.passed, -cost), fields


def find_mrz(text: str) -> MrzFields | None:
    """The zone in the OCR text of a whole page, corrected as far as check digits allow.

    Returns the reading that passes the most check digits (then needs the fewest corrections);
    ``checks_ok=False`` means no correction made every check pass. None when no block of lines
    looks like a zone with at least one passing check digit."""
    rows = [line for line in text.splitlines() if line.strip()]
    cleaned = [_clean(row) for row in rows]
    best: tuple[tuple[int, int, int, int], MrzFields] | None = None
    for size in (2, 3):
        for start in range(len(cleaned) - size + 1):
            window = cleaned[start : start + size]
            if any(line is None for line in window):
                continue
            for score, fields in _candidates([line for line in window if line is not None]):
                if best is None or score > best[0]:
                    best = (score, fields)
    return best[1] if best else None
