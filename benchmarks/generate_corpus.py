"""Generate a synthetic news corpus for throughput benchmarks.

    uv run python benchmarks/generate_corpus.py OUT_DIR [--n 10000] [--seed 7]
        [--near-dup-share 0.10] [--text-share 0.2] [--gz-share 0.03] [--manifest FILE]

Writes N article files under OUT_DIR, spread over ~50 invented outlets (one folder each; HTML
outlets are sharded further by year/month, so no folder holds more than a few hundred files):

- HTML pages (most of them) in six template families: modern JSON-LD + OpenGraph, JSON-LD only,
  WordPress with meta tags only, Bootstrap with the date only in the canonical URL, microdata,
  and a legacy windows-1252 table layout. Each family has its own navigation, cookie banner,
  share bar, ad slots, newsletter box, related-story list and footer. A `--gz-share` of the HTML
  pages are gzip-compressed (`.html.gz`).
- Plain-text files (`--text-share`) in four shapes taken from ../../shared/seeds: a
  ` date YYYY-MM-DD By X` header line, scraper output with captions/share lines/"You might
  also like", title + byline + "Published" line + dateline + "Read more:", and agency datelines
  with a sign-off.
- Bodies are 300-900 words of sentences from a small grammar over a large word bank. Names,
  places and numbers are random, so unrelated articles share almost no word 5-grams.
- About `--near-dup-share` of the files are near-duplicates: an earlier article regenerated
  and then given one to three small edits (sentence swapped, removed or added, a number
  changed, new headline), in a different outlet's template.

The output is deterministic for a given seed. Each article is a pure function of (seed,
index), so a near-duplicate regenerates its source instead of keeping it, and memory stays
flat for any N. Everything is written as it is made. `--manifest FILE` writes one JSON line
per near-duplicate (`path`, `duplicate_of`, `edits`). Keep FILE outside OUT_DIR, or it gets
ingested too. A summary line goes to stdout at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import sys
import time
from html import escape
from pathlib import Path

# ----------------------------------------------------------------------------- word bank

FIRST = (
    "Aaliyah Abebe Ada Adrian Agnes Aidan Aiko Alejandro Alba Ali Alma Amara Anders Andrea Anika Anton Ariana "
    "Arjun Astrid Aurelio Ayesha Bart Beatriz Bella Benedikt Bianca Björn Bruno Callum Camila Carmen Caspar "
    "Cecilia Chidi Chiara Clara Colm Conor Dagny Dalia Damian Dara Darius Delphine Dmitri Dolores Eamon Ebba "
    "Edgar Eero Eilidh Elif Elena Elias Emeka Emil Emma Enzo Esme Esther Ewan Fatima Felix Fenna Fiona "
    "Florian Freya Gabriel Gemma Gideon Greta Gunnar Hana Hamza Hannah Harald Hector Helga Hugo Ibrahim Ida "
    "Idris Ilse Imogen Ines Ingrid Isak Ivan Jana Jasper Javier Jonas Joaquim Jorge Josefine Julia Kai "
    "Kalani Karim Katarina Keira Kenji Kofi Lars Laila Leandro Lena Leon Liam Lina Lorenzo Lucia Luka Maeve "
    "Magnus Mai Malik Marisol Marta Mateo Matilde Mei Milan Mira Moritz Nadia Naledi Nathan Nia Niamh Nico "
    "Nils Noor Oisin Olga Omar Oskar Paloma Patrick Petra Priya Rafael Ravi Rhiannon Rosa Ruth Saanvi Samir "
    "Sander Santiago Selin Sienna Sigrid Simone Sofia Soren Stellan Sunita Tamsin Teodor Thea Tobias Tomas "
    "Ulla Valentina Vera Viktor Wanjiru Wiebke Xavier Yara Yusuf Zainab Zofia"
).split()
SUR_A = (
    "Abern Ash Bal Bell Berg Black Brad Brann Cal Carr Castel Cort Dal Dun Eck Ell Fair Fen Fitz Gall Garr "
    "Hal Hart Hend Holl Ing Iver Jess Kell Kemp Kirk Lang Lind Lov Mack Mar Mont Morr Nash Norr Oak Ost Pell "
    "Pend Quill Rad Rav Ross Sand Sel Shaw Sten Strom Tall Thorn Trev Ull Vand Vell Wald Wes Whit Wick Yard "
    "Zell Ferr Lob Quar Solh Aas Mwan Ochi Ferreira Okon Nakam Tanab Rostov Kowal Novak Horv Petr Marq"
).split()
SUR_B = (
    "ard berg bury by dale den ford gate ham holm ington ley low man mann more ney quist rick ridge sen "
    "shaw son stad strom ton ville wood worth ez elli etti ini ova ski ak ura aki enko ovic eira ansen ard"
).split()
TOWN_A = (
    "Ash Bar Bel Birch Black Bram Brook Cal Carn Clay Cold Crane Dun East Elm Fair Fern Glen Gold Gran Green "
    "Hazel Heath High Holt Ivy Kel Kings Lark Lin Long Marsh Mill Moor New North Oak Pen Port Quarry Red "
    "Ridge Rock Rose Salt Sand Shel Silver Stan Stone Sutter Tam Thorn Tide Tor Wal West Whit Willow Wren"
).split()
TOWN_B = (
    "bridge brook bury by combe dale don field ford gate haven hill holme ley marsh mere minster mouth ness "
    "port stead stoke thorpe ton vale wick wood worth"
).split()
COUNTRIES_CITIES = (
    "LISBON OSLO NAIROBI VALPARAISO BERGEN ROTTERDAM GDANSK PORTO ACCRA MOMBASA HALIFAX AUCKLAND TALLINN "
    "VALENCIA GENOA ANTWERP CORK REYKJAVIK TROMSO DURBAN MONTEVIDEO HOBART SPLIT THESSALONIKI"
).split()
AGENCIES = ["Meridian Wire", "Northstar Press", "Continental News Service", "Pacific Wire Agency", "Atlas News"]
AGENCY_SHORT = {"Meridian Wire": "Meridian", "Northstar Press": "NSP", "Continental News Service": "CNS",
                "Pacific Wire Agency": "PWA", "Atlas News": "Atlas"}

TOPICS: dict[str, dict[str, list[str]]] = {
    "politics": dict(
        noun="council parliament committee coalition ministry election referendum budget bill amendment ballot "
        "constituency opposition cabinet inquiry ombudsman treaty delegation assembly senate tribunal mandate "
        "policy manifesto levy subsidy watchdog regulator commission consultation petition charter".split(),
        org="District Council|Regional Assembly|Audit Office|Electoral Commission|Planning Committee|Finance Ministry|"
        "Ombudsman's Office|Chamber of Deputies|Transport Committee|Housing Board".split("|"),
        role="councillor|minister|deputy mayor|party spokesperson|committee chair|opposition leader|senior official|"
        "policy adviser|returning officer".split("|")),
    "business": dict(
        noun="company shareholders profit revenue factory merger contract supplier retailer exports tariff investors "
        "dividend warehouse startup lender bond inflation payroll subsidiary franchise turnover margin pension "
        "fund takeover refinery brewery shipyard cannery bakery mill".split(),
        org="Holdings|Group|Foods|Logistics|Shipping|Engineering|Textiles|Capital|Brewing Co|Packaging|Mutual|"
        "Cooperative|Freight|Timber|Ceramics".split("|"),
        role="chief executive|finance director|managing director|analyst|union organiser|founder|chair|"
        "head of operations|senior economist|plant manager".split("|")),
    "science": dict(
        noun="researchers study telescope laboratory samples species gene vaccine sensor satellite glacier sediment "
        "experiment dataset particle coral fossil enzyme algorithm microbe isotope reef aquifer seabed moth orchid "
        "bacteria protein observatory comet".split(),
        org="Institute of Marine Science|Field Studies Centre|Polar Research Unit|Observatory|Botanical Garden|"
        "Geological Survey|School of Medicine|Space Research Centre|Soil Laboratory".split("|"),
        role="professor|lead author|research fellow|doctoral student|principal investigator|geologist|oceanographer|"
        "ecologist|astronomer|microbiologist".split("|")),
    "local": dict(
        noun="residents street library park bridge bus_route school playground roadworks parking pool market festival "
        "allotments footpath community_centre bakery pub post_office pier town_hall cemetery skatepark bandstand "
        "lido car_park".split(),
        org="Residents' Association|Town Council|Civic Society|Lions Club|Parish Council|Chamber of Trade|"
        "Allotment Society|Heritage Trust|Rotary Club|Youth Club".split("|"),
        role="resident|shop owner|volunteer|parish clerk|headteacher|councillor|organiser|caretaker|chair".split("|")),
    "health": dict(
        noun="hospital clinic patients nurses waiting_list ward surgeons screening outbreak ambulance pharmacy "
        "vaccination trial midwives dentist physiotherapy hospice paramedics diagnosis prescription".split(),
        org="Health Board|General Hospital|Ambulance Service|Medical Association|Public Health Agency|"
        "Nursing Union|Patients' Forum|Children's Hospital".split("|"),
        role="consultant|chief nurse|medical director|paramedic|patient|GP|health economist|hospital manager".split("|")),
    "environment": dict(
        noun="river wetland emissions wind_farm flood_defences drought reservoir wildfire coastline recycling "
        "air_quality forest pollinators estuary dunes heathland peat_bog hedgerows salmon_run solar_park tidal_barrage "
        "landfill".split(),
        org="Rivers Trust|Wildlife Trust|Water Authority|Environment Agency|Forestry Commission|Climate Panel|"
        "Coastal Partnership|Energy Cooperative".split("|"),
        role="ecologist|campaigner|hydrologist|ranger|farmer|water engineer|conservation officer|fisherman".split("|")),
    "transport": dict(
        noun="railway tram_line airport ferry timetable motorway cycle_lane fares depot signalling freight port "
        "bypass tunnel bus_station level_crossing runway harbour viaduct junction".split(),
        org="Rail Partnership|Transport Authority|Port Authority|Airport Company|Ferry Company|Highways Agency|"
        "Cycling Forum|Passenger Council".split("|"),
        role="transport director|station manager|commuter|driver|engineer|passenger group spokesperson|"
        "harbourmaster|pilot".split("|")),
    "sports": dict(
        noun="club stadium season coach striker tournament league championship fixtures supporters marathon regatta "
        "goalkeeper relay squad academy velodrome clubhouse pitch derby".split(),
        org="Rovers|Athletic|United|Rowing Club|Harriers|Cricket Club|Rugby Club|Sailing Club|Netball Club".split("|"),
        role="manager|captain|head coach|club secretary|midfielder|chairman|physio|referee".split("|")),
    "culture": dict(
        noun="museum festival exhibition orchestra theatre novel gallery film archive choir premiere manuscript "
        "sculpture mural opera poetry_prize bookshop cinema concert_hall folk_festival".split(),
        org="Arts Centre|Museum Trust|Philharmonic|Players|Film Society|Literary Festival|Heritage Centre|"
        "Choral Society".split("|"),
        role="curator|artistic director|author|conductor|festival director|archivist|painter|producer".split("|")),
    "tech": dict(
        noun="software data_centre broadband chip platform app cyber_attack servers fibre_network robots users "
        "outage update database sensor_network drone startup smart_meter".split(),
        org="Networks|Systems|Robotics|Software|Data Services|Telecom|Cloud|Analytics".split("|"),
        role="chief technology officer|security researcher|engineer|product manager|developer|founder|"
        "analyst".split("|")),
}
for _t in TOPICS.values():
    _t["noun"] = [x.replace("_", " ") for x in _t["noun"]]
TOPIC_NAMES = list(TOPICS)
ADJ = (
    "new former planned proposed controversial long-awaited delayed major small regional national local rural "
    "coastal historic modern temporary permanent independent public private annual quarterly ambitious modest "
    "costly cheaper faster safer cleaner busier quieter overdue popular unpopular vital fragile sprawling "
    "crumbling refurbished expanded reduced experimental joint cross-border seasonal emergency interim "
    "stricter looser widening shrinking record-breaking unexpected disputed urgent gradual sharp steep"
).split()
VERB_PAST = (
    "approved rejected delayed postponed launched unveiled confirmed criticised welcomed proposed reduced "
    "increased doubled halved expanded closed reopened suspended funded recorded measured estimated agreed "
    "signed blocked challenged reviewed published scrapped revived extended shortened redesigned inspected "
    "tested surveyed upgraded relocated restored defended questioned backed cancelled"
).split()
VERB_INF = (
    "build expand close review replace repair fund hire reduce raise cut extend protect monitor upgrade "
    "relocate restore test survey compensate publish reconsider delay accelerate share finance redesign "
    "consult inspect double simplify"
).split()
VERB_PRES = "support oppose expect welcome fear understand accept question need want".split()
SAYS = "said|told reporters|said in a statement|told a public meeting|said on social media|wrote in a letter to members".split("|")
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = "January February March April May June July August September October November December".split()
MON_ABBR = "Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec.".split()
UNITS = "per cent|kilometres|tonnes|households|jobs|visitors|homes|hectares|passengers|patients|pupils|million euros|million pounds|million dollars".split("|")
TIMEFRAMES = "last year|this year|since 2019|over the past decade|in the first quarter|since the spring|over five years|by the end of the decade|in the past month|since records began".split("|")
CONNECT = "However,|Meanwhile,|At the same time,|Earlier,|In a separate development,|By contrast,|Critics say|Supporters argue|Officials added that|Figures show that".split("|")
MODALS = "will|would|could|should|might|must".split("|")
HEAD_VERBS = "approves|rejects|delays|backs|scraps|unveils|plans|warns over|fights|reopens|closes|expands|cuts|funds|probes|wins|loses|faces|defends|doubles".split("|")


def an(word: str) -> str:
    return ("An " if word[0] in "aeiou" else "A ") + word


class Writer:
    """Fast word-level generation on one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.c = rng.choice
        self.r = rng.random
        self.i = rng.randint

    def person(self) -> str:
        c = self.c
        return f"{c(FIRST)} {c(SUR_A)}{c(SUR_B)}" + (f"-{c(SUR_A)}{c(SUR_B)}" if self.r() < 0.08 else "")

    def town(self) -> str:
        return self.c(TOWN_A) + self.c(TOWN_B)

    def org(self, t: dict) -> str:
        c = self.c
        base = f"{c(SUR_A)}{c(SUR_B)}" if self.r() < 0.4 else self.town()
        return f"{base} {c(t['org'])}"

    def number(self) -> str:
        r = self.r()
        if r < 0.3:
            return str(self.i(2, 99))
        if r < 0.6:
            return f"{self.i(100, 999)}"
        if r < 0.85:
            return f"{self.i(1, 99)},{self.i(0, 999):03d}"
        return f"{self.i(1, 9)}.{self.i(1, 9)}"

    def np(self, t: dict) -> str:
        c, r = self.c, self.r()
        if r < 0.35:
            return f"the {c(ADJ)} {c(t['noun'])}"
        if r < 0.55:
            return f"the {c(t['noun'])} at {self.town()}"
        if r < 0.75:
            return f"{self.number()} {c(UNITS)}"
        if r < 0.9:
            return f"{an(c(ADJ)).lower()} {c(t['noun'])} near {self.town()}"
        return f"the {c(t['noun'])} and the {c(t['noun'])}"

    def quote(self, t: dict) -> str:
        c, r = self.c, self.r()
        if r < 0.33:
            return f"We {c(VERB_PRES)} {self.np(t)}, but nobody has explained how {self.np(t)} {c(MODALS)} {c(VERB_INF)} it"
        if r < 0.66:
            return f"This is about {self.np(t)}. If we {c(VERB_INF)} {self.np(t)} now, we {c(MODALS)} not have to {c(VERB_INF)} it later"
        return f"People in {self.town()} have waited {self.i(2, 30)} years for {self.np(t)}, and they are tired of waiting"

    def sentence(self, t: dict) -> str:
        c, r = self.c, self.r()
        if r < 0.16:
            s = f"{self.org(t)} {c(VERB_PAST)} {self.np(t)} on {c(DAYS)}, {self.person()}, its {c(t['role'])}, {c(SAYS)}."
        elif r < 0.30:
            s = f"\u201c{self.quote(t)},\u201d said {self.person()}, a {c(t['role'])} in {self.town()}."
        elif r < 0.42:
            s = f"The {c(ADJ)} {c(t['noun'])} {c(VERB_PAST)} {self.number()} {c(UNITS)} {c(TIMEFRAMES)}, according to {self.org(t)}."
        elif r < 0.53:
            s = f"{c(CONNECT)} {self.np(t)} {c(MODALS)} {c(VERB_INF)} {self.np(t)} before {c(MONTHS)} {self.i(2024, 2031)}."
        elif r < 0.63:
            s = f"{self.person()}, who {c(['founded', 'joined', 'took over', 'first chaired', 'began working for'])} {self.org(t)} in {self.i(1975, 2022)}, described {self.np(t)} as {c(ADJ)}."
        elif r < 0.73:
            s = f"About {self.number()} {c(UNITS)} {c(['are', 'were', 'could be', 'will be'])} affected, and {self.np(t)} {c(['has', 'had'])} already been {c(VERB_PAST)}."
        elif r < 0.82:
            s = f"Under the plan, {self.org(t)} {c(MODALS)} {c(VERB_INF)} {self.np(t)} and {c(VERB_INF)} {self.np(t)} in {self.town()}."
        elif r < 0.90:
            s = f"{an(c(ADJ))} report by {self.org(t)} found that {self.np(t)} {c(VERB_PAST)} {self.np(t)} {c(TIMEFRAMES)}."
        else:
            s = f"{c(['Residents', 'Campaigners', 'Officials', 'Investors', 'Staff', 'Opponents'])} in {self.town()} {c(VERB_PAST)} {self.np(t)} at a meeting on {c(DAYS)} evening."
        return s[0].upper() + s[1:]

    def headline(self, t: dict) -> str:
        c, r = self.c, self.r()
        if r < 0.4:
            h = f"{self.town()} {c(t['noun'])} {c(HEAD_VERBS)} {c(ADJ)} {c(t['noun'])} plan"
        elif r < 0.7:
            h = f"{self.org(t)} {c(HEAD_VERBS)} {c(t['noun'])} after {c(ADJ)} {c(t['noun'])} row"
        else:
            h = f"{self.i(2, 900)} {c(UNITS)} at stake as {self.town()} {c(t['noun'])} {c(HEAD_VERBS)} {c(ADJ)} {c(t['noun'])}"
        return h[0].upper() + h[1:]


# ----------------------------------------------------------------------------- articles


class Article:
    __slots__ = ("k", "topic", "title", "date", "authors", "agency", "paras", "slug", "city", "standfirst", "related")


def slugify(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(p for p in out.split("-") if p)[:70]


START = dt.date(2022, 1, 1).toordinal()
SPAN = dt.date(2024, 12, 31).toordinal() - START


def make_article(seed: int, k: int) -> Article:
    """Article k of the corpus: a pure function of (seed, k)."""
    rng = random.Random(f"{seed}:article:{k}")
    w = Writer(rng)
    a = Article()
    a.k = k
    a.topic = rng.choice(TOPIC_NAMES)
    t = TOPICS[a.topic]
    a.title = w.headline(t)
    a.standfirst = w.sentence(t)
    a.date = dt.date.fromordinal(START + rng.randrange(SPAN))
    r = rng.random()
    a.agency = rng.choice(AGENCIES) if r < 0.15 else None
    a.authors = [] if a.agency or r > 0.93 else [w.person() for _ in range(1 if rng.random() < 0.8 else 2)]
    a.city = rng.choice(COUNTRIES_CITIES)
    target = rng.randint(300, 900)
    paras, words = [], 0
    while words < target:
        para = [w.sentence(t) for _ in range(rng.randint(1, 3))]
        words += sum(s.count(" ") + 1 for s in para)
        paras.append(para)
    a.paras = paras
    a.slug = slugify(a.title)
    a.related = [w.headline(TOPICS[rng.choice(TOPIC_NAMES)]) for _ in range(rng.randint(3, 5))]
    return a


def near_copy(a: Article, rng: random.Random) -> list[str]:
    """Edit article a in place with 1-3 small edits; return what was done."""
    w = Writer(rng)
    t = TOPICS[a.topic]
    edits = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("swap", "remove", "add", "number", "headline"))
        pi = rng.randrange(len(a.paras))
        para = a.paras[pi]
        if kind == "swap" and len(para) > 1:  # two neighbouring sentences change places
            si = rng.randrange(len(para) - 1)
            para[si], para[si + 1] = para[si + 1], para[si]
        elif kind == "swap" and len(a.paras) > 1:  # or two neighbouring paragraphs
            pj = pi + 1 if pi + 1 < len(a.paras) else pi - 1
            a.paras[pi], a.paras[pj] = a.paras[pj], a.paras[pi]
        elif kind == "remove" and len(para) > 1:
            del para[rng.randrange(len(para))]
        elif kind == "remove" and len(a.paras) > 3:
            del a.paras[pi]
        elif kind == "add":
            para.insert(rng.randrange(len(para) + 1), w.sentence(t))
        elif kind == "number":
            si = rng.randrange(len(para))
            words = para[si].split(" ")
            nums = [i for i, x in enumerate(words) if x[:1].isdigit()]
            if nums:
                words[rng.choice(nums)] = str(rng.randint(2, 999))
                para[si] = " ".join(words)
            else:
                continue
        elif kind == "headline":
            a.title = w.headline(t)
        else:
            continue
        edits.append(kind)
    if rng.random() < 0.5:  # copies often land a day later
        a.date = a.date + dt.timedelta(days=1)
    return edits or ["none"]


# ----------------------------------------------------------------------------- outlets and templates

PAPER_WORDS = (
    "Courier Post Herald Tribune Gazette Chronicle Times Observer Ledger Examiner Star Sentinel Record Express "
    "Journal Advertiser Mercury Echo Bulletin Dispatch Standard Argus Register Review Messenger Clarion"
).split()
HTML_FAMILIES = ("modern", "jsonld_only", "wordpress", "bootstrap", "microdata", "legacy")
TEXT_SHAPES = ("header", "scraper", "byline", "agency")


class Outlet:
    __slots__ = ("name", "slug", "host", "kind", "family", "nav", "tagline", "owner")


def make_outlets(seed: int, count: int, text_share: float) -> list[Outlet]:
    rng = random.Random(f"{seed}:outlets")
    w = Writer(rng)
    n_text = 0 if text_share <= 0 else count if text_share >= 1 else min(count - 1, max(1, round(count * text_share)))
    names: set[str] = set()
    outlets = []
    for i in range(count):
        while True:
            name = rng.choice(["The ", ""]) + f"{w.town()} {rng.choice(PAPER_WORDS)}"
            if name not in names:
                names.add(name)
                break
        o = Outlet()
        o.name = name
        o.slug = slugify(name.removeprefix("The "))
        o.host = f"https://www.{o.slug.replace('-', '')}.example"
        o.kind = "text" if i < n_text else "html"
        o.family = TEXT_SHAPES[i % len(TEXT_SHAPES)] if o.kind == "text" else HTML_FAMILIES[i % len(HTML_FAMILIES)]
        o.nav = rng.sample(["News", "Local", "World", "Business", "Science", "Sport", "Opinion", "Culture", "Property",
                            "Motors", "Jobs", "Travel", "Food", "Obituaries", "Puzzles", "Weather", "Video", "Podcasts"], 9)
        o.tagline = f"News for {w.town()} and {w.town()} since {rng.randint(1850, 2005)}"
        o.owner = f"{w.town()} Media Ltd"
        outlets.append(o)
    return outlets


def e(s: str) -> str:
    return escape(s, quote=True)


def byline_text(a: Article) -> str:
    if a.agency:
        return a.agency
    if not a.authors:
        return "Staff"
    return " and ".join(a.authors)


def body_paras(a: Article, dateline: bool) -> list[str]:
    paras = [" ".join(p) for p in a.paras]
    if dateline and a.agency:
        paras[0] = f"{a.city}, {MONTHS[a.date.month - 1]} {a.date.day} ({AGENCY_SHORT[a.agency]}) - {paras[0]}"
    return paras


def jsonld(obj: dict) -> str:
    return '<script type="application/ld+json">' + json.dumps(obj, ensure_ascii=False) + "</script>"


def ld_author(a: Article):
    if a.agency:
        return {"@type": "Organization", "name": a.agency}
    if not a.authors:
        return {"@type": "Organization", "name": "Staff"}
    people = [{"@type": "Person", "name": n} for n in a.authors]
    return people[0] if len(people) == 1 else people


def nav_html(o: Outlet, tag: str = "nav", cls: str = "main-nav") -> str:
    items = "".join(f'<li><a href="/{x.lower()}/">{x}</a></li>' for x in o.nav)
    return f'<{tag} class="{cls}"><ul>{items}</ul></{tag}>'


def related_html(o: Outlet, a: Article, cls: str, heading: str) -> str:
    items = "".join(f'<li><a href="/{slugify(h)}">{e(h)}</a></li>' for h in a.related)
    return f'<section class="{cls}"><h2>{heading}</h2><ul>{items}</ul></section>'


COOKIE = ('<div class="cookie-banner" role="dialog"><p>We and our partners use cookies to personalise content and ads, '
          'provide social media features and analyse our traffic. You can change your choices at any time.</p>'
          '<button>Accept all</button> <button>Manage preferences</button></div>')
SHARE = ('<div class="share-bar"><span>Share</span> <a class="share-fb" href="#">Facebook</a> <a class="share-x" href="#">X</a> '
         '<a class="share-wa" href="#">WhatsApp</a> <a class="share-mail" href="#">Email</a> <button>Copy link</button></div>')
AD = '<div class="ad-slot" aria-hidden="true"><span class="ad-label">Advertisement</span></div>'


def newsletter(o: Outlet) -> str:
    return (f'<aside class="newsletter-signup"><h3>Get the {e(o.name)} briefing</h3><p>The day\'s top stories, free in your inbox every morning.</p>'
            '<form><input type="email" placeholder="Email address"><button>Sign up</button></form></aside>')


def footer(o: Outlet) -> str:
    return (f'<footer class="site-footer"><ul><li><a href="/about/">About us</a></li><li><a href="/contact/">Contact</a></li>'
            f'<li><a href="/privacy/">Privacy</a></li><li><a href="/terms/">Terms</a></li><li><a href="/advertise/">Advertise</a></li></ul>'
            f'<p>&copy; {o.owner}. All rights reserved.</p></footer>')


def paras_with_inserts(o: Outlet, paras: list[str], tag: str = "p") -> str:
    out = []
    for i, p in enumerate(paras):
        out.append(f"<{tag}>{e(p)}</{tag}>")
        if i == 2:
            out.append(AD)
        if i == 5:
            out.append(newsletter(o))
    return "\n".join(out)


def render_html(o: Outlet, a: Article) -> tuple[str, str]:
    """Return (html, encoding) for article a in outlet o's template family."""
    d = a.date
    iso = f"{d.isoformat()}T{(a.k * 7) % 24:02d}:{(a.k * 13) % 60:02d}:00+00:00"
    url = f"{o.host}/{a.topic}/{d:%Y/%m/%d}/{a.slug}-{a.k}"
    title = e(a.title)
    by = e(byline_text(a))
    paras = body_paras(a, dateline=True)
    f = o.family
    if f == "modern":
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title, "datePublished": iso,
              "author": ld_author(a), "publisher": {"@type": "NewsMediaOrganization", "name": o.name},
              "mainEntityOfPage": url, "articleSection": a.topic.title()}
        return (f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {e(o.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="canonical" href="{url}">
<meta property="og:type" content="article"><meta property="og:title" content="{title}"><meta property="og:site_name" content="{e(o.name)}">
<meta property="og:url" content="{url}"><meta property="article:published_time" content="{iso}">
{jsonld(ld)}</head><body>{COOKIE}<header class="site-header"><a class="logo" href="/">{e(o.name)}</a><span class="tagline">{e(o.tagline)}</span>{nav_html(o)}</header>
{AD}<main><article class="story"><h1>{title}</h1><p class="standfirst">{e(a.standfirst)}</p>
<div class="story-meta"><span class="byline">By {by}</span> <time datetime="{iso}">{d.day} {MONTHS[d.month - 1]} {d.year}</time></div>{SHARE}
<div class="story-body">
{paras_with_inserts(o, paras)}
</div>{SHARE}{related_html(o, a, "related-stories", "Related stories")}</article>
<aside class="sidebar"><h2>Most read</h2><ol>{''.join(f'<li><a href="/x/{i}">{e(h)}</a></li>' for i, h in enumerate(a.related[::-1]))}</ol>{AD}</aside></main>{footer(o)}</body></html>
""", "utf-8")
    if f == "jsonld_only":
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title, "datePublished": iso,
              "author": ld_author(a), "publisher": {"@type": "Organization", "name": o.name}, "url": url}
        return (f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} - {e(o.name)}</title>{jsonld(ld)}</head>
<body><div class="wrapper"><div class="topbar"><a href="/subscribe">Subscribe</a> <a href="/login">Log in</a></div>
<header><a class="logo" href="/">{e(o.name)}</a>{nav_html(o, "nav", "menu")}</header>
<div class="consent"><p>{e(o.name)} and our partners store and access information on your device. <a href="/privacy">Privacy notice</a></p><button>I agree</button></div>
<div class="page"><div class="main"><h1 class="title">{title}</h1><div class="meta"><span class="byline">Words: {by}</span> <span class="date">{d:%d %b %Y}</span><button>Listen to this article</button></div>
<ul class="social"><li><a href="#">Facebook</a></li><li><a href="#">X</a></li><li><a href="#">LinkedIn</a></li></ul>
<div class="article-body">
{paras_with_inserts(o, paras)}
</div><div class="comments"><h3>Comments</h3><p>Log in or register to join the conversation.</p></div></div>
<div class="rail">{related_html(o, a, "popular", "Most popular")}{AD}</div></div>{footer(o)}</div></body></html>
""", "utf-8")
    if f == "wordpress":
        return (f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8"><title>{title} &#8211; {e(o.name)}</title>
<meta name="author" content="{by}"><link rel="canonical" href="{url}/"><meta property="og:type" content="article">
<meta property="og:title" content="{title}"><meta property="og:url" content="{url}/"><meta property="og:site_name" content="{e(o.name)}">
<meta property="article:published_time" content="{iso}"></head>
<body class="single single-post"><div id="page" class="site"><header id="masthead" class="site-header"><p class="site-title"><a href="/">{e(o.name)}</a></p>
<p class="site-description">{e(o.tagline)}</p>{nav_html(o, "nav", "main-navigation")}</header>
<div id="content" class="site-content"><main id="main" class="site-main"><article class="post type-post hentry">
<header class="entry-header"><h1 class="entry-title">{title}</h1><div class="entry-meta"><span class="byline">By <span class="author vcard">{by}</span></span>
<time class="entry-date published" datetime="{iso}">{MONTHS[d.month - 1]} {d.day}, {d.year}</time></div></header>
<div class="entry-content">
{paras_with_inserts(o, paras)}
<div class="sharedaddy"><h3 class="sd-title">Share this:</h3><ul><li><a href="#">Facebook</a></li><li><a href="#">X</a></li><li><a href="#">Email</a></li></ul></div>
<div id="jp-relatedposts"><h3>Related</h3>{''.join(f'<p><a href="/{slugify(h)}/">{e(h)}</a></p>' for h in a.related)}</div></div></article>
<div id="comments"><h3>Leave a Reply</h3><form><textarea></textarea><input type="submit" value="Post Comment"></form></div></main>
<aside id="secondary" class="widget-area"><section class="widget"><h2>Recent Posts</h2><ul>{''.join(f'<li><a href="#">{e(h)}</a></li>' for h in a.related[:3])}</ul></section>
<section class="widget"><p>ADVERTISEMENT</p></section></aside></div>{footer(o)}</div>
<div id="cookie-notice"><span>We use cookies to ensure that we give you the best experience on our website.</span><a href="#">Ok</a></div></body></html>
""", "utf-8")
    if f == "bootstrap":
        curl = f"{o.host}/{d:%Y/%m/%d}/{a.slug}-{a.k}/"
        return (f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {e(o.name)}</title>
<link rel="canonical" href="{curl}"><meta property="og:title" content="{title}"><meta property="og:site_name" content="{e(o.name)}"><meta property="og:url" content="{curl}">
</head><body><nav class="navbar navbar-default"><div class="container"><a class="navbar-brand" href="/">{e(o.name)}</a>{nav_html(o, "div", "nav navbar-nav")}</div></nav>
<div class="alert cookie-alert">This site uses cookies. By continuing to browse you agree to our use of cookies.</div>
<div class="container"><div class="row"><div class="col-md-8"><div class="article"><h1 class="headline">{title}</h1>
<p class="byline">By <strong>{by}</strong></p><div class="social-share"><a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">Print</a></div>
{paras_with_inserts(o, paras)}
</div><div class="tip-line"><em>Have a news tip? Email newsroom@{o.slug}.example</em></div>{related_html(o, a, "more-stories", "More stories")}</div>
<div class="col-md-4 sidebar">{AD}<div class="panel">Weather: {(a.k % 25) + 1}&deg;C</div>{AD}</div></div></div>{footer(o)}</body></html>
""", "utf-8")
    if f == "microdata":
        people = "".join(f'<span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">{e(n)}</span></span> '
                         for n in a.authors) or f'<span class="credit">{by}</span>'
        return (f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} :: {e(o.name)}</title>
<meta property="og:site_name" content="{e(o.name)}"><link rel="canonical" href="{url}"></head>
<body>{COOKIE}<div class="masthead"><a href="/">{e(o.name)}</a></div>{nav_html(o)}
<main><article itemscope itemtype="https://schema.org/NewsArticle"><h1 itemprop="headline">{title}</h1>
<div class="meta">{people}<time itemprop="datePublished" datetime="{d.isoformat()}">{d:%d.%m.%Y}</time></div>{SHARE}
<div itemprop="articleBody">
{paras_with_inserts(o, paras)}
</div>{related_html(o, a, "read-next", "Read next")}</article></main>{footer(o)}</body></html>
""", "utf-8")
    # legacy: windows-1252 table layout; the date is only in visible text
    return (f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><html><head><meta charset="windows-1252">
<title>{title} - {e(o.name)}</title></head><body bgcolor="#f5f1e6"><table width="100%" border="0">
<tr><td colspan="3"><img src="/images/masthead.gif" alt="{e(o.name)}"></td></tr>
<tr><td colspan="3" class="menubar">{' | '.join(f'<a href="/{x.lower()}.html">{x}</a>' for x in o.nav)}</td></tr>
<tr><td width="160" valign="top"><b>Sections</b><br>{'<br>'.join(o.nav[:5])}<br><font size="1">ADVERTISEMENT</font></td>
<td width="440" valign="top"><div id="story"><h1>{title}</h1><font size="2">Posted: {DAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year} | By {by}</font>
{''.join(f'<p class="storytext">{e(p)}</p>' for p in paras)}
</div><p><a href="#">Printer-friendly version</a> <a href="#">Email this story</a></p></td>
<td width="160" valign="top"><b>Latest headlines</b><br>{'<br>'.join('&raquo; ' + e(h) for h in a.related)}</td></tr>
<tr><td colspan="3" align="center"><font size="1">&copy; {e(o.owner)}. All rights reserved.</font></td></tr></table></body></html>
""", "cp1252")


def render_text(o: Outlet, a: Article) -> str:
    f = o.family
    d = a.date
    if f == "header":  # seed 000/004 shape
        paras = body_paras(a, dateline=True)
        return f" date {d.isoformat()} By {byline_text(a) if a.agency or a.authors else o.name}\n\n" + "\n\n".join(paras) + "\n"
    if f == "scraper":  # seed 001 shape
        paras = body_paras(a, dateline=False)
        cap = f"FILE - {a.standfirst}"
        head = [a.title, "", cap, f"{cap} Copyright {o.name}. All rights reserved.", f"Copyright {o.name}. All rights reserved.",
                f"By {o.name}" + (f" with {AGENCY_SHORT[a.agency]}" if a.agency else ""),
                "Share this articleComments", "Share this articleClose Button", ""]
        body = []
        for i, p in enumerate(paras):
            body += [p, ""]
            if i in (0, 4):
                body += ["ADVERTISEMENT", ""]
        tail = ["Share this articleComments", "", "You might also like", ""] + [x for h in a.related[:3] for x in (h, "")]
        return "\n".join(head + body + tail)
    if f == "byline":  # title, By, Published, CITY - dateline, Read more
        paras = body_paras(a, dateline=False)
        paras[0] = f"{a.city} - {paras[0]}"
        out = [a.title, "", f"By {byline_text(a)}", f"Published {d.day} {MONTHS[d.month - 1]} {d.year}", ""]
        for i, p in enumerate(paras):
            out += [p, ""]
            if i == 2 and a.related:
                out += [f"Read more: {a.related[0]}", ""]
        out += [f"\u00a9 {o.name}. Subscribe at {o.slug}.example/subscribe", ""]
        return "\n".join(out)
    # agency: seed 003 shape
    paras = body_paras(a, dateline=False)
    ag = AGENCY_SHORT[a.agency] if a.agency else o.slug.split("-")[0].upper()[:4]
    paras[0] = f"{a.city.title()}, {MON_ABBR[d.month - 1]} {d.day}, ({ag}) \u2013 {paras[0]}"
    return "\n\n".join(paras) + f"\n\n{ag}\n\n"


# ----------------------------------------------------------------------------- driver


def is_near_dup(seed: int, i: int, share: float) -> bool:
    if i == 0 or share <= 0:
        return False
    return random.Random(f"{seed}:dup:{i}").random() < share


def plan(seed: int, i: int, outlets: list[Outlet], by_kind: dict, text_share: float, gz_share: float) -> tuple[Outlet, bool]:
    """Outlet and gzip choice of file i (pure function of seed, i)."""
    rng = random.Random(f"{seed}:plan:{i}")
    kind = "text" if rng.random() < text_share and by_kind["text"] else "html"
    if not by_kind[kind]:
        kind = "text" if kind == "html" else "html"
    o = rng.choice(by_kind[kind])
    return o, (kind == "html" and rng.random() < gz_share)


def rel_path(o: Outlet, a: Article, i: int, gz: bool) -> str:
    if o.kind == "text":
        return f"{o.slug}/{a.date.isoformat()}-{a.slug[:50]}-{i}.txt"
    return f"{o.slug}/{a.date:%Y}/{a.date:%m}/{a.slug[:60]}-{i}.html" + (".gz" if gz else "")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--n", type=int, default=10_000, help="number of files (default 10000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--near-dup-share", type=float, default=0.10, help="share of files that are near-duplicates")
    ap.add_argument("--text-share", type=float, default=0.2, help="share of files that are plain text")
    ap.add_argument("--gz-share", type=float, default=0.03, help="share of HTML files written gzip-compressed")
    ap.add_argument("--outlets", type=int, default=50)
    ap.add_argument("--manifest", type=Path, help="write near-duplicate pairs as JSON lines here (outside OUT_DIR)")
    args = ap.parse_args(argv)
    if args.manifest and args.out_dir.resolve() in args.manifest.resolve().parents:
        ap.error("--manifest must be outside OUT_DIR, or it would be ingested as an article")

    started = time.perf_counter()
    seed = args.seed
    outlets = make_outlets(seed, args.outlets, args.text_share)
    by_kind = {"html": [o for o in outlets if o.kind == "html"], "text": [o for o in outlets if o.kind == "text"]}
    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    made_dirs: set[Path] = set()
    manifest = args.manifest.open("w") if args.manifest else None
    n_bytes = n_html = n_gz = n_text = n_dup = 0

    def locate(i: int) -> tuple[Outlet, bool, Article, str]:
        o, gz = plan(seed, i, outlets, by_kind, args.text_share, args.gz_share)
        a = make_article(seed, i)
        return o, gz, a, rel_path(o, a, i, gz)

    for i in range(args.n):
        o, gz = plan(seed, i, outlets, by_kind, args.text_share, args.gz_share)
        edits = None
        if is_near_dup(seed, i, args.near_dup_share):
            rng = random.Random(f"{seed}:src:{i}")
            j = rng.randrange(i)
            while is_near_dup(seed, j, args.near_dup_share):  # copy an original, not a copy
                j = rng.randrange(i)
            src_o, _, a, src_path = locate(j)
            if src_o is o and len(by_kind[o.kind]) > 1:  # a different template from the source's
                o = by_kind[o.kind][(by_kind[o.kind].index(o) + 1) % len(by_kind[o.kind])]
            edits = near_copy(a, rng)
            a.k = i
        else:
            a = make_article(seed, i)
        path = out / rel_path(o, a, i, gz)
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        if o.kind == "text":
            data = render_text(o, a).encode("utf-8")
            n_text += 1
        else:
            html, enc = render_html(o, a)
            data = html.encode(enc, errors="xmlcharrefreplace")
            if gz:
                data = gzip.compress(data, compresslevel=6, mtime=0)
                n_gz += 1
            n_html += 1
        path.write_bytes(data)
        n_bytes += len(data)
        if edits is not None:
            n_dup += 1
            if manifest:
                manifest.write(json.dumps({"path": str(path.relative_to(out)), "duplicate_of": src_path, "edits": edits}) + "\n")
    if manifest:
        manifest.close()
    secs = time.perf_counter() - started
    print(
        f"wrote {args.n} files ({n_html} html of which {n_gz} gzip, {n_text} text) in {len(outlets)} outlets, "
        f"{n_bytes / 1e6:.1f} MB, near-dups planned {n_dup}, seed {seed}, {secs:.1f}s -> {out}"
    )


if __name__ == "__main__":
    sys.exit(main())
