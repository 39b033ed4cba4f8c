"""vCard 3.0 (RFC 2426) for contacts: what every phone's address book imports.

No library: the format needed here is a few escaped, folded lines.
"""

from collections.abc import Iterable

from .models import Contact

MEDIA_TYPE = "text/vcard; charset=utf-8"
MAX_LINE_OCTETS = 75


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF + space, never inside a character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > MAX_LINE_OCTETS:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def card(contact: Contact) -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"UID:{contact.code}",
        f"FN:{escape(contact.name)}",
        f"N:{escape(contact.name)};;;;",
    ]
    if contact.organisation:
        lines.append(f"ORG:{escape(contact.organisation)}")
    if contact.role:
        lines.append(f"TITLE:{escape(contact.role)}")
    if contact.phone:
        lines.append(f"TEL;TYPE=VOICE:{escape(contact.phone)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(contact.email)}")
    if contact.note:
        lines.append(f"NOTE:{escape(contact.note)}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def cards(contacts: Iterable[Contact]) -> bytes:
    return "".join(card(contact) for contact in contacts).encode("utf-8")
