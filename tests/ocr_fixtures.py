"""Scans made at test time from fixture PDFs (tests/test_ocr.py, benchmarks/bench_ocr.py): pages
rasterised like a scanner gives them (grey, slightly turned, with grain and specks of noise, seeded)
and put into a PDF of image-only pages (lossless: pypdfium2 image objects)."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
from PIL import Image


# --- making scans --------------------------------------------------------------------------------


def scanned_page(page, dpi: int, angle: float, rng: np.random.Generator) -> Image.Image:
    """A page as a scanner gives it: grey pixels at `dpi`, turned by `angle` degrees, with grain
    (Gaussian, sigma 12) and specks (0.3 % of the pixels black or white)."""
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    image = image.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 12, (image.height, image.width))
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    specks = rng.random(pixels.shape)
    pixels[specks < 0.0015] = 0
    pixels[specks > 0.9985] = 255
    return Image.fromarray(pixels)


def scans(source: bytes, dpi: int, pages=None, seed: int = 12) -> dict[int, Image.Image]:
    """0-based page index -> its scan (every page, or `pages`); the angle alternates +-0.6 deg."""
    rng = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(source)
    out = {}
    for index in range(len(doc)):
        if pages is None or index in pages:
            out[index] = scanned_page(doc[index], dpi, 0.6 if index % 2 == 0 else -0.6, rng)
    doc.close()
    return out


def image_page(pdf, image: Image.Image, dpi: int) -> None:
    """Add `image` as an image-only page (lossless) of its size at `dpi`."""
    width, height = image.width * 72 / dpi, image.height * 72 / dpi
    page = pdf.new_page(width, height)
    obj = pdfium.PdfImage.new(pdf)
    obj.set_bitmap(pdfium.PdfBitmap.from_pil(image))
    obj.set_matrix(pdfium.PdfMatrix().scale(width, height))
    page.insert_obj(obj)
    page.gen_content()


def scanned_pdf(source: bytes, dpi: int, scanned_pages=None) -> bytes:
    """`source` with its pages (all, or `scanned_pages`) replaced by their scans."""
    images = scans(source, dpi, scanned_pages)
    src = pdfium.PdfDocument(source)
    pdf = pdfium.PdfDocument.new()
    for index in range(len(src)):
        if index in images:
            image_page(pdf, images[index], dpi)
        else:
            pdf.import_pages(src, [index])
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
