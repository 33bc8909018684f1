"""The proof-of-attendance letter as a PDF (A4), drawn with fpdf2.

fpdf2's built-in fonts only cover Latin-1, and names and group titles come in every script, so
the letter embeds DejaVu Sans, which ships inside matplotlib (already a dependency).  Labels
arrive through the reader's :class:`~bot.domain.i18n.Translator`; nothing here escapes HTML, because
a PDF is not HTML.  Rendering is CPU-bound: call it through ``asyncio.to_thread``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.domain.attendance import ProofLetter
from bot.domain.i18n import Translator
from bot.domain.time_format import format_clock

FONT = "DejaVu"


@cache
def _font_files() -> tuple[Path, Path]:
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"


def proof_pdf(letter: ProofLetter, code: str, tr: Translator, bot_username: str) -> bytes:
    """The letter: who (first name), which meetings and when, the code, and how to check it."""
    regular, bold = _font_files()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(tr._("Proof of attendance"))
    pdf.set_creator("Kindred")
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    _heading(pdf, tr._("Proof of attendance"))
    locale = tr.locale
    period = tr._("{name} attended the following peer-support meetings between {first} and {last}:").format(
        name=letter.first_name,
        first=format_date(letter.first_day, "long", locale=locale),
        last=format_date(letter.last_day, "long", locale=locale),
    )
    _paragraph(pdf, period)
    _table(pdf, letter, tr)
    pdf.ln(6)
    _paragraph(pdf, tr._("Verification code: {code}").format(code=code), bold=True)
    _paragraph(
        pdf,
        tr._(
            "To confirm this letter, a facilitator or coordinator sends /verify {code} to @{bot} "
            "on Telegram. The bot then shows this letter's contents as issued, and nothing else."
        ).format(code=code, bot=bot_username),
    )
    _paragraph(
        pdf,
        tr._("Issued on {date} at the member's request.").format(
            date=format_date(letter.issued_at.date(), "long", locale=locale)
        ),
    )
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 12, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _paragraph(pdf: FPDF, text: str, bold: bool = False) -> None:
    pdf.set_font(FONT, "B" if bold else "", 11)
    pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _table(pdf: FPDF, letter: ProofLetter, tr: Translator) -> None:
    pdf.set_font(FONT, "", 10)
    headings = (tr._("Group"), tr._("Meeting"), tr._("Date"), tr._("Time"))
    with pdf.table(col_widths=(30, 30, 25, 25), text_align="LEFT") as table:
        table.row(headings)
        for meeting in letter.meetings:
            start = meeting.local_start
            date_text = format_date(start.date(), "medium", locale=tr.locale)
            time_text = format_clock(tr, start, meeting.time_zone)
            table.row(
                (
                    meeting.group_title,
                    meeting.meeting_title,
                    date_text,
                    f"{time_text}, {meeting.minutes} min",
                )
            )
