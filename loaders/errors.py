"""Errors a document can fail with. Each has a stable code that lands in quarantine records."""

from __future__ import annotations


class DocumentError(Exception):
    """A document referat cannot turn into a record. `code` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnsupportedMediaType(DocumentError):
    code = "unsupported_media_type"


class EmptyDocument(DocumentError):
    code = "empty"


class UndecodableText(DocumentError):
    code = "undecodable_text"


class CorruptDocument(DocumentError):
    code = "corrupt"


class EncryptedDocument(DocumentError):
    code = "encrypted"


class NoTextLayer(DocumentError):
    code = "no_text_layer"


class NeedsOcr(DocumentError):
    """A scan (pages that are images without a text layer) while OCR cannot run: turned off, or
    Tesseract with Danish is not installed. Retried by the next ingest that can OCR it."""

    code = "needs_ocr"


class DocumentTooLarge(DocumentError):
    code = "too_large"


class DocumentTimeout(DocumentError):
    code = "timeout"


class TooManyPages(DocumentTooLarge):
    """More pages than the input policy allows (REFERAT_MAX_PAGES)."""

    code = "too_many_pages"


class TooManyChars(DocumentTooLarge):
    """More characters of text than the input policy allows (REFERAT_MAX_CHARS)."""

    code = "too_many_chars"


class OutOfMemory(DocumentError):
    """Reading or extracting the document needed more memory than allowed (REFERAT_MAX_MEMORY_MB)."""

    code = "out_of_memory"
