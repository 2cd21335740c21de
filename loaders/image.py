"""Image files of minutes pages (`.png`, `.jpg`, `.tif`, a multi-page TIFF too): read by OCR.

The pages are put, losslessly and at their own resolution, into a PDF of image-only pages, which the
PDF loader reads like any scan (loaders.pdf: each page OCR'd by loaders.ocr, in the time-limited
child process, the running headers and footers removed, the page map kept). The record keeps the
image's media type; `system` is "image".

A resolution the file does not state is taken from its size as an A4 page (a page 2480 pixels wide
is 300 dpi); one outside 70-1200 dpi is treated the same way.
"""

from __future__ import annotations

import io
from pathlib import Path

from loaders.base import LoadedDocument
from loaders.errors import CorruptDocument, DocumentTooLarge, EmptyDocument

MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff"}
SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".tif": "image/tiff",
            ".tiff": "image/tiff"}
A4_WIDTH_INCHES = 8.27
MAX_PIXELS = 200_000_000  # per page: a decompression bomb is refused, not decoded


def sniff_image(head: bytes) -> str | None:
    """The image media type by its signature, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


def load_image(path: Path, data: bytes) -> LoadedDocument:
    """OCR the page image(s) in `data`. Raises DocumentError."""
    from loaders.pdf import load_pdf
    from loaders.policy import current_policy

    pdf, pages, media_type = image_pdf(path.name, data, current_policy().max_pages)
    loaded = load_pdf(path, pdf)
    loaded.media_type = media_type
    loaded.system = "image"
    return loaded


def image_pdf(name: str, data: bytes, max_pages: int = 2000) -> tuple[bytes, int, str]:
    """(a PDF with one image-only page per frame, the number of pages, the media type)."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        kind = image.format
    except Image.DecompressionBombError:
        raise DocumentTooLarge(f"{name}: the image is larger than {MAX_PIXELS:,} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise CorruptDocument(f"{name}: unreadable image ({err})") from None
    media_type = MEDIA_TYPES.get(kind or "", "image/" + (kind or "unknown").lower())
    try:
        frames = int(getattr(image, "n_frames", 1))
    except (OSError, ValueError, EOFError) as err:
        raise CorruptDocument(f"{name}: unreadable image ({err})") from None
    if frames > max_pages:  # before any page is built: building them is what takes the time
        raise DocumentTooLarge(f"{name}: {frames} pages (frames), more than the limit of {max_pages} (REFERAT_MAX_PAGES)")
    pdf = pdfium.PdfDocument.new()
    pages = 0
    try:
        for frame in ImageSequence.Iterator(image):
            pages += 1
            if pages > max_pages:
                raise DocumentTooLarge(f"{name}: more than {max_pages} pages (frames)")
            if frame.width * frame.height > MAX_PIXELS:
                raise DocumentTooLarge(f"{name}: page {pages} is larger than {MAX_PIXELS:,} pixels")
            dpi = _dpi(frame)
            grey = frame.convert("L")
            width, height = grey.width * 72.0 / dpi, grey.height * 72.0 / dpi
            page = pdf.new_page(width, height)
            obj = pdfium.PdfImage.new(pdf)
            bitmap = pdfium.PdfBitmap.from_pil(grey)
            obj.set_bitmap(bitmap)
            obj.set_matrix(pdfium.PdfMatrix().scale(width, height))
            page.insert_obj(obj)
            page.gen_content()
            bitmap.close()
            page.close()
    except (OSError, ValueError, EOFError) as err:  # a truncated or damaged frame
        if pages <= 1:
            raise CorruptDocument(f"{name}: unreadable image ({err})") from None
        raise CorruptDocument(f"{name}: page {pages} of the image cannot be read ({err})") from None
    if pages == 0:
        raise EmptyDocument(f"{name}: the image file holds no page")
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue(), pages, media_type


def _dpi(frame) -> float:
    """The frame's resolution, or the one that makes it an A4 page wide (see the module doc)."""
    stated = frame.info.get("dpi")
    try:
        dpi = float(stated[0]) if stated else 0.0
    except (TypeError, ValueError, IndexError):
        dpi = 0.0
    if 70 <= dpi <= 1200:
        return dpi
    return min(1200.0, max(70.0, frame.width / A4_WIDTH_INCHES))


__all__ = ["load_image", "image_pdf", "sniff_image", "SUFFIXES"]
