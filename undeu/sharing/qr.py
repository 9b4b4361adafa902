"""QR codes of a petition's address, by segno (pure Python, no system library)."""

import io

import segno

# M corrects about 15% damage: a poster may be creased or stained, and it keeps the code small.
ERROR_CORRECTION = "m"
# The quiet zone the standard asks for around the code, in modules.
BORDER = 4


def _code(url: str):
    return segno.make(url, error=ERROR_CORRECTION, micro=False)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=scale, border=BORDER, light="#fff")
    return buffer.getvalue()


def qr_svg(url: str, *, title: str = "", scale: int = 10, inline: bool = False) -> bytes:
    """An SVG file, or (inline) an <svg> element to put in an HTML page. The title is escaped by
    segno. The size follows the modules, so the code stays sharp at any size the page sets."""
    buffer = io.BytesIO()
    _code(url).save(
        buffer,
        kind="svg",
        scale=scale,
        border=BORDER,
        title=title or None,
        xmldecl=not inline,
        svgns=True,
        light="#fff",
        nl=False,
    )
    return buffer.getvalue()
