"""A real HTTP news site on 127.0.0.1 for fetch and crawl tests (real parts, not mocks).

``Site`` serves invented articles, feeds, sitemaps and robots.txt, and a set of faults:
error statuses, Retry-After, slow headers, a trickled body, redirect chains and loops,
a redirect to a link-local address, oversized bodies, a gzip bomb and wrong content types.
Everything is stdlib only. All article text is our own invented writing.

    with Site() as site:
        httpx.get(site.url("/articles/1.html"))
        assert site.hits("/articles/1.html") == 1
"""

from __future__ import annotations

import dataclasses
import email.utils
import gzip
import hashlib
import io
import json
import math
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

from tests.hostile import billion_laughs, sitemap_index, sitemap_of

SITE_NAME = "The Kestrel Bay Courier"

HUGE_SIZE = 30 * 1024 * 1024  # bytes served by /huge.html and /huge-declared.html
HUGE_CHUNK = 64 * 1024
BOMB_SIZE = 200 * 1024 * 1024  # decompressed size of /bomb.html
TRICKLE_STEP = 0.2  # seconds between the small writes of /slow-body.html
REDIRECT_FAR_HOPS = 12
PRIVATE_REDIRECT_TARGET = "http://169.254.169.254/latest/meta-data/"
FILE_REDIRECT_TARGET = "file:///etc/passwd"
BIG_HEADER_SIZE = 10 * 1024 * 1024  # one response header line of /big-header.html (httpcore accepts 100 KiB)
SHORT_BODY_DECLARED = 5000  # the Content-Length /short-body.html declares; it sends far less
DRIP_STEP = 0.2  # seconds between the single bytes /drip.html sends, for as long as the client listens
MANY_PAGES = 620  # pages /sitemap-many.xml lists: more than the fetcher queues from one listing by default


# --------------------------------------------------------------------------------------------
# Content: invented local news from the fictional town of Kestrel Bay.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    title: str
    author: str
    section: str
    published: datetime
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _utc(y: int, mo: int, d: int, h: int = 8, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


ARTICLES: dict[str, Article] = {
    "1": Article(
        title="Harbour ferry to cut winter sailings as passenger numbers fall",
        author="Maria Okafor",
        section="Transport",
        published=_utc(2023, 11, 3, 7, 30),
        paragraphs=(
            "The ferry linking Kestrel Bay with the island village of Tollmouth will run only four "
            "return crossings a day from December, down from seven, after the operator reported its "
            "quietest autumn in more than a decade.",
            "Bayline Ferries said the number of foot passengers between September and October had "
            "dropped by almost a third compared with last year. Managing director Colin Ashdown blamed "
            "rising fuel bills and the closure of the Tollmouth holiday park, which used to bring "
            "steady weekday traffic across the estuary.",
            "Islanders who commute to jobs on the mainland say the new timetable leaves a gap of nearly "
            "four hours in the middle of the day. Nurse Hannah Price, who works shifts at the cottage "
            "hospital, said the last evening boat now leaves before her late shift ends.",
            "The parish council has asked Bayline to keep at least one extra sailing on Fridays and to "
            "publish passenger figures for each crossing so residents can judge whether the cuts are "
            "justified. A public meeting is planned in the Tollmouth chapel hall next Thursday.",
            "Bayline says the reduced service will be reviewed in March, ahead of the Easter season, "
            "and that the summer timetable of ten daily crossings is not affected.",
        ),
    ),
    "2": Article(
        title="Storm damage forces Westgate library to close for roof repairs",
        author="Tom Haskell",
        section="Community",
        published=_utc(2023, 11, 7, 9, 15),
        paragraphs=(
            "Westgate Library will stay shut until the new year after gale-force winds on Sunday night "
            "tore slates from its Victorian roof and let rainwater pour into the children's reading room.",
            "Caretaker Alan Moss discovered the leak when he unlocked the building on Monday morning. "
            "Ceiling tiles had collapsed onto two shelving bays, and staff spent the day carrying "
            "hundreds of picture books and local history volumes to the dry upstairs meeting room.",
            "More than forty volunteers answered an appeal on the library's noticeboard to help sort "
            "the soaked stock. Librarian Farah Siddiqui said most of the damaged books could be dried "
            "and saved, but a collection of nineteenth-century parish maps may need specialist care.",
            "A temporary lending point will open in the foyer of the Westgate community centre from "
            "next week, offering reservations, returns and printing on weekday afternoons. The mobile "
            "library van will add an extra Saturday stop outside the primary school.",
            "The county council said scaffolding would go up within a fortnight and that the repair "
            "bill, estimated at sixty thousand pounds, would be covered by its buildings insurance.",
        ),
    ),
    "3": Article(
        title="Pinewood Academy robotics team takes regional title with recycling robot",
        author="Priya Raman",
        section="Education",
        published=_utc(2023, 11, 10, 12, 0),
        paragraphs=(
            "A team of six teenagers from Pinewood Academy has won the South Coast schools robotics "
            "championship with a machine that sorts plastic bottles, cans and cardboard on a small "
            "conveyor belt.",
            "The robot, nicknamed Magpie by its builders, uses a cheap camera and a colour sensor to "
            "decide which bin each item belongs in, then flicks it off the belt with a servo-driven "
            "paddle. Judges praised the way the students had tested it on real rubbish from the school "
            "canteen rather than clean samples.",
            "Year eleven pupil Jordan Ellis, who wrote much of the control software, said the hardest "
            "part had been crumpled foil, which confused the sensor until the team added a second "
            "light source. The group met every Tuesday after school and for several weekends in October.",
            "Their win earns a place at the national final in Birmingham in February and a grant of "
            "two thousand pounds for equipment. Physics teacher Rebecca Lowe said the money would buy "
            "a 3D printer that younger students can use as well.",
            "The team now hopes to lend Magpie to the town's recycling centre for a trial day during "
            "the spring half-term holiday.",
        ),
    ),
    "4": Article(
        title="Allotment holders install rainwater tanks after a parched summer",
        author="Gwen Abbott",
        section="Environment",
        published=_utc(2023, 11, 14, 8, 45),
        paragraphs=(
            "Plot holders at the Brookside allotments have fitted twenty new rainwater tanks to their "
            "sheds and greenhouses, hoping to avoid a repeat of the hosepipe restrictions that withered "
            "their beans and courgettes in July.",
            "The tanks, each holding about a thousand litres, were bought with a grant from the Kestrel "
            "Bay environment fund and installed over two weekends by members of the allotment society. "
            "Gutters on the communal tool store now feed a larger tank beside the main gate.",
            "Society secretary Ray Whitlock said the site had relied entirely on four mains standpipes, "
            "which ran almost dry during the heatwave when everyone watered at once in the evening. "
            "Some older members had struggled to carry heavy cans from the far end of the field.",
            "The society is also trialling wood-chip mulch on a handful of plots to keep moisture in "
            "the soil, and will compare harvests next year against plots left bare. Results will be "
            "shared at the annual show in September.",
            "There is still a waiting list of thirty-five households for a plot, and the council is "
            "considering splitting some full-size plots in half to shorten it.",
        ),
    ),
    "5": Article(
        title="Family bakery on Cooper Street marks one hundred years of baking",
        author="Daniel Mensah",
        section="Business",
        published=_utc(2023, 11, 18, 10, 0),
        paragraphs=(
            "Hollins Bakery on Cooper Street has celebrated its centenary with free iced buns for the "
            "first hundred customers and a window display of photographs spanning four generations of "
            "the family that runs it.",
            "The shop was opened in 1923 by Edith Hollins, who sold bread from a wooden counter and "
            "delivered loaves by bicycle to the terraced streets near the gasworks. Her great-grandson "
            "Michael Hollins still starts work at half past three most mornings.",
            "The original brick oven was replaced in the nineteen-sixties, but the bakery still uses "
            "Edith's recipe for its lardy cake, which regulars queue for every Saturday. Michael said "
            "the biggest change had been the arrival of sourdough, now a third of weekday sales.",
            "Customers shared memories on a board by the till. One retired postman wrote that he had "
            "bought the same cheese scone on his round for thirty years; another recalled the bakery "
            "supplying her wedding cake during the power cuts of 1974.",
            "The family plans to mark the anniversary with a baking class for local schoolchildren and "
            "a donation of bread to the Kestrel Bay food bank every Friday until Christmas.",
        ),
    ),
    "6": Article(
        title="Council backs High Street cycle lane despite traders' parking worries",
        author="Lucy Farrant",
        section="Politics",
        published=_utc(2023, 11, 22, 18, 20),
        paragraphs=(
            "Councillors voted eleven to four on Tuesday evening to build a protected cycle lane along "
            "the length of the High Street, removing twenty-two on-street parking bays between the "
            "clock tower and the railway station.",
            "Supporters said the lane would make it safer for children cycling to the two secondary "
            "schools on Station Road, where three collisions involving bicycles were recorded last year. "
            "Cabinet member for transport Aisha Patel called the decision overdue.",
            "Several shopkeepers spoke against the plan during the public session. Hardware store owner "
            "Graham Tuttle warned that customers buying heavy goods would drive to the retail park "
            "instead, and asked for loading bays to be kept outside the smaller shops.",
            "The approved design keeps four loading bays with time limits and adds short-stay parking "
            "in the former bus depot yard behind the market hall. Construction is expected to take "
            "twelve weeks and will be done in sections to keep the road open.",
            "Work is due to begin in April, funded by a regional active travel grant, with a review of "
            "footfall and traffic counts promised after the first year.",
        ),
    ),
    "old": Article(
        title="Volunteers begin restoring the Gull Point lighthouse keeper's cottage",
        author="Stephen Rourke",
        section="Heritage",
        published=_utc(2018, 12, 28, 11, 0),
        paragraphs=(
            "A group of heritage volunteers has started work on the derelict keeper's cottage at Gull "
            "Point, which has stood empty since the lighthouse was automated in 1989.",
            "The Gull Point Trust spent two years raising money to buy the cottage from the harbour "
            "authority. Its first task is replacing the rotten window frames and clearing decades of "
            "nesting material from the chimney stacks before winter storms do further harm.",
            "Trust chairman Ivor Penhaligon, whose grandfather kept the light in the nineteen-thirties, "
            "said the aim was to open a small museum about the lamp, the fog signal and the families "
            "who lived on the headland. Old logbooks have been donated by former keepers' relatives.",
            "Volunteers meet every other Sunday and welcome anyone with carpentry, plastering or "
            "gardening skills. Walkers on the coast path are asked to keep to the fenced route while "
            "scaffolding is in place.",
            "The trust hopes to hold its first open day in the summer, when the restored lamp room "
            "will be lit for one evening.",
        ),
    ),
    "secret": Article(
        title="Draft budget proposes higher charges at seafront car parks",
        author="Council Press Office",
        section="Internal",
        published=_utc(2023, 11, 25, 16, 0),
        paragraphs=(
            "This internal draft sets out proposals for the next financial year and must not be "
            "published before the finance committee has reviewed it on the twelfth of December.",
            "Officers recommend raising the hourly charge at the Esplanade and Marine Parade car parks "
            "by forty pence during the summer months, with winter prices unchanged. Modelling suggests "
            "an extra one hundred and eighty thousand pounds of income if visitor numbers hold steady.",
            "Residents' permits would rise by five pounds a year, the first increase since 2019. A "
            "discounted permit for blue badge holders and care workers would be introduced at the "
            "same time, subject to an equality impact assessment.",
            "The draft also proposes installing card-only payment machines, which would save the cost "
            "of cash collection but may draw complaints from older drivers. Officers suggest keeping "
            "one coin machine in each car park for a transition period.",
            "Members are asked to treat these figures as confidential until the committee meeting.",
        ),
    ),
    "flaky": Article(
        title="Night market returns to the quay with forty stalls and live music",
        author="Ellie Brandt",
        section="What's On",
        published=_utc(2023, 11, 26, 14, 0),
        paragraphs=(
            "The Kestrel Bay night market is back on the North Quay every Friday evening until the "
            "middle of December, with forty stalls selling street food, knitwear, pottery and vinyl "
            "records under strings of festoon lights.",
            "Organisers paused the market last winter after a dispute over electricity costs with the "
            "harbour authority. A new agreement lets traders plug into the quay's shore power points, "
            "which were installed for visiting yachts but sit unused out of season.",
            "Stallholder Ben Okonjo, who sells Nigerian pepper soup from a converted horsebox, said "
            "the first evening drew bigger crowds than he expected despite a sharp easterly wind. "
            "He sold out by eight o'clock and had to turn away a queue of fishermen.",
            "A local brass band and a ukulele group will take turns on a small stage beside the old "
            "crane. Dogs are welcome on leads, and the lifeboat crew will run a tombola for station funds.",
            "The market opens at five and closes at nine, and the quay road will be shut to traffic "
            "during those hours.",
        ),
    ),
    "busy": Article(
        title="Community choir raises money for St Brigid's hospice with winter concert",
        author="Owen Carver",
        section="Community",
        published=_utc(2023, 11, 27, 19, 30),
        paragraphs=(
            "The Kestrel Voices community choir raised more than four thousand pounds for St Brigid's "
            "hospice at a sold-out concert in the Methodist church on Saturday night.",
            "Eighty singers, the youngest aged nine and the eldest ninety-one, performed a programme of "
            "folk songs, sea shanties and carols arranged by musical director Natalie Greaves. The "
            "audience joined in for a rousing final chorus of the town's unofficial anthem.",
            "Many choir members have personal links with the hospice. Soprano Jean Whitfield said the "
            "nurses had cared for her husband in his final weeks and that singing for them felt like "
            "a way of saying thank you to the whole team.",
            "Hospice fundraising manager Kieran Doyle said the money would pay for a month of "
            "night-time nursing visits to patients who want to stay in their own homes. Demand for the "
            "service has doubled in two years.",
            "The choir, which needs no audition and meets on Wednesday evenings, is looking for more "
            "tenors and basses ahead of its spring performance.",
        ),
    ),
    "slow": Article(
        title="Fishing fleet lands record mackerel catch as quotas are raised",
        author="Maria Okafor",
        section="Business",
        published=_utc(2023, 11, 28, 6, 40),
        paragraphs=(
            "Kestrel Bay's small fishing fleet has landed its biggest mackerel haul for a decade, "
            "after scientists advised that stocks in the western Channel had recovered enough to "
            "allow a higher catch limit this season.",
            "The fish market on the harbour sold more than ninety tonnes in the first three weeks of "
            "November. Auctioneer Sally Trevithick said prices had held up well because buyers from "
            "Spanish and Dutch processors were competing with the local smokehouse.",
            "Skipper Dougie Fraser, who has fished from the port for forty years, said his crew had "
            "been using traditional handlines rather than nets, which fetch a premium because the fish "
            "arrive undamaged and can be sold with a sustainability label.",
            "The harbour master warned that the ice plant was struggling to keep up and asked boats to "
            "stagger their landings. A second ice machine is on order but will not arrive until spring.",
            "Fishermen's association chair Lorna Penrose said the good season would help younger crews "
            "repay loans on their boats, but urged caution about future quotas.",
        ),
    ),
    "slow-body": Article(
        title="Old Mill Bridge closed to lorries after inspectors find corrosion",
        author="Tom Haskell",
        section="Transport",
        published=_utc(2023, 11, 29, 13, 10),
        paragraphs=(
            "Heavy goods vehicles have been banned from the Old Mill Bridge over the river Fenn after "
            "a routine inspection found serious corrosion in two of the steel beams beneath the deck.",
            "The county highways department has put up a weight limit of seven and a half tonnes and "
            "placed width restrictions at both approaches. Cars, buses and bicycles can still cross, "
            "but drivers are asked to keep to twenty miles an hour.",
            "Lorries heading for the industrial estate at Fenn Wharf now face a diversion of about six "
            "miles through Ashcombe village. Parish councillor Martin Greer said residents there were "
            "already worried about large vehicles squeezing past parked cars outside the primary school.",
            "Engineers will spend January designing a repair that involves jacking up the deck and "
            "replacing the damaged beams. The bridge dates from 1934 and was last strengthened in 1987.",
            "The council expects the weight limit to remain in place for at least nine months while "
            "funding for the repair is agreed.",
        ),
    ),
    "latin1": Article(
        title="Café Renée opens in the former post office on Quay Street",
        author="Amélie Rousseau",
        section="Business",
        published=_utc(2023, 11, 30, 9, 0),
        paragraphs=(
            "The old post office on Quay Street has reopened as Café Renée, a bright little coffee "
            "house run by Renée Dubois, who moved to Kestrel Bay from Lyon three years ago.",
            "Renée kept the original mahogany counter and the brass letter slot, which now takes "
            "handwritten orders from children. \u201cPeople kept telling me how much they missed "
            "this building,\u201d she said. \u201cI wanted them to walk in and recognise it.\u201d",
            "The menu mixes French pastries with local produce: croissants made with butter from "
            "Higher Combe dairy, crêpes with Fenn valley apples, and a café crème that regulars "
            "already call \u2018the Renée\u2019. Prices are kept deliberately modest.",
            "Neighbouring shopkeepers say the café has brought more people to the quieter end of the "
            "street. The newsagent next door reports that morning trade has risen since the opening "
            "\u2014 helped, he admits, by the smell of baking drifting through the wall.",
            "Café Renée opens from eight until four, Tuesday to Sunday, and plans poetry evenings "
            "once a month in the back room where parcels used to be sorted.",
        ),
    ),
    # Served as ISO-8859-15 under a page that claims UTF-8: only the HTTP header tells "€" from "¤".
    "euro": Article(
        title="Twinned town sends a market stall of Breton cheese to the Christmas fair",
        author="Yannick Le Goff",
        section="Community",
        published=_utc(2023, 12, 2, 10, 30),
        paragraphs=(
            "Kestrel Bay's twin town of Porz-Gwenn has sent a delegation of six stallholders to this "
            "weekend's Christmas fair, bringing cheese, cider and buckwheat biscuits across the Channel.",
            "The visitors priced everything in euros as well as pounds, with a wheel of their washed-rind "
            "cheese at €18 and a bottle of farmhouse cider at €6. Organisers said most shoppers paid "
            "by card and few noticed the difference.",
            "Twinning association secretary Margaret Pollard said the exchange had lapsed during the "
            "pandemic and this was the first visit in four years. A return trip by the Kestrel Bay "
            "brass band is planned for the Porz-Gwenn summer festival.",
            "Traders on the harbour side of the fair said the extra stalls drew visitors further along "
            "the quay than usual, and the lifeboat crew's mulled wine stand sold out before dusk.",
            "The fair continues on Sunday from ten until five, with a lantern procession at four.",
        ),
    ),
    "hop": Article(
        title="Volunteers count record number of grey seal pups on the Sandspit",
        author="Gwen Abbott",
        section="Environment",
        published=_utc(2023, 12, 1, 15, 0),
        paragraphs=(
            "Wildlife volunteers have counted one hundred and twelve grey seal pups on the Sandspit "
            "this autumn, the highest number since monitoring began on the remote shingle bank in 2005.",
            "The count is carried out from a boat and by telescope from the cliff path, so the "
            "breeding colony is not disturbed. Coordinator Isla Mackintosh said the white-coated pups "
            "were easy to spot against the grey stones but hard to tell apart.",
            "Rangers have roped off the northern end of the beach below Sandspit Cove after walkers "
            "were seen taking photographs within a few metres of mothers and their young. Disturbed "
            "cows may abandon pups, which then starve.",
            "The rise is thought to reflect cleaner water and fewer fishing nets left on the seabed, "
            "though volunteers also found several pups tangled in discarded rope and packing bands.",
            "Anyone who sees a pup that looks injured is asked to phone the marine rescue line rather "
            "than approach it.",
        ),
    ),
}

ARTICLE_LAST_MODIFIED: dict[str, datetime] = {
    key: art.published.replace(hour=20, minute=0) for key, art in ARTICLES.items()
}

NAV = (
    ("/", "Home"),
    ("/section/local", "Local"),
    ("/section/business", "Business"),
    ("/section/sport", "Sport"),
    ("/section/opinion", "Opinion"),
    ("/section/weather", "Weather"),
)


def render_article(
    art: Article,
    *,
    base: str,
    url_path: str,
    canonical_path: str | None = None,
    amp: bool = False,
    charset: str = "utf-8",
) -> str:
    """A realistic news page: head metadata, JSON-LD NewsArticle, nav, body paragraphs, footer."""
    canonical = f"{base}{canonical_path or url_path}"
    published = art.published.isoformat()
    modified = ARTICLE_LAST_MODIFIED.get(next((k for k, a in ARTICLES.items() if a is art), ""), art.published)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": art.title,
        "datePublished": published,
        "dateModified": modified.isoformat(),
        "author": {"@type": "Person", "name": art.author},
        "publisher": {"@type": "Organization", "name": SITE_NAME},
        "mainEntityOfPage": canonical,
        "articleSection": art.section,
    }
    ld_json = json.dumps(ld, ensure_ascii=False, indent=2).replace("</", "<\\/")
    nav = "\n".join(f'      <li><a href="{href}">{label}</a></li>' for href, label in NAV)
    body = "\n".join(f"      <p>{escape(p, quote=False)}</p>" for p in art.paragraphs)
    html_attr = ' lang="en" amp' if amp else ' lang="en"'
    amp_extra = '\n  <script async src="https://cdn.ampproject.org/v0.js"></script>' if amp else ""
    title = escape(art.title)
    return f"""<!DOCTYPE html>
<html{html_attr}>
<head>
  <meta charset="{charset}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} | {SITE_NAME}</title>
  <link rel="canonical" href="{escape(canonical)}">{amp_extra}
  <meta name="description" content="{escape(art.paragraphs[0][:150])}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{title}">
  <meta property="og:url" content="{escape(canonical)}">
  <meta property="og:site_name" content="{SITE_NAME}">
  <meta property="article:published_time" content="{published}">
  <meta name="author" content="{escape(art.author)}">
  <script type="application/ld+json">
{ld_json}
  </script>
</head>
<body>
  <header class="site-header">
    <a class="logo" href="/">{SITE_NAME}</a>
    <nav class="main-nav">
    <ul>
{nav}
    </ul>
    </nav>
    <form class="search" action="/search"><input name="q" placeholder="Search the Courier"></form>
  </header>
  <main>
    <article class="story">
      <p class="section-label">{escape(art.section)}</p>
      <h1>{title}</h1>
      <p class="byline">By <span class="author">{escape(art.author)}</span> &middot;
        <time datetime="{published}">{art.published.strftime("%d %B %Y")}</time></p>
      <div class="story-body">
{body}
      </div>
    </article>
    <aside class="related">
      <h2>Most read</h2>
      <ul>
        <li><a href="/articles/1.html">Harbour ferry timetable changes</a></li>
        <li><a href="/articles/5.html">Cooper Street bakery turns 100</a></li>
      </ul>
    </aside>
  </main>
  <footer class="site-footer">
    <p>Sign up for our morning newsletter to get the Courier's top stories in your inbox.</p>
    <ul>
      <li><a href="/about">About us</a></li>
      <li><a href="/contact">Contact the newsroom</a></li>
      <li><a href="/privacy">Privacy policy</a></li>
      <li><a href="/terms">Terms of use</a></li>
    </ul>
    <p>&copy; 2023 {SITE_NAME}. All rights reserved. Registered in Kestrel Bay.</p>
  </footer>
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# Static binary bodies.
# --------------------------------------------------------------------------------------------


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    idat = zlib.compress(b"\x00\xcc\x33\x00")  # filter byte + one orange-ish pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


PNG_BYTES = _png_1x1()

_bomb_lock = threading.Lock()
_bomb_cache: bytes | None = None


def gzip_bomb() -> bytes:
    """gzip of BOMB_SIZE spaces (~200 KB compressed); computed once per process (~1 s)."""
    global _bomb_cache
    with _bomb_lock:
        if _bomb_cache is None:
            buf = io.BytesIO()
            block = b" " * (1 << 20)
            with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz:
                for _ in range(BOMB_SIZE // len(block)):
                    gz.write(block)
            _bomb_cache = buf.getvalue()
        return _bomb_cache


# --------------------------------------------------------------------------------------------
# The server.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request the site received. ``status`` is 0 and ``finished`` 0.0 until the response is sent."""

    path: str
    query: str
    method: str
    headers: dict[str, str]
    started: float
    finished: float
    status: int


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str
    last_modified: datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


def _http_date(dt: datetime) -> str:
    return email.utils.format_datetime(dt.astimezone(UTC), usegmt=True)


def _rfc3339(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    site: Site

    def handle_error(self, request, client_address) -> None:
        # Clients abort downloads on purpose (huge bodies, timeouts); don't print tracebacks.
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "KestrelCourier/1.0"
    sys_version = ""
    timeout = 30  # socket timeout: idle keep-alive connections and stuck writes end eventually
    server: _Server

    # -- bookkeeping -------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.server.site._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.site._track(self.connection, add=False)

    def log_message(self, format: str, *args: object) -> None:
        return

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, message)
        self._status = code
        self.server.site._update(self._slot, status=code)

    # -- dispatch ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        self._dispatch(head=False, allowed=False)

    do_PUT = do_DELETE = do_PATCH = do_POST

    def _dispatch(self, *, head: bool, allowed: bool = True) -> None:
        site = self.server.site
        parts = urlsplit(self.path)
        path, query = parts.path or "/", parts.query
        self._head = head
        self._status = 0
        self._slot = site._record(
            Request(
                path=path,
                query=query,
                method=self.command,
                headers={k.lower(): v for k, v in self.headers.items()},
                started=time.monotonic(),
                finished=0.0,
                status=0,
            )
        )
        try:
            if not allowed:
                self._send_simple(405, "Method not allowed", extra={"Allow": "GET, HEAD"})
                return
            self._route(path)
        except OSError:  # client went away or timed out
            self.close_connection = True
        finally:
            site._update(self._slot, finished=time.monotonic())

    def _route(self, path: str) -> None:
        site = self.server.site
        page = site._pages.get(path)
        if page is not None:
            self._send_page(page)
            return
        if path.startswith("/hop/"):
            self._hop(path)
            return
        if path.startswith("/held/"):
            self._held(path)
            return
        handler = _DYNAMIC.get(path)
        if handler is not None:
            handler(self)
            return
        self._send_simple(404, "Not found")

    # -- response helpers ----------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if not self._head and data:
            self.wfile.write(data)

    def _send_body(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self._write(body)

    def _send_simple(self, status: int, text: str, extra: dict[str, str] | None = None) -> None:
        body = f"<!DOCTYPE html><html><head><title>{status} {text}</title></head><body><h1>{text}</h1></body></html>\n"
        self._send_body(status, body.encode(), "text/html; charset=utf-8", extra)

    def _not_modified(self, page: Page) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            if inm.strip() == "*":
                return True
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return page.etag in tags  # weak comparison, as RFC 9110 requires for If-None-Match
        ims = self.headers.get("If-Modified-Since")
        if ims and page.last_modified is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims)
            except (TypeError, ValueError, IndexError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return page.last_modified <= since
        return False

    def _send_page(self, page: Page) -> None:
        validators = {"ETag": page.etag}
        if page.last_modified is not None:
            validators["Last-Modified"] = _http_date(page.last_modified)
        if self._not_modified(page):
            self.send_response(304)
            for k, v in validators.items():
                self.send_header(k, v)
            self.end_headers()
            return
        self._send_body(200, page.body, page.content_type, validators)

    def _redirect(self, status: int, location: str) -> None:
        if location.startswith("/"):
            location = self.server.site.base + location
        self._send_body(status, b"", "text/html; charset=utf-8", {"Location": location})

    def _sleep(self, seconds: float) -> bool:
        """Sleep in small steps; False if the site is stopping."""
        return not self.server.site._stopping.wait(seconds)

    # -- dynamic routes ------------------------------------------------------------------------

    def _flaky(self) -> None:
        if self.server.site._bump("/flaky.html") == 1:
            self._send_simple(500, "Internal server error")
        else:
            self._send_page(self.server.site._extra_pages["flaky"])

    def _busy(self) -> None:
        if self.server.site._bump("/busy.html") == 1:
            self._send_simple(429, "Too many requests", extra={"Retry-After": "1"})
        else:
            self._send_page(self.server.site._extra_pages["busy"])

    def _always_500(self) -> None:
        self._send_simple(503, "Service unavailable", extra={"Retry-After": "0"})

    def _slow(self) -> None:
        if not self._sleep(self.server.site.slow_seconds):
            self.close_connection = True
            return
        self._send_page(self.server.site._extra_pages["slow"])

    def _held(self, path: str) -> None:
        """/held/KEY.html: article KEY, and /held/PAGE (e.g. /held/feed.xml): the site's page /PAGE, sent only
        once the test sets `site.released` (a host as slow as the test needs)."""
        site = self.server.site
        key = path.removeprefix("/held/").removesuffix(".html")
        page = site._article_page(key, path) if key in ARTICLES else site._pages.get(path.removeprefix("/held"))
        if page is None:
            self._send_simple(404, "Not found")
            return
        while not site.released.wait(0.05):
            if site._stopping.is_set():
                self.close_connection = True
                return
        self._send_page(page)

    def _slow_body(self) -> None:
        site = self.server.site
        page = site._extra_pages["slow-body"]
        body = page.body
        self.send_response(200)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self._head:
            return
        half = len(body) // 2
        self.wfile.write(body[:half])
        self.wfile.flush()
        rest = body[half:]
        steps = math.floor(site.slow_seconds / TRICKLE_STEP) + 3  # total trickle time > slow_seconds
        for i in range(steps):
            if not self._sleep(TRICKLE_STEP):
                self.close_connection = True
                return
            self.wfile.write(rest[i * len(rest) // steps : (i + 1) * len(rest) // steps])
            self.wfile.flush()

    def _huge(self, *, declared: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if declared:
            self.send_header("Content-Length", str(HUGE_SIZE))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self._head:
            return
        head = b"<!DOCTYPE html><html><head><title>Huge</title></head><body><p>"
        chunk = b"filler text for an oversized page " * (HUGE_CHUNK // 34 + 1)
        sent = 0
        first = True
        stopping = self.server.site._stopping
        while sent < HUGE_SIZE and not stopping.is_set():
            piece = (head + chunk)[:HUGE_CHUNK] if first else chunk[:HUGE_CHUNK]
            piece = piece[: HUGE_SIZE - sent]
            self.wfile.write(piece)
            sent += len(piece)
            first = False
        if sent < HUGE_SIZE:
            self.close_connection = True

    def _big_header(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.wfile.write(b"X-Padding: ")
        chunk = b"a" * HUGE_CHUNK
        for _ in range(BIG_HEADER_SIZE // HUGE_CHUNK):  # the client hangs up long before the end
            self.wfile.write(chunk)
        self.wfile.write(b"\r\n")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self._write(b"ok")

    def _short_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(SHORT_BODY_DECLARED))
        self.end_headers()
        self._write(b"<!DOCTYPE html><html><head><title>Cut</title></head><body><p>The start of a story")
        self.close_connection = True

    def _drip(self) -> None:
        """One byte at a time, forever: never idle long enough for a read timeout."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.flush()
        while self._sleep(DRIP_STEP):
            self.wfile.write(b"x")
            self.wfile.flush()

    def _bomb(self) -> None:
        self._send_body(200, gzip_bomb(), "text/html; charset=utf-8", {"Content-Encoding": "gzip"})

    def _hop(self, path: str) -> None:
        try:
            n = int(path.removeprefix("/hop/"))
        except ValueError:
            n = 0
        if not 1 <= n <= REDIRECT_FAR_HOPS:
            self._send_simple(404, "Not found")
        elif n < REDIRECT_FAR_HOPS:
            self._redirect(302, f"/hop/{n + 1}")
        else:
            self._send_page(self.server.site._extra_pages["hop"])


_DYNAMIC = {
    "/flaky.html": _Handler._flaky,
    "/busy.html": _Handler._busy,
    "/always-500.html": _Handler._always_500,
    "/slow.html": _Handler._slow,
    "/slow-body.html": _Handler._slow_body,
    "/huge.html": lambda h: h._huge(declared=False),
    "/huge-declared.html": lambda h: h._huge(declared=True),
    "/bomb.html": _Handler._bomb,
    "/missing.html": lambda h: h._send_simple(404, "Not found"),
    "/gone.html": lambda h: h._send_simple(410, "Gone"),
    "/redirect/1": lambda h: h._redirect(301, "/redirect/2"),
    "/redirect/2": lambda h: h._redirect(302, "/redirect/3"),
    "/redirect/3": lambda h: h._redirect(307, "/articles/2.html"),
    "/loop/a": lambda h: h._redirect(302, "/loop/b"),
    "/loop/b": lambda h: h._redirect(302, "/loop/a"),
    "/redirect-far": lambda h: h._redirect(302, "/hop/1"),
    "/redirect-private": lambda h: h._redirect(302, PRIVATE_REDIRECT_TARGET),
    "/redirect-file": lambda h: h._redirect(302, FILE_REDIRECT_TARGET),
    "/big-header.html": _Handler._big_header,
    "/short-body.html": _Handler._short_body,
    "/drip.html": _Handler._drip,
}


class Site:
    """A small news site on 127.0.0.1 with an ephemeral port, serving the pages and faults fetch tests need."""

    def __init__(self, *, crawl_delay: float = 0.2, slow_seconds: float = 3.0) -> None:
        self.crawl_delay = crawl_delay
        self.slow_seconds = slow_seconds
        self.base = ""
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._generation = 0
        self._counters: dict[str, int] = {}
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self.released = threading.Event()  # /held/ pages wait for it
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._pages: dict[str, Page] = {}
        self._extra_pages: dict[str, Page] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Site:
        if self._server is not None:
            return self
        self._stopping.clear()
        # Made before serving (once per process): computed at the first request, it took that request
        # over a fetch test's read timeout whenever the machine was busy (as when extraction overlaps fetching).
        gzip_bomb()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.site = self
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        self._build_pages()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="web-site", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:  # wake handlers blocked on keep-alive reads or slow writes
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- public helpers ------------------------------------------------------------------------

    def url(self, path: str) -> str:
        if not self.base:
            raise RuntimeError("Site is not started")
        return self.base + (path if path.startswith("/") else "/" + path)

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def reset_counters(self) -> None:
        with self._lock:
            self.requests.clear()
            self._counters.clear()
            self._generation += 1

    # -- internals used by the handler -----------------------------------------------------------

    def _record(self, req: Request) -> tuple[int, int]:
        with self._lock:
            self.requests.append(req)
            return (self._generation, len(self.requests) - 1)

    def _update(self, slot: tuple[int, int], **changes: object) -> None:
        gen, idx = slot
        with self._lock:
            if gen == self._generation and idx < len(self.requests):
                self.requests[idx] = dataclasses.replace(self.requests[idx], **changes)

    def _bump(self, key: str) -> int:
        with self._lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._conns.add if add else self._conns.discard)(conn)

    # -- content -------------------------------------------------------------------------------

    def _article_page(self, key: str, url_path: str, **kw: object) -> Page:
        html = render_article(ARTICLES[key], base=self.base, url_path=url_path, **kw)
        return Page(html.encode("utf-8"), "text/html; charset=utf-8", ARTICLE_LAST_MODIFIED[key])

    def _build_pages(self) -> None:
        b = self.base
        pages: dict[str, Page] = {}
        for n in range(1, 7):
            pages[f"/articles/{n}.html"] = self._article_page(str(n), f"/articles/{n}.html")
        pages["/articles/old.html"] = self._article_page("old", "/articles/old.html")
        pages["/private/secret.html"] = self._article_page("secret", "/private/secret.html")
        pages["/amp/1.html"] = self._article_page("1", "/amp/1.html", canonical_path="/articles/1.html", amp=True)
        latin1 = render_article(ARTICLES["latin1"], base=b, url_path="/latin1.html", charset="windows-1252")
        pages["/latin1.html"] = Page(
            latin1.encode("cp1252"), "text/html; charset=windows-1252", ARTICLE_LAST_MODIFIED["latin1"]
        )
        euro = render_article(ARTICLES["euro"], base=b, url_path="/euro.html", charset="utf-8")  # a stale meta charset
        pages["/euro.html"] = Page(euro.encode("iso-8859-15"), "text/html; charset=iso-8859-15", ARTICLE_LAST_MODIFIED["euro"])

        pages["/robots.txt"] = Page(
            (
                "# Robots rules for the Kestrel Bay Courier\n"
                "User-agent: *\n"
                "Disallow: /private/\n"
                f"Crawl-delay: {self.crawl_delay:g}\n"
                "\n"
                f"Sitemap: {b}/sitemap_index.xml\n"
            ).encode(),
            "text/plain; charset=utf-8",
        )

        a = ARTICLES
        rss_items = []
        for key, link in (
            ("1", f"{b}/articles/1.html?utm_source=rss&utm_medium=feed"),
            ("2", f"{b}/articles/2.html"),
            ("3", f"{b}/articles/3.html"),
        ):
            rss_items.append(
                f"""    <item>
      <title>{xml_escape(a[key].title)}</title>
      <link>{xml_escape(link)}</link>
      <guid isPermaLink="false">kestrel-courier-{key}</guid>
      <pubDate>{_http_date(a[key].published)}</pubDate>
      <author>newsroom@kestrelcourier.example ({xml_escape(a[key].author)})</author>
      <description>{xml_escape(a[key].paragraphs[0])}</description>
    </item>"""
            )
        rss_items.append(
            f"""    <item>
      <title>More stories tagged defence</title>
      <link>{b}/tag/defence</link>
      <guid isPermaLink="true">{b}/tag/defence</guid>
      <pubDate>{_http_date(_utc(2023, 11, 20, 12, 0))}</pubDate>
    </item>"""
        )
        rss_items.append(
            f"""    <item>
      <title>Photo: sunrise over the harbour wall</title>
      <link>{b}/media/photo.jpg</link>
      <guid isPermaLink="true">{b}/media/photo.jpg</guid>
      <pubDate>{_http_date(_utc(2023, 11, 21, 7, 0))}</pubDate>
      <enclosure url="{b}/media/photo.jpg" length="48213" type="image/jpeg"/>
    </item>"""
        )
        items_xml = "\n".join(rss_items)
        rss = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{SITE_NAME}</title>
    <link>{b}/</link>
    <description>Local news from Kestrel Bay and the Fenn valley</description>
    <language>en-gb</language>
    <atom:link href="{b}/feed.xml" rel="self" type="application/rss+xml"/>
    <lastBuildDate>{_http_date(_utc(2023, 11, 21, 7, 0))}</lastBuildDate>
{items_xml}
  </channel>
</rss>
"""
        pages["/feed.xml"] = Page(rss.encode(), "application/rss+xml; charset=utf-8", _utc(2023, 11, 21, 7, 0))

        entries = []
        for key in ("4", "5"):
            art = a[key]
            entries.append(
                f"""  <entry>
    <title>{xml_escape(art.title)}</title>
    <link rel="alternate" type="text/html" href="{b}/articles/{key}.html"/>
    <id>tag:kestrelcourier.example,2023:article-{key}</id>
    <published>{_rfc3339(art.published)}</published>
    <updated>{_rfc3339(ARTICLE_LAST_MODIFIED[key])}</updated>
    <author><name>{xml_escape(art.author)}</name></author>
    <summary>{xml_escape(art.paragraphs[0])}</summary>
  </entry>"""
            )
        entries_xml = "\n".join(entries)
        atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{SITE_NAME}: Environment and Business</title>
  <link rel="self" href="{b}/atom.xml"/>
  <link rel="alternate" href="{b}/"/>
  <id>tag:kestrelcourier.example,2023:atom</id>
  <updated>{_rfc3339(ARTICLE_LAST_MODIFIED["5"])}</updated>
{entries_xml}
</feed>
"""
        pages["/atom.xml"] = Page(atom.encode(), "application/atom+xml; charset=utf-8", ARTICLE_LAST_MODIFIED["5"])

        index = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap>
    <loc>{b}/sitemap-articles.xml</loc>
    <lastmod>2023-11-29T20:00:00+00:00</lastmod>
  </sitemap>
  <sitemap>
    <loc>{b}/sitemap-news.xml</loc>
    <lastmod>2023-11-22T20:00:00+00:00</lastmod>
  </sitemap>
</sitemapindex>
"""
        pages["/sitemap_index.xml"] = Page(
            index.encode(), "application/xml; charset=utf-8", _utc(2023, 11, 29, 20, 0)
        )

        urls: list[tuple[str, str]] = [
            (f"/articles/{n}.html", ARTICLE_LAST_MODIFIED[str(n)].date().isoformat()) for n in range(1, 7)
        ]
        urls.insert(2, ("/articles/2.html?utm_campaign=x", ARTICLE_LAST_MODIFIED["2"].date().isoformat()))
        urls += [
            ("/amp/1.html", ARTICLE_LAST_MODIFIED["1"].date().isoformat()),
            ("/private/secret.html", "2023-11-25"),
            ("/articles/old.html", "2019-01-01"),
        ]
        url_xml = "\n".join(
            f"  <url>\n    <loc>{xml_escape(b + path)}</loc>\n    <lastmod>{lastmod}</lastmod>\n  </url>"
            for path, lastmod in urls
        )
        urlset = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{url_xml}
</urlset>
"""
        pages["/sitemap-articles.xml"] = Page(
            urlset.encode(), "application/xml; charset=utf-8", _utc(2023, 11, 29, 20, 0)
        )

        news_entries = "\n".join(
            f"""  <url>
    <loc>{b}/articles/{key}.html</loc>
    <news:news>
      <news:publication>
        <news:name>{SITE_NAME}</news:name>
        <news:language>en</news:language>
      </news:publication>
      <news:publication_date>{a[key].published.isoformat()}</news:publication_date>
      <news:title>{xml_escape(a[key].title)}</news:title>
    </news:news>
  </url>"""
            for key in ("5", "6")
        )
        news = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{news_entries}
</urlset>
"""
        pages["/sitemap-news.xml"] = Page(news.encode(), "application/xml; charset=utf-8", _utc(2023, 11, 22, 20, 0))

        # Not in the index: a sitemap whose second entry gives no date (backfill tests).
        undated = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url>
    <loc>{b}/articles/3.html</loc>
    <lastmod>{ARTICLE_LAST_MODIFIED["3"].date().isoformat()}</lastmod>
  </url>
  <url>
    <loc>{b}/latin1.html</loc>
  </url>
</urlset>
"""
        pages["/sitemap-undated.xml"] = Page(undated.encode(), "application/xml; charset=utf-8", _utc(2023, 11, 29, 20, 0))

        pages["/image.png"] = Page(PNG_BYTES, "image/png", _utc(2023, 11, 1))
        # An article-looking URL whose server says it is something else: refused by its type.
        pages["/watch/budget-vote.html"] = Page(b"\x00\x00\x00\x18ftypmp42" + bytes(64), "video/mp4", _utc(2023, 11, 1))
        data = {
            "site": SITE_NAME,
            "articles": [{"id": n, "url": f"{b}/articles/{n}.html", "title": a[str(n)].title} for n in range(1, 7)],
        }
        pages["/data.json"] = Page(json.dumps(data, indent=2).encode(), "application/json")

        urls_txt = "\n".join(
            [
                "# Seed URLs for the Kestrel Bay Courier test site",
                f"{b}/articles/1.html",
                f"{b}/articles/2.html",
                f"{b}/articles/1.html?utm_source=newsletter&utm_medium=email",
                "",
                f"{b}/amp/1.html",
                f"{b}/missing.html",
                f"{b}/flaky.html",
                f"{b}/redirect/1",
                f"{b}/image.png",
                f"{b}/latin1.html",
                f"{b}/private/secret.html",
                "",
            ]
        )
        pages["/urls.txt"] = Page(urls_txt.encode(), "text/plain; charset=utf-8")

        extra = {
            key: self._article_page(key, path)
            for key, path in (
                ("flaky", "/flaky.html"),
                ("busy", "/busy.html"),
                ("slow", "/slow.html"),
                ("slow-body", "/slow-body.html"),
                ("hop", f"/hop/{REDIRECT_FAR_HOPS}"),
            )
        }
        self._add_hostile_pages(pages)
        self._pages = pages
        self._extra_pages = extra

    def _add_hostile_pages(self, pages: dict[str, Page]) -> None:
        """Listings and encodings that try to break a crawler (see tests/hostile.py)."""
        b = self.base
        xml = "application/xml; charset=utf-8"
        pages["/sitemap-loop.xml"] = Page(sitemap_index([f"{b}/sitemap-loop.xml", f"{b}/sitemap-loop-child.xml"]), xml)
        pages["/sitemap-loop-child.xml"] = Page(sitemap_index([f"{b}/sitemap-loop.xml"]), xml)
        pages["/sitemap-bomb.xml"] = Page(billion_laughs("urlset"), xml)
        pages["/feed-bomb.xml"] = Page(billion_laughs("rss"), "application/rss+xml")
        pages["/sitemap-many.xml"] = Page(sitemap_of([f"{b}/many/{n}.html" for n in range(MANY_PAGES)]), xml)
        utf16 = render_article(ARTICLES["3"], base=b, url_path="/utf16.html")
        pages["/utf16.html"] = Page(utf16.encode("utf-16-le"), "text/html")  # no BOM, no charset
        nul = render_article(ARTICLES["4"], base=b, url_path="/nul.html").replace("</h1>", "</h1>\x00", 1)
        pages["/nul.html"] = Page(nul.replace("<p>", "<p>\x00", 2).encode(), "text/html; charset=utf-8")
