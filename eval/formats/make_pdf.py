"""Typeset `sources/dog_rules.txt` as `docs/dog_rules.pdf`: a regulation as a PDF, lines broken at a fixed
width as a typesetter would (inside sentences and numbers), a running header and a page number on each page.

    .venv/bin/python eval/formats/make_pdf.py

Needs reportlab (installed with the test extras). The questions' answers are checked against the source text.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent
FONT = "STSong-Light"  # a CID font every PDF reader has: nothing to embed or download
WIDTH = 34  # characters a line
LINES = 30  # lines a page


def main() -> None:
    paragraphs = (HERE / "sources" / "dog_rules.txt").read_text("utf-8").splitlines()
    lines = [p[i : i + WIDTH] for p in paragraphs if p for i in range(0, len(p), WIDTH)]
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdf = canvas.Canvas(str(HERE / "docs" / "dog_rules.pdf"), invariant=1)  # the same bytes on every run
    pdf.setTitle(paragraphs[0])
    for number, first in enumerate(range(0, len(lines), LINES), start=1):
        pdf.setFont(FONT, 11)
        pdf.drawString(72, 800, "青禾市人大常委会公报")
        for row, line in enumerate(lines[first : first + LINES]):
            pdf.drawString(72, 760 - 22 * row, line)
        pdf.drawString(280, 40, f"- {number} -")
        pdf.showPage()
    pdf.save()


if __name__ == "__main__":
    main()
