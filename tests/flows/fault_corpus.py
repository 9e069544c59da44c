"""A generated corpus of small plain-text articles for the fault-injection tests (our own invented text).

Events are covered by several outlets: some rewrite the story in their own words (they should
join one story), some run the same wire copy (exact and near duplicates, wire groups), so every
table a re-run must reproduce has rows in it. The same seed writes the same files.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

OUTLETS = [
    "harbour-courier", "valley-tribune", "northgate-post", "lakeside-ledger",
    "meridian-wire", "eastbrook-herald", "riverside-digest", "old-mill-gazette",
]
FIRST = ["Maren", "Tobias", "Ilse", "Rafael", "Odile", "Kasimir", "Wenona", "Dorian", "Saskia", "Anselm", "Priya", "Joaquin"]
LAST = ["Holtwick", "Ferreira", "Lindqvist", "Okonkwo", "Varga", "Castellano", "Brandauer", "Nakashima", "Dubrovsky", "Abernathy"]
CITIES = ["Lisbon", "Hamburg", "Nairobi", "Osaka", "Valparaiso", "Tallinn", "Montreal", "Dakar", "Porto", "Krakow", "Hobart", "Bergen"]
BODIES = ["Harbour Authority", "Regional Transit Board", "Coastal Fisheries Council", "National Grid Operator",
          "University Hospital", "Chamber of Commerce", "Water Utility", "Port Workers Union"]
TOPICS = [
    ("bridge", "repairs to the old {city} bridge", "closed the bridge to lorries after engineers found cracks in two supports"),
    ("strike", "a strike at the {city} docks", "said the walkout would halt container traffic for at least three days"),
    ("flood", "flooding in the lower districts of {city}", "opened two shelters after the river rose above its banks overnight"),
    ("budget", "the {city} budget vote", "approved a spending plan that adds forty buses and closes a library branch"),
    ("hospital", "a new wing at the {city} hospital", "opened a maternity wing that doubles the number of delivery rooms"),
    ("fishing", "new fishing quotas near {city}", "cut the cod quota by a fifth and banned trawling in the inner bay"),
    ("power", "a power cut across {city}", "blamed a failed transformer for the outage that left thousands without light"),
    ("tram", "the {city} tram extension", "signed a contract to extend the tram line to the airport by next spring"),
]
FILLER = [
    "Residents gathered outside the town hall on {weekday} evening to hear the plans explained.",
    "Officials said further details would be published on the council website later this week.",
    "Local shop owners told reporters they were worried about the effect on trade during the works.",
    "The opposition called for an independent review of the costs before any more money is spent.",
    "Engineers will inspect the site again next month and report back to the committee.",
    "A public consultation is due to open in the autumn and run for six weeks.",
    "Similar measures were introduced in neighbouring towns two years ago with mixed results.",
    "Campaigners welcomed the decision but said it had come far too late for many families.",
]


def write_corpus(folder: Path, events: int = 40, seed: int = 11) -> list[Path]:
    """Write the corpus's files under `folder` (one subfolder per outlet); return their paths in name order."""
    rng = random.Random(seed)
    start = dt.date(2025, 3, 3)
    written: list[Path] = []
    for n in range(events):
        key, subject, action = TOPICS[n % len(TOPICS)]
        city = CITIES[(n * 5 + n // len(TOPICS)) % len(CITIES)]
        person = f"{FIRST[n % len(FIRST)]} {LAST[(n * 3) % len(LAST)]}"
        body = BODIES[n % len(BODIES)]
        day = start + dt.timedelta(days=(n * 2) % 40)
        outlets = rng.sample(OUTLETS, rng.randint(2, 5))
        wire = _paragraphs(rng, subject, action, city, person, body, day)
        for i, outlet in enumerate(outlets):
            if i > 0 and rng.random() < 0.4:
                paragraphs = list(wire)  # the same wire copy under another masthead
                if rng.random() < 0.5:
                    paragraphs[-1] = f"This report was updated by {outlet.replace('-', ' ').title()} staff."
            else:
                paragraphs = _paragraphs(rng, subject, action, city, person, body, day)
            title = f"{body} {'moves on' if i % 2 else 'acts on'} {subject.format(city=city)}"
            byline = f"By {rng.choice(FIRST)} {rng.choice(LAST)}"
            dateline = f"{city.upper()}, {day:%B} {day.day}, {day.year} (Meridian Wire) -"
            text = "\n\n".join([title, byline, dateline + " " + paragraphs[0], *paragraphs[1:]]) + "\n"
            path = folder / outlet / f"{day:%Y-%m-%d}-{key}-{n:03d}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return sorted(written)


def _paragraphs(rng: random.Random, subject: str, action: str, city: str, person: str, body: str, day: dt.date) -> list[str]:
    weekday = f"{day:%A}"
    lead = f"The {body} in {city} on {weekday} {action}, ending weeks of uncertainty over {subject.format(city=city)}."
    quote = (
        f"\"We could not wait any longer, and the people of {city} deserve a clear answer,\" "
        f"said {person}, who chairs the {body}."
    )
    rest = rng.sample(FILLER, 4)
    return [lead, quote, *(line.format(weekday=weekday) for line in rest), f"{person} is expected to speak again at the next meeting."]
