"""What every SVG figure of the package shares: the document head and safe text."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

TEXT_COLOUR = "#222222"

# XML 1.0 forbids most control characters even when escaped, and lone surrogates cannot be written as UTF-8:
# a title holding one would break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def svg_text(value: str) -> str:
    """``value`` safe inside an element or a double-quoted attribute."""
    return escape(_NOT_XML.sub("\ufffd", str(value)), {'"': "&quot;"})


def svg_head(width: float, height: float, title: str, title_x: float, title_y: float) -> list[str]:
    """The opening lines of a standalone SVG: declaration, root element, white background, optional title."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">'),
    ]
    if title:
        parts.append(f"<title>{svg_text(title)}</title>")
    parts.append(f'<rect width="{width}" height="{height}" fill="#ffffff"/>')
    if title:
        parts.append(f'<text class="title" x="{title_x:.1f}" y="{title_y}" text-anchor="middle" font-size="15" '
                     f'font-weight="bold" fill="{TEXT_COLOUR}">{svg_text(title)}</text>')
    return parts
