"""HTML pages to articles: trafilatura extracts the text, our metadata rules fix the rest.

The page is parsed once with lxml. Metadata evidence is read from that tree first, because
trafilatura prunes the tree it extracts from (it works on its own copy of ours).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura import bare_extraction, load_html
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title, extract_url
from trafilatura.settings import Document, set_date_params

from transforms import html_metadata as meta
from transforms.boilerplate import canonical_agency, drop_reason, looks_like_headline, normalize_line
from transforms.plaintext import split_dateline
from transforms.records import Article, DecodedDocument, PublicationDate, Rejection

MIN_WORDS = 25

# A word is a run of non-space characters, or a single CJK character (no spaces between words).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
# "Read more" lines: one per teaser on an index page.
_MORE_LINK = re.compile(
    r"^(?:read more|more|continue reading|weiterlesen|mehr lesen|mehr|lire la suite|leer más"
    r"|leggi tutto|…|\.\.\.)\W*$",
    re.IGNORECASE,
)


# Lines trafilatura keeps from page furniture: pointers to other stories, photo credits,
# copyright notices and sign-up prompts. Only short lines: an article sentence may mention
# a newsletter or a photo.
_RELATED_LINE = re.compile(
    r"^(?:auch interessant|weitere (?:aktuelle )?(?:themen|artikel)|empfohlene beiträge|mehr (?:zum thema|themen)"
    r"|das (?:thema )?könnte (?:sie|dich) auch interessieren|lesen sie (?:auch|hier|mehr)(?: die folgenden beiträge)?"
    r"|auch lesen|schon gelesen|siehe auch|related(?: articles| posts| stories)?|read more|read also|see also"
    r"|more on this|you (?:may|might) also like|recommended|à lire aussi|a lire aussi|lire aussi"
    r"|czytaj (?:też|także|również)|dowiedz się więcej|zobacz też|leer más|lea también"
    r"|vea también|puedes ver|(?:también )?(?:te|le) puede interesar|(?:contenido|notas|artículos|noticias) relacionad[oa]s?"
    r"|leggi anche|potrebbe interessarti)"
    r"\s*(?:[:»›>|–—-]\s*.*)?\W*$",
    re.IGNORECASE,
)
_CREDIT_LINE = re.compile(
    r"^\(?(?:fotos?|fot\.|bild(?:er)?|beitragsbild|titelbild|credits?(?: photos?)?|photos?|image"
    r"|quelle|source|crédits? photos?)\s*:?\s.{0,80}$",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(
    r"©|\bcopyright(?:ed)?\b|all rights reserved|alle rechte vorbehalten|tous droits réservés"
    r"|chroniony prawem|\bwritten permission\b.{0,60}\b(?:reprint|reproduc|republish)",
    re.IGNORECASE,
)
# A paragraph opened by a copyright sign is the site's notice, however long it goes on about reprints.
_COPYRIGHT_NOTICE = re.compile(r"©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4})", re.IGNORECASE)
# The plain-text line rules (transforms/boilerplate.py) for what a page's widgets leave in the
# text: a sign-up box's confirmation, "Like this story? Share it", a comment policy, the
# reporter's address, paywall and app prompts, ad disclosures, button labels ("3 Kommentare",
# "Wird geladen…"). (The other line rules are not for HTML: there trafilatura has dropped the
# markup they stand in for, and a line that matches them is more often text: "Kategorie: Minis"
# lists an award's category on the devset.)
_WIDGET_RULES = frozenset(
    {"newsletter", "share_tools", "comments", "author_contact", "follow_us", "app_download", "paywall", "ad_disclosure",
     "page_chrome"}
)
# JSON-LD types of pages that list other pages (section fronts, tag pages, search results).
_COLLECTION_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage"})
_SIGN_UP = re.compile(r"\b(?:newsletter|sign up|subscribe|abonnieren|eingeloggt|log in to)\b", re.IGNORECASE)


def extract_html(doc: DecodedDocument, *, today: dt.date | None = None) -> Article | Rejection:
    """Extract the article of an HTML document, or say why the page is not one."""
    tree = load_html(doc.text)
    if tree is None:
        return Rejection(doc.source, "extract", "unparsable_html", "lxml could not build a tree")
    evidence = meta.read_evidence(tree, doc.text)
    _drop_hidden(tree)
    # deduplicate=False: trafilatura's dedup cache is process-global and would make the result
    # depend on which documents a worker saw before.
    # with_metadata=False: trafilatura's metadata pass (htmldate above all) costs a third of the
    # extraction, and our own evidence usually settles title, authors and date without it.
    result = bare_extraction(
        tree,
        url=doc.url,
        with_metadata=False,
        include_comments=False,
        deduplicate=False,
    )
    url = doc.url or meta.canonical_url(evidence, None)
    today = today or dt.date.today()
    # the date first: a rejected page still reports the date it declares
    published = meta.choose_date(evidence, url, None, doc.text, today)
    text = paragraphs(result.text) if result is not None and result.text else ""
    if not text:
        return _rejected(doc, "no_main_text", "trafilatura found no main text", published)
    # before furniture is dropped: "Read more" lines are what gives an index page away
    collection = declared_collection(evidence)
    if collection:
        return _rejected(doc, "not_article", f"page declares itself a {collection}", published)
    listing = None if declares_article(evidence, url, today) else listing_evidence(text, tree)
    if listing:
        return _rejected(doc, "not_article", listing, published)
    text = drop_boilerplate(text)
    words = word_count(text)
    if words < MIN_WORDS:
        return _rejected(doc, "too_short", f"{words} words < {MIN_WORDS}", published)

    site = meta.site_identity(evidence, url)
    title = meta.choose_title(evidence, site, None)
    authors = meta.choose_authors(evidence, site, None)
    undated = published is None or published.precision != "day"
    if title is None or not authors or undated:
        # trafilatura's metadata (its DOM heuristics and htmldate) is the last resort, read from our
        # tree: bare_extraction pruned a copy of it. htmldate is reached the way extract_metadata
        # reaches it, not called directly: on the devset a direct find_date(html,
        # extensive_search=True, original_date=True) cost 244 ms on the pages that needed it (34 ms
        # through extract_metadata), for the same devset date score (0.892 either way).
        fallback = fallback_metadata(tree, doc.url, title is None, not authors, undated)
        title = title or meta.choose_title(evidence, site, fallback.title)
        authors = authors or meta.choose_authors(evidence, site, fallback.author)
        if undated:
            published = meta.choose_date(evidence, url, fallback.date, doc.text, today)
    # credited nowhere: a name that signs the last paragraph, else the person the site is named after
    authors = authors or meta.closing_signature(text, site) or meta.site_owner(evidence, site)
    text = _without_byline_line(_without_repeated_headline(text, title), authors)
    # a wire dateline ("LISBON, March 5 (Meridian) -") opens one of the first paragraphs, after a
    # standfirst and a local intro at most
    dateline = next(
        (found.dateline for p in text.split("\n\n")[:3] if (found := split_dateline(p)) is not None), None
    )
    credits = authors
    authors, agencies = meta.split_agencies(
        credits, evidence, dateline.agencies if dateline else (), canonical_agency
    )
    return Article(
        source=doc.source,
        sha256=doc.sha256,
        media_type="text/html",
        text=text,
        title=title,
        authors=authors,
        byline="; ".join(credits) or None,
        agencies=agencies,
        dateline=dateline,
        site_name=meta.site_name(evidence, url, title),
        url=meta.canonical_url(evidence, doc.url),
        published=published,
        word_count=word_count(text),
    )


def _drop_hidden(tree: HtmlElement) -> None:
    """Remove the elements a browser does not show (the `hidden` attribute), keeping the text after them.

    trafilatura keeps their text: AMP lightboxes and sidebars (a gallery's captions, the comment
    policy, a sign-in box) and spans that repeat a title and a time, glued to the paragraph they
    sit in. Read after the page's evidence, so a hidden element's date or author still counts.
    """
    # hidden="until-found" is a collapsed section the browser opens on a search: text, not furniture
    for elem in tree.xpath("//body//*[@hidden and not(@hidden = 'until-found')]"):
        elem.drop_tree()


def fallback_metadata(tree: HtmlElement, url: str | None, title: bool, author: bool, date: bool) -> Document:
    """trafilatura's title, declared author and date for the page, as its extract_metadata finds them, only those asked for.

    extract_metadata's steps up to htmldate, without the fields it goes on to extract that we never
    read (categories, tags, license, site name) and without the title or author search when ours
    were found: 3.6 ms less per page, averaged over the benchmark corpus. None of these steps changes the tree
    (htmldate prunes a copy), so skipping one leaves the others' results as they were;
    tests/transforms/test_html.py holds the results to extract_metadata's.

    The author is only the one its meta tags and JSON-LD declare: its search of the page's elements
    (extract_author) mostly finds commenters ("comment-author") and widgets. On the devset it changed
    10 pages' authors, 1 of them rightly, and cost 2 ms per page averaged over the benchmark corpus.
    """
    found = Document()
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # noqa: BLE001 - as extract_metadata does: its JSON-LD reader has bugs
        pass
    if title:
        found.title = metadata.title or extract_title(tree)
    if author:
        found.author = metadata.author
    if date:
        page_url = metadata.url or extract_url(tree, url)
        found.date = find_date(tree, **{**set_date_params(True), "url": page_url})
    found.clean_and_trim()
    return found


def _without_repeated_headline(text: str, title: str | None) -> str:
    """The text without a first paragraph that only repeats the headline."""
    first, _, rest = text.partition("\n\n")
    if title and rest and meta.name_key(first) == meta.name_key(title):
        return rest
    return text


# How a date/byline line opens: "Posted: …", "Published …", "Updated …"
_DATE_LINE = re.compile(r"^(?:posted|published|updated)\b", re.IGNORECASE)


def _without_byline_line(text: str, authors: Sequence[str]) -> str:
    """The text without a first paragraph that is only the date and byline ("Posted: Tuesday, … | By Ann Lee")."""
    first, _, rest = text.partition("\n\n")
    if not rest or len(first.split()) > 20:
        return text
    for name in authors:
        credited = re.search(rf"\b(?:by|von|par|por)\s+{re.escape(name)}\b", first, re.IGNORECASE)
        if credited or (_DATE_LINE.match(first) and name in first):
            return rest
    return text


def _rejected(doc: DecodedDocument, reason: str, detail: str, published: PublicationDate | None) -> Rejection:
    return Rejection(doc.source, "extract", reason, detail, published=published)


def without_site_template(article: Article, template_lines: frozenset[str]) -> Article | Rejection:
    """The article without the paragraphs its site prints in most of its pages ("Support local
    journalism: become a member", a standing correction policy), which the extraction kept.

    `template_lines` are normalized lines (boilerplate.normalize_line) that
    boilerplate.find_template_lines learned from the site's pages in the same batch.
    """
    kept = [p for p in article.text.split("\n\n") if normalize_line(p) not in template_lines]
    text = "\n\n".join(kept)
    if text == article.text:
        return article
    words = word_count(text)
    if words < MIN_WORDS:
        detail = f"{words} words < {MIN_WORDS} without the lines the site repeats in most of its pages"
        return Rejection(article.source, "extract", "too_short", detail, published=article.published)
    return dataclasses.replace(article, text=text, word_count=words)


def paragraphs(text: str) -> str:
    """trafilatura's lines as paragraphs separated by blank lines, whitespace trimmed."""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def drop_boilerplate(text: str) -> str:
    """Remove short furniture paragraphs (related-story pointers, credits, copyright, sign-up),
    and the headlines listed under a heading of other stories ("NOTAS RELACIONADAS", "See also")."""
    paras = text.split("\n\n")
    kept: list[str] = []
    i = 0
    while i < len(paras):
        paragraph = paras[i]
        i += 1
        if not _is_furniture(paragraph):
            kept.append(paragraph)
        elif _is_list_heading(paragraph):
            while i < len(paras) and _is_listed_headline(paras[i]):
                i += 1
    return "\n\n".join(kept)


# what follows a pointer's separator: "Read more: <headline>" points at one story, "Read more:" heads a list
_AFTER_SEPARATOR = re.compile(r"[:»›>|–—-]\s*\w")


def _is_list_heading(paragraph: str) -> bool:
    return _RELATED_LINE.match(paragraph) is not None and _AFTER_SEPARATOR.search(paragraph) is None


def _is_listed_headline(paragraph: str) -> bool:
    # 4+ words: after a bare "See also", "Behind the scenes" is the article's next section
    return looks_like_headline(paragraph) and len(paragraph.split()) >= 4


def _is_furniture(paragraph: str) -> bool:
    words = len(paragraph.split())
    return (
        (words <= 25 and _RELATED_LINE.match(paragraph) is not None)
        or (words <= 14 and _CREDIT_LINE.match(paragraph) is not None)
        or (words <= 20 and _COPYRIGHT.search(paragraph) is not None)
        or (words <= 60 and _COPYRIGHT_NOTICE.match(paragraph) is not None)
        or (words <= 25 and _SIGN_UP.search(paragraph) is not None)
        or (words <= 60 and drop_reason(" ".join(paragraph.split())) in _WIDGET_RULES)
    )


def word_count(text: str) -> int:
    """Words in text; each CJK character counts as one."""
    return len(_WORD.findall(text))


def listing_evidence(text: str, tree: HtmlElement) -> str | None:
    """Why the extracted text looks like an index of links rather than an article, or None.

    On index, category and tag pages what trafilatura keeps is mostly teaser headlines and
    "Read more" lines, each of them the text of a link. Articles quote a link as a whole
    paragraph rarely (devset maximum: 45% of paragraphs, always with long paragraphs between).
    """
    lines = [_key(line) for line in text.split("\n\n")]
    more_lines = sum(1 for line in lines if _MORE_LINK.match(line))
    short_lines = sum(1 for line in lines if len(line.split()) <= 20)
    if more_lines < 3 and short_lines < max(6, len(lines) / 2):
        return None  # link texts are short: without many short paragraphs neither rule can fire
    anchors = {_key(a.text_content()) for a in tree.iter("a")}
    anchors.discard("")
    linked = [line for line in lines if line in anchors]
    share = len(linked) / len(lines)
    more = sum(1 for line in linked if _MORE_LINK.match(line))
    if len(linked) >= 6 and share >= 0.5:
        return f"{len(linked)} of {len(lines)} paragraphs are link texts"
    if more >= 3 and share >= 0.3:
        return f"{more} 'read more' links among {len(lines)} paragraphs"
    return None


def declares_article(evidence: meta.PageEvidence, url: str | None, today: dt.date) -> bool:
    """True when the page says it is one article: a live blog, or an article whose publication
    time and URL (or canonical URL) both carry its day.

    Such pages can read like a list of links (a live blog's short updates, a regional page of
    linked short items) but index pages do not declare a publication time and a dated path.
    """
    article = evidence.article()
    if article is not None and "LiveBlogPosting" in meta.types_of(article):
        return True
    dated_path = any(
        (found := meta.url_date(u, today)) is not None and found.precision == "day"
        for u in (url, evidence.canonical, evidence.first("og:url"))
    )
    return dated_path and meta.meta_date(evidence, today) is not None


def declared_collection(evidence: meta.PageEvidence) -> str | None:
    """The JSON-LD type of a page that says it is a list of items rather than an article."""
    if evidence.article() is not None:
        return None
    for node in evidence.jsonld:
        for kind in meta.types_of(node):
            if kind in _COLLECTION_TYPES:
                return kind
    return None


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()
