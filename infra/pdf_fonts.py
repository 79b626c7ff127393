"""Fonts of the PDFs the node generates (application form, orders, statements).

Chinese text uses reportlab's CID font ``STSong-Light``: it is referenced, not embedded, and every PDF reader
substitutes a Chinese font for it. Ghostscript's substitute, however, draws no glyph for the proportional Latin
letters, digits and western punctuation of that font (codes, dates, amounts, “quotes” and the “—” of an empty
row came out blank when a page was rendered or printed through Ghostscript, while a text extractor still read
them). So every character that Bitstream Vera has (``Vera.ttf``, shipped with reportlab under the Bitstream Vera
licence: ASCII, Latin-1, western punctuation) is set in Vera, embedded as a subset; Chinese characters and
full-width punctuation stay in the CID font. The file grows by a few kilobytes only.

``markup(text)`` escapes a value for a Paragraph and wraps its Latin runs; ``draw_string`` does the same for
text drawn straight on the canvas (page footers).
"""

import functools
from xml.sax.saxutils import escape

CJK_FONT = "STSong-Light"
LATIN_FONT = "Vera"

# below the CJK blocks only: Vera's table also lists a few presentation forms and U+FFFF
_LATIN_LIMIT = 0x2E80


def register() -> str:
    """Register both fonts once; returns the CJK font's name (the paragraphs' base font)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    names = pdfmetrics.getRegisteredFontNames()
    if CJK_FONT not in names:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    if LATIN_FONT not in names:
        pdfmetrics.registerFont(TTFont(LATIN_FONT, "Vera.ttf"))  # found on reportlab's own font path
    return CJK_FONT


@functools.cache
def _latin_codepoints() -> frozenset[int]:
    from reportlab.pdfbase.ttfonts import TTFont

    table = TTFont(LATIN_FONT, "Vera.ttf").face.charToGlyph
    return frozenset(code for code, glyph in table.items() if glyph and 0x20 < code < _LATIN_LIMIT)


def runs(text: str) -> list[tuple[str, str]]:
    """``text`` cut into (font name, piece) runs: what the Latin font has in it, the rest in the CJK font. A space
    or line break stays with the run it is in (between two Latin pieces it is Latin)."""
    latin = _latin_codepoints()
    pieces: list[tuple[str, str]] = []
    pending = ""  # white space not yet assigned
    for char in text:
        if char.isspace() and char != "\u3000":
            pending += char
            continue
        font = LATIN_FONT if ord(char) in latin else CJK_FONT
        if pieces and pieces[-1][0] == font:
            pieces[-1] = (font, pieces[-1][1] + pending + char)
        else:
            if pending:
                if pieces:
                    pieces[-1] = (pieces[-1][0], pieces[-1][1] + pending)
                else:
                    pieces.append((CJK_FONT, pending))
            pieces.append((font, char))
        pending = ""
    if pending:
        if pieces:
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + pending)
        else:
            pieces.append((CJK_FONT, pending))
    return pieces


def markup(value) -> str:
    """Paragraph markup for a value: escaped, line breaks kept, ASCII runs in the Latin font."""
    text = str(value if value is not None else "")
    parts = []
    for font, piece in runs(text):
        escaped = escape(piece).replace("\n", "<br/>")
        parts.append(f'<font name="{LATIN_FONT}">{escaped}</font>' if font == LATIN_FONT else escaped)
    return "".join(parts)


def draw_string(canvas, x: float, y: float, text: str, *, size: float, right: bool = False) -> None:
    """Draw ``text`` at (x, y) run by run (from its right end at x when ``right``)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pieces = runs(text)
    if right:
        x -= sum(stringWidth(piece, font, size) for font, piece in pieces)
    for font, piece in pieces:
        canvas.setFont(font, size)
        canvas.drawString(x, y, piece)
        x += stringWidth(piece, font, size)
