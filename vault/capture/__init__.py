"""Capture: from phone photos and PDFs to one clean, small, searchable PDF.

Pure library code (no models, no database); the processing task wires it in. For a photo:

1. ``imaging.load_image``: decode JPEG/PNG/WebP/HEIC, apply the EXIF orientation, RGB.
2. ``imaging.clean_page``: find the sheet's outline and flatten its perspective to its real
   shape (A4 at 200 dpi, ID cards at 300 dpi), straighten small tilts, turn it the right way up
   (Tesseract OSD, when installed), even out the light, keep colour only where it means something.
3. ``imaging.encode_page``: a JPEG within a byte budget (greyscale for text pages).
4. ``pdf.images_to_pdf``: one PDF page per image at its physical size; ``pdf.merge_pdfs`` and
   ``pdf.optimise_pdf`` (lossless) for PDFs that came as PDFs.
5. ``ocr.ocr_image`` for the text layer of photos, ``pdf.pdf_text`` for born-digital PDFs.
6. ``preview.thumbnail`` / ``preview.render_page`` for what the lists and viewer show.
"""
