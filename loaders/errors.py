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


class DocumentTooLarge(DocumentError):
    code = "too_large"


class DocumentTimeout(DocumentError):
    code = "timeout"
