"""Fictional machine-readable zones with correct check digits, for tests and generated card images.

The check digit is computed here independently of ``vault.mrz`` so that tests compare two
implementations rather than one with itself. Use made-up names only.
"""

import unicodedata
from datetime import date

_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def check(data: str) -> str:
    """ICAO 9303: characters weighted 7, 3, 1 in turn, filler counts 0, result modulo 10."""
    total = 0
    for position, char in enumerate(data):
        total += _VALUES.get(char, 0) * [7, 3, 1][position % 3]
    return str(total % 10)


def field(text: str, width: int) -> str:
    """Uppercase, accents and punctuation removed, spaces/hyphens/apostrophes as ``<``, padded."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    chars = ["<" if c in " -'" else c for c in ascii_text if c.isalnum() or c in " -'<"]
    return ("".join(chars) + "<" * width)[:width]


def names(surname: str, given_names: str, width: int) -> str:
    return field(f"{field(surname, 60).rstrip('<')}<<{given_names}", width)


def yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def td3(
    surname: str,
    given_names: str,
    number: str,
    nationality: str,
    birth: date,
    sex: str,
    expiry: date,
    *,
    document_code: str = "P",
    issuing_country: str = "",
    personal_number: str = "",
) -> list[str]:
    """Passport zone, 2×44."""
    line1 = field(document_code, 2) + field(issuing_country or nationality, 3)
    line1 += names(surname, given_names, 39)
    number_f = field(number, 9)
    personal = field(personal_number, 14)
    personal_check = check(personal) if personal_number else "<"
    line2 = number_f + check(number_f) + field(nationality, 3)
    line2 += yymmdd(birth) + check(yymmdd(birth)) + (sex or "<")
    line2 += yymmdd(expiry) + check(yymmdd(expiry)) + personal + personal_check
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return [line1, line2 + check(composite)]


def td2(
    surname: str,
    given_names: str,
    number: str,
    nationality: str,
    birth: date,
    sex: str,
    expiry: date,
    *,
    document_code: str = "I",
    issuing_country: str = "",
    optional: str = "",
) -> list[str]:
    """Card zone, 2×36 (ICAO TD2). Numbers up to 9 characters."""
    line1 = field(document_code, 2) + field(issuing_country or nationality, 3)
    line1 += names(surname, given_names, 31)
    number_f = field(number, 9)
    line2 = number_f + check(number_f) + field(nationality, 3)
    line2 += yymmdd(birth) + check(yymmdd(birth)) + (sex or "<")
    line2 += yymmdd(expiry) + check(yymmdd(expiry)) + field(optional, 7)
    composite = line2[0:10] + line2[13:20] + line2[21:35]
    return [line1, line2 + check(composite)]


def td1(
    surname: str,
    given_names: str,
    number: str,
    nationality: str,
    birth: date,
    sex: str,
    expiry: date,
    *,
    document_code: str = "ID",
    issuing_country: str = "",
    optional1: str = "",
    optional2: str = "",
) -> list[str]:
    """Card zone, 3×30 (new French identity card since 2021, residence permits). A number over 9
    characters continues in the optional data, as ICAO 9303 part 5 says."""
    line1 = field(document_code, 2) + field(issuing_country or nationality, 3)
    if len(number) > 9:
        line1 += number[:9] + "<" + field(number[9:] + check(number) + optional1, 15)
    else:
        number_f = field(number, 9)
        line1 += number_f + check(number_f) + field(optional1, 15)
    line2 = yymmdd(birth) + check(yymmdd(birth)) + (sex or "<")
    line2 += yymmdd(expiry) + check(yymmdd(expiry)) + field(nationality, 3) + field(optional2, 11)
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    return [line1, line2 + check(composite), names(surname, given_names, 30)]


def fr1988_number(issued: date, department: str = "753", serial: int = 12345) -> str:
    """A 12-character number of the 1988 card: YYMM of issue, 3-character office, 5 digits."""
    return f"{issued:%y%m}{department:>03}{serial:05d}"[:12]


def fr1988(
    surname: str,
    given_names: str,
    number: str,
    birth: date,
    sex: str,
    *,
    office: str = "",
) -> list[str]:
    """French identity card of 1988–2021, 2×36. The final digit covers line 1 and line 2."""
    line1 = "IDFRA" + field(surname, 25) + field(office, 6)
    given = "<<".join(field(part.strip(), 14).rstrip("<") for part in given_names.split(","))
    line2 = number + check(number) + field(given, 14)
    line2 += yymmdd(birth) + check(yymmdd(birth)) + sex
    return [line1, line2 + check(line1 + line2)]


# ICAO 9303 published specimens (fictional holders of the imaginary state Utopia).
ICAO_TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
ICAO_TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
# Specimen of the 1988 French card shown by the Ministry of the Interior (fictional holder).
FR1988_SPECIMEN = [
    "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
    "8806923102858CORINNE<<<<<<<6512068F6",
]
