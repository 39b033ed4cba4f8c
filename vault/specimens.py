"""Obviously fictional papers, generated in code, for demo data and tests.

Nothing here resembles a real person's document: every paper says SPECIMEN and uses made-up names.
"""

import io
import unicodedata

from PIL import Image, ImageDraw, ImageFont


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(
    lines: list[str], catalog_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()
) -> bytes:
    """A valid one-page A4 PDF with the lines as real (uncompressed) text.

    ``catalog_extra`` and ``extra_objects`` (numbered from 6) let tests write hostile PDFs byte
    for byte (actions, embedded files, escaped names)."""
    text_ops = ["BT", "/F1 14 Tf", "50 780 Td", "18 TL"]
    for line in lines:
        ascii_line = line.encode("latin-1", "replace").decode("latin-1")
        text_ops.append(f"({_pdf_escape(ascii_line)}) '")
    text_ops.append("ET")
    content = "\n".join(text_ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        *extra_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def card_image(lines: list[str], size: tuple[int, int] = (1012, 638), fmt: str = "PNG") -> bytes:
    """A card-shaped picture with the lines written on it and a SPECIMEN band."""
    image = Image.new("RGB", size, (235, 240, 248))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=34)
    draw.rectangle([0, 0, size[0], 70], fill=(29, 78, 137))
    draw.text((24, 14), "SPECIMEN - FICTIF", fill="white", font=font)
    draw.rectangle([24, 100, 264, 400], outline=(80, 80, 80), width=3)
    y = 110
    for line in lines:
        # Pillow's built-in font has no accents: write "IDENTITE", not boxes.
        plain = unicodedata.normalize("NFKD", line).encode("ascii", "ignore").decode()
        draw.text((300, y), plain, fill=(20, 20, 20), font=font)
        y += 52
    out = io.BytesIO()
    image.save(out, fmt, quality=85) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()
