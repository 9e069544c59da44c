"""Regexes and helpers for the dates printed in plain-text articles.

Only full dates that are actually printed become dates: a month and day without a year stay a
month and day, and nothing is ever completed from context. Plain regexes cover
the shapes news text uses; ambiguous numeric forms such as 03/04/2024 are not read at all.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTH_NAMES = {
    "january": 1, "jan": 1,
    "february": 2, "feb": 2,
    "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
# Full month names of the other languages common in European archives (es, fr, de, it, pt).
# No name means different months in two of them, so one table serves all.
_MONTH_NAMES |= {
    name: number
    for number, names in enumerate(
        [
            "enero janvier januar jänner gennaio janeiro",
            "febrero février fevrier februar febbraio fevereiro",
            "marzo mars märz maerz março marco",
            "abril avril aprile",
            "mayo mai maggio maio",
            "junio juin juni giugno junho",
            "julio juillet juli luglio julho",
            "agosto août aout",
            "septiembre setiembre septembre settembre setembro",
            "octubre octobre oktober ottobre outubro",
            "noviembre novembre novembro",
            "diciembre décembre decembre dezember dicembre dezembro",
        ],
        start=1,
    )
    for name in names.split()
}

# Longest names first so "Sept" wins over "Sep" and "June" over "Jun".
# Scoped (?i:) so the fragment also works inside case-sensitive patterns such as datelines.
MONTH = r"(?i:" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")"

# A month and day as printed in datelines: "Nov. 10", "March 3", "5 January"; year optional.
MONTH_DAY = (
    rf"(?:(?P<md_month>{MONTH})\.?\s+(?P<md_day>\d{{1,2}})(?:,?\s+(?P<md_year>\d{{4}}))?"
    rf"|(?P<dm_day>\d{{1,2}})\.?\s+(?:de\s+)?(?P<dm_month>{MONTH})\.?"
    rf"(?:,?\s+(?:de\s+|del\s+)?(?P<dm_year>\d{{4}}))?)"
)

_WEEKDAY = r"(?:mon|tues?|wed|thu|thurs?|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?,?\s+"
_ORDINAL = r"(?:st|nd|rd|th|er|º|ª)?"  # "3rd", French "1er", Spanish "1º"
_TIME = (
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\.?)?"
    r"(?:\s*(?:[A-Z]{2,5}|(?:UTC|GMT)\s*[+\-−]\s*\d{1,2}(?::?\d{2})?))?)?"
)
# The full-date shapes we accept, each with named groups y/m/d (m may be a month name).
_FULL_DATE = re.compile(
    r"(?:"
    r"(?P<iso_y>\d{4})-(?P<iso_m>\d{2})-(?P<iso_d>\d{2})"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?)?"
    # "4 June 2024", "4th of June, 2024", "5 de marzo de 2024", "5. März 2024"
    rf"|(?P<dmy_d>\d{{1,2}}){_ORDINAL}\.?\s+(?:of\s+|de\s+)?(?P<dmy_m>{MONTH})\.?,?\s+"
    rf"(?:de\s+|del\s+)?(?P<dmy_y>\d{{4}})"
    rf"|(?P<mdy_m>{MONTH})\.?\s+(?P<mdy_d>\d{{1,2}}){_ORDINAL},?\s+(?P<mdy_y>\d{{4}})"
    # Day-first with dots is the only numeric form that is not ambiguous in practice (de, ru, ...).
    r"|(?P<dot_d>\d{1,2})\.(?P<dot_m>\d{1,2})\.(?P<dot_y>\d{4})"
    r"|(?P<slash_y>\d{4})/(?P<slash_m>\d{1,2})/(?P<slash_d>\d{1,2})"
    r")",
    re.IGNORECASE,
)
_DATE_ONLY = re.compile(rf"(?:{_WEEKDAY})?{_FULL_DATE.pattern}{_TIME}", re.IGNORECASE)


def month_number(name: str) -> int | None:
    """Month number for an English month name or abbreviation ("Nov.", "September")."""
    return _MONTH_NAMES.get(name.rstrip(".").casefold())


def safe_date(year: int, month: int, day: int) -> dt.date | None:
    """The date if it exists on the calendar, else None."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def is_month_day(month: int, day: int) -> bool:
    """True if month/day can occur in some year (Feb 29 included)."""
    return safe_date(2000, month, day) is not None


def _date_from_match(m: re.Match[str]) -> dt.date | None:
    """Build a date from whichever _FULL_DATE alternative matched."""
    for prefix in ("iso", "dmy", "mdy", "dot", "slash"):
        year = m.group(f"{prefix}_y")
        if year is None:
            continue
        month_text = m.group(f"{prefix}_m")
        month = int(month_text) if month_text.isdigit() else month_number(month_text)
        if month is None:
            return None
        return safe_date(int(year), month, int(m.group(f"{prefix}_d")))
    return None


def parse_date_only(text: str) -> dt.date | None:
    """The date when `text` is nothing but a full date (optional weekday and time), else None."""
    m = _DATE_ONLY.fullmatch(text.strip().rstrip("."))
    return _date_from_match(m) if m else None


def match_leading_date(text: str) -> tuple[dt.date, int] | None:
    """The full date at the very start of `text` and where it ends, else None."""
    m = _DATE_ONLY.match(text)
    date = _date_from_match(m) if m else None
    return (date, m.end()) if m and date else None
