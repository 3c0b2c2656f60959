"""The browser preview and operator console (docs/preview.md): `server` serves the built page of `static/`."""

from bridge.preview.server import MAX_UPLOAD_BYTES, PreviewError, PreviewServer

__all__ = ["MAX_UPLOAD_BYTES", "PreviewError", "PreviewServer"]
