"""Does a text carry a name, date of birth, address, postcode or school from the case?

Texts and details are compared as sequences of words (lower-cased, accents and
punctuation dropped), so "Smith," and "SMITH" both match "Smith". A single name part
matches only where the text writes it as a name (capitalised), so a family member
called "Will" does not stop every report that says "will". What matched is never
returned: callers name the field, not the text.
"""

import re
import unicodedata
from datetime import date

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _words(text):
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[A-Za-z0-9]+", plain)


def _phrase(text):
    return " ".join(w.lower() for w in _words(text))


class Matcher:
    """Built once from the details of the linked cases; asked about each field."""

    def __init__(self, details_list):
        self._phrases = set()  # full names, addresses, street lines, schools: as word sequences
        self._name_parts = set()  # single name parts, matched where capitalised
        self._patterns = []  # dates of birth and postcodes
        for details in details_list:
            for name in details.get("name", ()):
                parts = _words(name)
                if len(parts) > 1:
                    self._phrases.add(_phrase(name))
                self._name_parts.update(p.lower() for p in parts if len(p) >= 3 and not p.isdigit())
            for text in details.get("address", ()) + details.get("school", ()):
                self._add_phrase(text)
                street = re.split(r"[,\n]", text)[0]
                if len(_words(street)) >= 2:
                    self._add_phrase(street)  # the house and street, without the town every report names
            for code in details.get("postcode", ()):
                compact = re.sub(r"\s+", "", code).lower()
                if len(compact) >= 5:
                    self._patterns.append(
                        re.compile(rf"(?<![a-z0-9]){re.escape(compact[:-3])}\s*{re.escape(compact[-3:])}(?![a-z0-9])")
                    )
            for value in details.get("date_of_birth", ()):
                try:
                    self._patterns.append(_date_pattern(date.fromisoformat(value)))
                except ValueError:
                    continue

    def _add_phrase(self, text):
        phrase = _phrase(text)
        if len(phrase) >= 4:
            self._phrases.add(phrase)

    def __bool__(self):
        return bool(self._phrases or self._name_parts or self._patterns)

    def matches(self, text):
        if not text or not self:
            return False
        words = _words(text)
        joined = f" {' '.join(w.lower() for w in words)} "
        if any(f" {phrase} " in joined for phrase in self._phrases):
            return True
        if any(w[0].isupper() and w.lower() in self._name_parts for w in words):
            return True
        lowered = text.lower()
        return any(pattern.search(lowered) for pattern in self._patterns)


def _date_pattern(day):
    d, m, y = day.day, day.month, day.year
    month = _MONTHS[m - 1]
    numeric = rf"0?{d}\s*[/.\-]\s*0?{m}\s*[/.\-]\s*(?:{y}|{y % 100:02d})"
    iso = rf"{y}-{m:02d}-{d:02d}"
    spoken = rf"0?{d}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{month}|{month[:3]})\.?,?\s+{y}"
    american = rf"(?:{month}|{month[:3]})\.?\s+0?{d}(?:st|nd|rd|th)?,?\s+{y}"
    return re.compile(rf"(?<![0-9])(?:{numeric}|{iso}|{spoken}|{american})(?![0-9])")
