"""Authors and agencies of HTML pages: people go to `authors`, wire services to `agencies`.

All pages are our own writing.
"""

from __future__ import annotations

from tests.transforms.test_html import BODY, article, page


def test_a_wire_credit_given_as_an_organization_is_an_agency_not_an_author():
    jsonld = {"@type": "NewsArticle", "headline": "Storm damages harbour piers",
              "author": {"@type": "Organization", "name": "Tidewater Wire"}}
    result = article(page(jsonld=jsonld, byline="<span class='byline'>By <span class='author'>Tidewater Wire</span></span>"))
    assert result.authors == ()
    assert result.agencies == ("Tidewater Wire",)
    assert result.byline == "Tidewater Wire"


def test_an_agency_credited_at_the_dateline_names_the_wire_in_the_byline():
    body = ("PORTHAVEN, March 5 (Tidewater) - " + BODY[0], *BODY[1:])
    result = article(page(body=body, byline="<span class='author'>Tidewater Wire</span>"))
    assert result.authors == ()
    assert result.agencies == ("Tidewater",)
    assert result.dateline is not None and result.dateline.place == "Porthaven"


def test_known_agencies_in_a_byline_are_agencies():
    result = article(page(byline="<span class='author'>Jane Roe; AFP</span>"))
    assert result.authors == ("Jane Roe",)
    assert result.agencies == ("AFP",)


def test_a_newsroom_signing_with_its_own_name_has_no_author():
    head = '<meta property="og:site_name" content="Coast News"><meta name="author" content="Coast News">'
    assert article(page(head=head)).authors == ()


def test_a_blog_signed_with_the_blogs_own_name_keeps_it_on_a_blog_platform():
    head = '<meta property="og:site_name" content="Kieselstein"><meta name="author" content="kieselstein">'
    result = article(page(head=head), url="https://kieselstein.wordpress.com/2024/03/05/ebbe/")
    assert result.authors == ("kieselstein",)


def test_a_domain_named_after_its_author_keeps_the_authors_name():
    head = '<meta name="author" content="Mara Quellbrunn">'
    result = article(page(head=head), url="https://maraquellbrunn.example/notes/ebbe")
    assert result.authors == ("Mara Quellbrunn",)


def test_a_site_whose_yoast_publisher_is_a_person_keeps_that_persons_signature():
    jsonld = {"@graph": [
        {"@type": "WebSite", "name": "Mara Quellbrunn", "publisher": {"@id": "https://ebbe.example/#/schema/person/1"}},
        {"@type": "BlogPosting", "headline": "Storm damages harbour piers", "author": {"@id": "https://ebbe.example/#/schema/person/1"}},
        {"@type": "Person", "@id": "https://ebbe.example/#/schema/person/1", "name": "Mara Quellbrunn"},
    ]}
    assert article(page(jsonld=jsonld), url="https://ebbe.example/storm").authors == ("Mara Quellbrunn",)
    # the same names on a newsroom's site (publisher an organisation) are the publisher signing
    jsonld["@graph"][0]["publisher"] = {"@type": "NewsMediaOrganization", "name": "Mara Quellbrunn"}
    assert article(page(jsonld=jsonld), url="https://ebbe.example/storm").authors == ()


def test_the_headline_repeated_as_the_first_paragraph_is_not_body_text():
    body = ("Storm damages harbour piers", *BODY)
    result = article(page(body=body, h1=None))
    assert result.title == "Storm damages harbour piers"
    assert result.text.split("\n\n")[0] == BODY[0]


def test_a_username_credit_gives_way_to_the_full_name_the_byline_prints():
    jsonld = {"@type": "NewsArticle", "author": {"@type": "Person", "name": "mara.quellbrunn"}}
    byline = '<p class="byline">By Mara Quellbrunn</p>'
    assert article(page(jsonld=jsonld, byline=byline)).authors == ("Mara Quellbrunn",)
    jsonld["author"]["name"] = "maraquellbrunn"
    assert article(page(jsonld=jsonld, byline=byline)).authors == ("Mara Quellbrunn",)
    # a first name is how some pages sign: it stays when the byline prints a fuller name
    jsonld["author"]["name"] = "Mara"
    assert article(page(jsonld=jsonld, byline=byline)).authors == ("Mara",)


def test_a_name_and_a_date_in_sibling_spans_do_not_run_together():
    byline = '<div class="author"><span>Mara Quellbrunn</span><span>Quelle: Hafenamt Kiel</span></div>'
    assert article(page(byline=byline)).authors == ("Mara Quellbrunn",)
    byline = '<div class="byline"><span>Mara Quellbrunn</span><span>vor 5 Stunden</span></div>'
    assert article(page(byline=byline)).authors == ("Mara Quellbrunn",)


def test_an_organisation_signing_its_own_post_is_its_author_on_a_site_that_is_no_newsroom():
    jsonld = {"@graph": [
        {"@type": "WebSite", "name": "Hafenfreunde Kiel", "publisher": {"@type": "Organization", "name": "Hafenfreunde Kiel"}},
        {"@type": "BlogPosting", "headline": "Storm damages harbour piers", "author": "Hafenfreunde Kiel"},
    ]}
    url = "https://tidepool.example/blog/storm"
    assert article(page(jsonld=jsonld), url=url).authors == ("Hafenfreunde Kiel",)
    # a news publisher signing with its own name is not an author
    jsonld["@graph"][1]["@type"] = "NewsArticle"
    assert article(page(jsonld=jsonld), url=url).authors == ()


def test_a_site_printing_its_own_name_as_the_byline_signs_its_own_post_without_json_ld():
    head = '<meta property="og:site_name" content="Hafenfreunde Stiftung">'
    byline = '<p class="byline">Von <span class="author">Hafenfreunde Stiftung</span></p>'
    url = "https://hafenfreunde.example/aktuelles/sturm"
    assert article(page(head=head, byline=byline), url=url).authors == ("Hafenfreunde Stiftung",)
    # a person credited in a later byline is the author, the site's name only the publisher's
    person = byline + '<div class="author-box">Mara Quellbrunn</div>'
    assert article(page(head=head, byline=person), url=url).authors == ("Mara Quellbrunn",)
    # only in the author meta tag, where CMSs put the site's name by default, it is no credit
    meta = head + '<meta name="author" content="Hafenfreunde Stiftung">'
    assert article(page(head=meta), url=url).authors == ()
    # a page whose JSON-LD declares a news publisher signs with the publisher's name
    jsonld = {"@type": "NewsArticle", "headline": "Storm damages harbour piers"}
    assert article(page(head=head, byline=byline, jsonld=jsonld), url=url).authors == ()


def test_a_themes_credit_is_no_author_and_json_ld_entities_are_decoded():
    head = '<meta name="author" content="Mara Quellbrunn und Fuchsy designed">'
    byline = '<p class="byline">Von Ben Beispiel</p>'
    assert article(page(head=head, byline=byline)).authors == ("Ben Beispiel",)
    jsonld = {"@type": "NewsArticle", "author": {"@type": "Person", "name": "Jos&eacute; Mar&iacute;a Ruiz"}}
    assert article(page(jsonld=jsonld)).authors == ("José María Ruiz",)


def test_a_printed_credit_label_may_have_a_space_before_its_colon_and_a_role_after_the_name():
    byline = "<p>Auteur : Mara Quellbrunn </p>"
    assert article(page(byline=byline)).authors == ("Mara Quellbrunn",)
    byline = "<div>05.03.2024 <span>-&nbsp;Redaktion: Mara Quellbrunn (Pressesprecherin)</span></div>"
    assert article(page(byline=byline)).authors == ("Mara Quellbrunn",)


def test_a_first_name_credit_takes_the_surname_its_own_json_ld_bio_gives():
    person = {"@type": "Person", "name": "Mara", "description": "Mara Quellbrunn sails and writes about harbours."}
    jsonld = {"@type": "BlogPosting", "headline": "Storm damages harbour piers", "author": person}
    assert article(page(jsonld=jsonld)).authors == ("Mara Quellbrunn",)
    # a bio that does not open with the name leaves the credit as signed
    person["description"] = "Sailor and writer. Mara Quellbrunn lives in Kiel."
    assert article(page(jsonld=jsonld)).authors == ("Mara",)


def test_a_first_name_in_the_author_meta_tag_takes_the_surname_the_json_ld_persons_bio_gives():
    head = '<meta name="author" content="Mara">'
    person = {"@type": "Person", "name": "Mara", "description": "Mara Quellbrunn sails and writes about harbours."}
    jsonld = {"@graph": [{"@type": "WebPage", "name": "Storm damages harbour piers"}, person]}
    assert article(page(head=head, jsonld=jsonld)).authors == ("Mara Quellbrunn",)
    # the bio of a person with another name spells out nothing
    person["name"] = "Ben"
    assert article(page(head=head, jsonld=jsonld)).authors == ("Mara",)


def test_initials_credit_gives_way_to_the_full_name_they_stand_for():
    byline = '<span class="author">by MQ</span><p>By Mara Quellbrunn</p>'
    assert article(page(byline=byline)).authors == ("Mara Quellbrunn",)
    # initials that do not fit the printed name stay
    byline = '<span class="author">by BB</span><p>By Mara Quellbrunn</p>'
    assert article(page(byline=byline)).authors == ("BB",)


def test_the_authors_of_works_the_article_cites_are_not_its_authors():
    head = '<meta name="citation_author" content="Mara Quellbrunn">'
    reference = ('<ol><li itemprop="citation" itemscope itemtype="http://schema.org/ScholarlyArticle">'
                 '<meta itemprop="author" content="Ben Beispiel, Carla Muster">Beispiel B. Tides. 1999.</li></ol>')
    body = (*BODY, "References")
    result = article(page(head=head, body=body).replace("</article>", reference + "</article>"))
    assert result.authors == ("Mara Quellbrunn",)
    # the article's own microdata author still counts
    own = '<div itemscope itemtype="http://schema.org/Article"><meta itemprop="author" content="Mara Quellbrunn"></div>'
    assert article(page(byline=own)).authors == ("Mara Quellbrunn",)


# --- credits that name no one, and where else a page names its author --------------------------


def with_comments(text: str, comments: str) -> str:
    """The page with a comment thread after the article."""
    return text.replace("</main>", f"<section id='comments'><ol class='commentlist'>{comments}</ol></section></main>")


POST_AUTHOR_REPLY = (
    "<li class='comment byuser comment-author-kieselstein bypostauthor depth-1' id='comment-7'>"
    "<div class='comment-author vcard'><p>Thank you, the piers will be fine by May!</p>"
    "<p><cite>Comment by <span class='fn'><a href='https://kieselstein.example'>kieselstein</a></span></cite></p>"
    "</div></li>"
)


def test_a_post_credited_nowhere_is_by_the_author_wordpress_marks_in_the_comments():
    reader = "<li class='comment depth-1'><div class='comment-author vcard'><cite class='fn'>Tom Reader</cite></div></li>"
    result = article(with_comments(page(), reader + POST_AUTHOR_REPLY))
    # the name, not the text the theme's comment-author element also wraps
    assert result.authors == ("kieselstein",)


def test_a_byline_wins_over_the_author_answering_in_the_comments():
    byline = "<span class='byline'>By <span class='author'>Jane Roe</span></span>"
    assert article(with_comments(page(byline=byline), POST_AUTHOR_REPLY)).authors == ("Jane Roe",)


def test_a_yoast_graph_without_an_article_node_credits_the_author_of_its_webpage_node():
    jsonld = {"@graph": [
        {"@type": "WebPage", "@id": "https://ebbe.example/storm#webpage", "name": "Storm damages harbour piers",
         "author": {"@id": "https://ebbe.example/#/schema/person/2"}},
        {"@type": "Person", "@id": "https://ebbe.example/#/schema/person/2", "name": "tidepool77"},
    ]}
    assert article(page(jsonld=jsonld), url="https://ebbe.example/storm").authors == ("tidepool77",)


def test_a_breadcrumb_inside_an_author_box_is_not_the_author():
    byline = (
        "<div class='article-author'><ol itemscope itemtype='https://schema.org/BreadcrumbList'>"
        "<li itemprop='itemListElement' itemscope><a href='/harbour'><span itemprop='name'>Harbour</span></a></li>"
        "</ol><span class='by'>Von <span>Lena Hartmann</span></span></div>"
    )
    assert article(page(byline=byline)).authors == ("Lena Hartmann",)


def test_labels_dates_and_image_credits_in_author_markup_name_no_one():
    for credit in ("Zuletzt geändert am: 15.10.2021", "Bild © Coast News", "Donnerstag, 5. März 2024"):
        assert article(page(byline=f"<span class='author'>{credit}</span>")).authors == (), credit


def test_the_sites_own_name_joined_by_an_ampersand_is_one_name_not_two_people():
    head = '<meta property="og:site_name" content="Piers &amp; Quays"><meta name="author" content="Piers &amp; Quays">'
    url = "https://www.piersandquays.example/storm"
    blog = {"@type": "BlogPosting", "headline": "Storm damages harbour piers"}  # no news publisher: signs its posts
    assert article(page(head=head, jsonld=blog), url=url).authors == ("Piers & Quays",)
    newsroom = {"@type": "NewsArticle", "headline": "Storm damages harbour piers"}
    assert article(page(head=head, jsonld=newsroom), url=url).authors == ()  # the publisher
    assert article(page(head=head), url=url).authors == ()  # a CMS's default credit


def test_words_of_a_sentence_are_no_name_but_a_name_typed_in_lowercase_is():
    sentence = '<meta name="author" content="deinen Hafenbloggern">'
    assert article(page(head=sentence)).authors == ()
    lowercase = '<meta name="author" content="lena hartmann">'
    assert article(page(head=lowercase)).authors == ("lena hartmann",)


def test_a_credit_trafilatura_cut_at_its_html_entity_names_no_one():
    # trafilatura reads this JSON-LD name as "Redacci; Oacute; N Coast News"
    jsonld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Storm damages harbour piers",
              "author": {"@type": "Person", "name": "Redacci&oacute;n Diario Costa"}}
    assert article(page(jsonld=jsonld), url="https://www.coastnews.example/storm").authors == ()


def test_a_web_address_trafilatura_title_cased_names_no_one():
    # a web agency's credit, which trafilatura reads as "Www Medianotions De"
    head = '<meta name="creator" content="Medianotions, www.medianotions.example">'
    assert article(page(head=head), url="https://www.coastnews.example/storm").authors == ()


def test_a_printed_byline_with_soft_hyphens_is_read_whole():
    byline = "<p class='meta'>Von <strong>Mat&shy;thi&shy;as Lau&shy;e&shy;rer</strong></p>"
    assert article(page(byline=byline)).authors == ("Matthias Lauerer",)


def test_bylines_of_teasers_and_related_stories_are_not_the_articles():
    teasers = (
        "<aside><h2>Recent posts</h2><span class='author'>Kate Mayhew</span></aside>"
        "<div class='related-stories'><div class='o-teaser'><a href='/other'>Tides rise</a>"
        "<div class='author-name'>Von Bernd Ostwald</div></div></div>"
    )
    own = "<div class='author'><a rel='author' href='/autor/ursula-baatz'>Ursula Baatz</a></div>"
    text = page(byline=own).replace("</main>", teasers + "</main>").replace("<main>", "<main>" + teasers)
    assert article(text).authors == ("Ursula Baatz",)  # though the teasers come first in the page


def test_a_blogs_posting_line_credits_a_one_word_account():
    for line, name in (
        ("<div class='post-info'>Posted by Kieselstein under <a href='/c/notes'>Notes</a></div>", "Kieselstein"),
        ("<p class='date'>Geschrieben von <a href='/u/7'>Hafenmeister</a> am 5. März 2024</p>", "Hafenmeister"),
        ("<small>Verfasst von: <strong>ebbeundflut</strong> | 5. März 2024</small>", "ebbeundflut"),
        ("<span>05.03.2024 13:30 von Mara </span>", "Mara"),
    ):
        assert article(page(byline=line)).authors == (name,), line


def test_an_embedded_social_feeds_posting_line_credits_no_one():
    feed = "<p>Posted by <a href='https://www.facebook.com/coastparty'>Coast Party</a> on Tuesday</p>"
    assert article(page(byline=feed)).authors == ()


def test_printed_credits_in_more_shapes():
    for line, name in (
        ("<div class='meta'>par <span class='auteurs'>Lena Hartmann</span>, 5 mars 2024</div>", "Lena Hartmann"),
        ("<div class='wrote_by'>By&nbsp;<a href='/people/jose'>Jose de la Cruz</a></div>", "Jose de la Cruz"),
        ("<em>---- by Lena Hartmann</em>", "Lena Hartmann"),
        ("<p>Blog Beitrag von Lena Hartmann</p>", "Lena Hartmann"),
        ("<p><em>Text von Lena Hartmann &nbsp; Illustration von Kai Roost</em></p>", "Lena Hartmann"),
        ("<h4>Autor</h4><p><a href='/profil/x'>Lena Hartmann</a><b>, </b></p>", "Lena Hartmann"),
        ("<p class='text-muted'>05.03.2024 - Lena Hartmann</p>", "Lena Hartmann"),
        ("<div class='label'>Interview</div><div class='credit'>LENA HARTMANN</div>", "LENA HARTMANN"),
    ):
        assert article(page(byline=line)).authors == (name,), line


def test_particles_belong_to_the_surname_only():
    # "Alles von Martin Junker" ("all by Martin Junker") is a link's words, not one name
    line = "<p><a href='/archiv/junker'>Alles von Martin Junker</a></p>"
    assert article(page(byline=line)).authors == ()


def test_a_chinese_credit_line_names_the_writer_but_not_the_photographer():
    photo = "<p>新华社记者 才扬 摄</p>"
    editor = "<div class='editor'>责任编辑：  焦鹏</div>"
    text = page(byline=photo).replace("</article>", editor + "</article>")
    assert article(text).authors == ("焦鹏",)


def test_a_link_to_the_writers_page_after_the_headline_credits_them():
    line = (
        "<a href='/autoren/lena-hartmann-68' class='text-body'><span class='portrait'>© Lena Hartmann</span>"
        "<span itemprop='name'> Lena Hartmann</span></a>"
    )
    assert article(page(byline=line)).authors == ("Lena Hartmann",)


def test_an_article_signed_at_its_end_with_a_name_alone():
    assert article(page(body=(*BODY, "<b><i>Lena Hartmann</i></b>"))).authors == ("Lena Hartmann",)
    # the last line of a page that is only words in capitals or a call to action signs nothing
    assert article(page(body=(*BODY, "MEHR ERFAHREN"))).authors == ()


def test_a_site_named_after_its_owner_credits_the_owner_where_nothing_else_does():
    head = '<meta property="og:site_name" content="Dr. Lena Hartmann">'
    assert article(page(head=head), url="https://www.lena-hartmann.example/notes/ebbe").authors == ("Lena Hartmann",)
    title = "Storm damages harbour piers | Lena Hartmann's Notes"
    assert article(page(title=title), url="https://lenahartmann.example/ebbe").authors == ("Lena Hartmann",)
    # a site named like a place or a team is no person, even on its own domain
    head = '<meta property="og:site_name" content="Zoo Hafenstadt">'
    assert article(page(head=head), url="https://www.zoo-hafenstadt.example/news/ebbe").authors == ()
    # and a byline beats the owner
    byline = "<span class='author'>Kai Roost</span>"
    head = '<meta property="og:site_name" content="Dr. Lena Hartmann">'
    assert article(page(head=head, byline=byline), url="https://www.lena-hartmann.example/n").authors == ("Kai Roost",)


# --- co-authors the structured data leaves out ---------------------------------------------------

ONE_AUTHOR_JSONLD = {"@type": "NewsArticle", "headline": "Storm damages harbour piers",
                     "author": {"@type": "Person", "name": "Ann Lee"}}


def test_co_authors_a_byline_element_adds_to_the_json_ld_author_are_credited_too():
    result = article(page(jsonld=ONE_AUTHOR_JSONLD, byline="<p class='byline'>By Ann Lee, Ben Roe</p>"))
    assert result.authors == ("Ann Lee", "Ben Roe")


def test_co_authors_the_author_meta_tag_adds_to_the_json_ld_author_are_credited_too():
    head = '<meta name="author" content="Ann Lee,Ben Roe">'
    assert article(page(head=head, jsonld=ONE_AUTHOR_JSONLD)).authors == ("Ann Lee", "Ben Roe")


def test_a_second_name_in_a_byline_read_from_the_text_does_not_join_the_json_ld_author():
    # printed, not marked up: a second name there is as often a translator's or an interviewee's
    result = article(page(jsonld=ONE_AUTHOR_JSONLD, byline="<p>By Ann Lee and Ben Roe</p>"))
    assert result.authors == ("Ann Lee",)


def test_a_byline_element_naming_someone_else_does_not_replace_the_json_ld_author():
    result = article(page(jsonld=ONE_AUTHOR_JSONLD, byline="<p class='byline'>By Ben Roe, Cy Doe</p>"))
    assert result.authors == ("Ann Lee",)
