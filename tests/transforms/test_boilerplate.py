"""Line rules and template-line detection for plain-text articles."""

from __future__ import annotations

import pytest

from transforms.boilerplate import (
    RULES,
    drop_reason,
    find_template_lines,
    is_list_heading,
    looks_like_headline,
    normalize_line,
    split_paragraphs,
)

# --- line rules: each removed line says which rule removed it -----------------------------------


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("ADVERTISEMENT", "advertisement"),
        ("Story continues below advertisement", "advertisement"),
        ("Share this articleComments", "share_tools"),
        ("Share this articleClose Button", "share_tools"),
        ("Share on WhatsApp", "share_tools"),
        ("Comments", "comments"),
        ("12 comments", "comments"),
        ("Close Button", "page_chrome"),
        ("4 min read", "page_chrome"),
        ("___", "separator"),
        ("https://example.org/news/ferries", "url_only"),
        ("sb/jd", "editor_initials"),
        ("FILE - A boy holds Russian and Chinese flags before a welcoming ceremony.", "photo_caption"),
        ("FILE PHOTO: A crane unloads containers at the port.", "photo_caption"),
        ("Image: The fallen oak lies across the market square.", "caption_label"),
        ("Image source, Getty Images", "caption_label"),
        ("(Photo: The empty square after the storm.)", "caption_bracketed"),
        ("Residents gather around the roots. (Photo by Lena Fischer/Getty Images)", "photo_credit"),
        ("Weeds grow between disused tracks. (AP Photo/Sam Lee, File)", "photo_credit"),
        ("Lena Fischer/Getty Images", "credit_line"),
        ("Copyright 2022 The AP. All rights reserved.", "copyright"),
        ("Copyright\u00a0Mark Doe/Copyright 2022 The AP. All rights reserved.", "copyright"),
        ("© 2024 Example Regional Media Ltd.", "copyright"),
        ("This material may not be published, broadcast, rewritten or redistribu", "copyright"),
        ("GNA", "agency_signoff"),
        ("(Reuters)", "agency_signoff"),
        ("-- AFP", "agency_signoff"),
        ("dpa/GNA", "agency_signoff"),
        ("Associated Press", "agency_signoff"),
        ("ab/xy (AFP, dpa)", "agency_signoff"),
        ("(With inputs from agencies)", "agency_signoff"),
        ("Reporting by Jane Doe; Editing by Mark Roe", "reporting_credit"),
        ("(Reporting by Jane Doe in Accra; additional reporting by Sam Poe)", "reporting_credit"),
        ("Associated Press writer Pat Kim in Albany contributed to this report.", "reporting_credit"),
        ("Our Standards: The Thomson Reuters Trust Principles.", "reporting_credit"),
        ("Read more: Council approves budget for library repairs", "read_more"),
        ("Related: Ferry fares to rise in spring", "read_more"),
        ("WATCH: The moment the oak fell", "read_more"),
        ("Sign up for our morning newsletter", "newsletter"),
        ("Click here to read the full report", "call_to_action"),
        ("Follow us on Telegram", "follow_us"),
        ("Tags: ferries, islands, transport", "metadata_field"),
        ("Compartir en Facebook", "share_tools"),
        ("Partager sur X", "share_tools"),
        ("Lee también: Los regantes piden garantías de agua", "read_more"),
        ("À lire aussi : Les trains de nuit reviennent", "read_more"),
        ("Le puede interesar: Los regantes piden garantías de agua", "read_more"),
        ("PUEDES VER: ¿Qué es la Sunedu y para qué sirve?", "read_more"),
        ("Auch lesen: Die Fähre fährt wieder", "read_more"),
        # what widgets leave: a sign-up box filled in, a share prompt, a comment policy, a contact
        ("Thanks for signing up! Check your inbox to confirm your subscription.", "newsletter"),
        ("You have successfully subscribed to our newsletter.", "newsletter"),
        ("Like this story? Share it with a friend.", "share_tools"),
        ("Enjoyed this article? Share it!", "share_tools"),
        ("We welcome comments that advance the story. Please read our community guidelines.", "comments"),
        ("Comments are moderated and may take a while to appear.", "comments"),
        ("Have your say: join the conversation below.", "comments"),
        ("Contact the author at jane.doe@example.com", "author_contact"),
        ("E-Mail: presse@example.org", "author_contact"),
        ("Jane Doe can be reached at 555-0100 or jdoe@example.org.", "author_contact"),
        ("Got a news tip? Email us at tips@example.com", "author_contact"),
        ("3 Kommentare", "comments"),
        ("Keine Kommentare", "comments"),
        ("Wird geladen …", "page_chrome"),
        ("Keine Kommentare (Kommentare erscheinen erst nach unserer Freigabe)", "comments"),
        ("Letzte Aktualisierung am 2.02.2022 / Bei den Verlinkungen handelt es sich um Affiliate Links", "ad_disclosure"),
        ("If you enjoyed reading this post, would you consider supporting our work? Thanks!", "paywall"),
        # follow prompts in other languages, app and paywall prompts, ad disclosures, letters
        ("Síguenos en Telegram, Instagram, Facebook y Twitter", "follow_us"),
        ("Folgen Sie uns auf Twitter", "follow_us"),
        ("For the latest stories and breaking news updates download the Gazette apps for iOS and Android.", "app_download"),
        ("Download our app for breaking news alerts", "app_download"),
        ("Pour lire la suite", "paywall"),
        ("If you're already a subscriber, you can log in for immediate access to this story.", "paywall"),
        ("HAZTE MIEMBRO Y DISFRUTA DE BENEFICIOS EXCLUSIVOS", "paywall"),
        ("*Werbung. Dieser Beitrag enthält Werbung für eine Marke.", "ad_disclosure"),
        ("This post contains affiliate links. We may earn a commission if you buy through them.", "ad_disclosure"),
        ("We may receive compensation if you visit partners we recommend.", "ad_disclosure"),
        ("We want to hear what you think about this article. Submit a letter to the editor.", "comments"),
        ("Follow The Harbour Courier on Instagram and Facebook", "follow_us"),
    ],
)
def test_rule_removes_line(line: str, rule: str) -> None:
    assert drop_reason(" ".join(line.split())) == rule


@pytest.mark.parametrize(
    "line",
    [
        "Copyright lawyers said the ruling in 2021 would change how songs are licensed.",
        "More-than-expected inflation pushed the central bank to act.",
        "Video, which spread quickly online, showed the crane toppling.",
        "Share prices fell by a third after the announcement.",
        "Reuters reported on Monday that the talks had stalled, citing three people briefed on them.",
        "Comments made by the minister on Tuesday drew criticism from the opposition.",
        "Russia's defence minister said earlier the two were not creating a \"military bloc\".",
        "The West has slapped numerous sanctions on Russia due to its full-scale invasion of Ukraine "
        "in February 2022.",
        "Contact tracing teams reached 3,000 people on Monday.",
        "Email records obtained by the newspaper show the mayor knew.",
        "We welcome the decision, the union said.",
        "Readers liked the story so much that the paper printed it twice.",
        "The island can be reached in 120 minutes by ferry.",
        "Comments are an important part of the consultation, the council said, and residents have until May.",
        "Follow-up checks found no further damage on the quay.",
        "Have your say on the harbour plans at the consultation, which runs at the town hall until 5 May.",
        "Users can download the new app for iOS and Android from Monday, the council said.",
        "Support for local journalism has fallen for a decade, the survey found.",
        "Anzeige erstattet: Die Polizei ermittelt gegen den Fahrer.",
        "We want to build 300 homes by 2030, the mayor said.",
        "Subscribers to the ferry pass will pay less from April.",
        "Kommentare aus dem Rathaus blieben am Montag aus.",
    ],
)
def test_article_sentences_are_kept(line: str) -> None:
    assert drop_reason(line) is None


def test_every_rule_has_a_snake_case_name() -> None:
    assert all(rule.name.replace("_", "").isalpha() and rule.name.islower() for rule in RULES)


def test_long_lines_escape_short_line_rules() -> None:
    # An agency name alone is a sign-off; the same words in a long sentence are text.
    assert drop_reason("Reuters") == "agency_signoff"
    assert drop_reason("Reuters and AFP and dpa and AP and Xinhua and PTI and EFE and ANSA") is None


@pytest.mark.parametrize(
    "line",
    ["You might also like", "Related articles", "More from Euronews", "Read more", "Most read"],
)
def test_story_list_headings(line: str) -> None:
    assert is_list_heading(line)


def test_a_sentence_is_not_a_list_heading() -> None:
    assert not is_list_heading("More from the council meeting was expected on Friday.")


def test_headlines_do_not_end_like_sentences() -> None:
    assert looks_like_headline("China and Philippines boats clash in disputed South China Sea area")
    assert looks_like_headline("Is the night train back for good?")
    assert not looks_like_headline("The mayor said the oak would be replanted.")
    assert not looks_like_headline('He called it "a shame."')
    assert not looks_like_headline("Putin")  # one word


# --- paragraphs and normal forms ---------------------------------------------------------------


def test_each_scraped_line_is_its_own_paragraph() -> None:
    text = "Title\nBy\u00a0Jane Doe\nShare this article\n\nFirst paragraph.\u00a0 \n\n\nSecond."
    assert split_paragraphs(text) == [
        "Title",
        "By Jane Doe",
        "Share this article",
        "First paragraph.",
        "Second.",
    ]


def test_fixed_width_wrapped_paragraph_is_rejoined() -> None:
    text = (
        "The collection was assembled over four decades by a retired mechanic\n"
        "who donated it to the city on condition that visitors could touch and,\n"
        "on some days, ride the older models in the courtyard."
    )
    assert split_paragraphs(text) == [" ".join(text.split())]


def test_windows_line_endings_and_invisible_characters() -> None:
    assert split_paragraphs("One\u200b line\r\n\r\nTwo\u00adlines\r\n") == ["One line", "Twolines"]


def test_normalize_line() -> None:
    assert normalize_line("  Share this\u00a0ARTICLE!  ") == "share this article"
    assert normalize_line("• Subscribe to our newsletter »") == "subscribe to our newsletter"
    assert normalize_line("“We see all this,” he said.") == "we see all this,” he said"


# --- template lines ----------------------------------------------------------------------------

WIRE = (
    "Russia's president claimed on Wednesday that Moscow and Beijing were not trying to build "
    "an alliance, though noted their increasingly vital relations."
)


def _story(n: int) -> str:
    return (
        f"Story number {n} is about something different from the others in the set.\n\n"
        f"Its second paragraph, number {n} too, adds detail that no other story in the set repeats."
    )


def test_line_in_most_documents_of_an_outlet_is_template() -> None:
    docs = [("gazette", f"{_story(i)}\n\nSubscribe to the Harbour Gazette!") for i in range(4)]
    docs.append(("gazette", _story(9)))
    assert find_template_lines(docs)["gazette"] == frozenset({"subscribe to the harbour gazette"})


def test_line_in_too_few_documents_is_not_template() -> None:
    docs = [("gazette", f"{_story(i)}\n\nSubscribe now") for i in range(2)]
    docs += [("gazette", _story(i)) for i in range(5, 7)]
    assert find_template_lines(docs)["gazette"] == frozenset()


def test_line_in_a_minority_of_documents_is_not_template() -> None:
    docs = [("gazette", f"{_story(i)}\n\nSubscribe now") for i in range(3)]
    docs += [("gazette", _story(i)) for i in range(10, 14)]
    assert find_template_lines(docs)["gazette"] == frozenset()


def test_paragraph_shared_by_two_outlets_is_wire_copy_not_template() -> None:
    docs = [("euronews", f"{_story(i)}\n\n{WIRE}") for i in range(4)] + [("euronews", _story(5))]
    docs += [("gna", f"{_story(i + 20)}\n\n{WIRE}") for i in range(4)] + [("gna", _story(30))]
    templates = find_template_lines(docs)
    assert templates == {"euronews": frozenset(), "gna": frozenset()}


def test_short_line_shared_by_two_outlets_is_still_template() -> None:
    docs = [("a", f"{_story(i)}\n\nShare this article") for i in range(3)]
    docs += [("b", f"{_story(i + 10)}\n\nShare this article") for i in range(3)]
    templates = find_template_lines(docs)
    assert templates["a"] == templates["b"] == frozenset({"share this article"})


def test_long_line_much_more_frequent_in_one_outlet_is_template() -> None:
    about = (
        "The Harbour Gazette is an independent newspaper serving the islands since 1921, "
        "read by thousands."
    )
    docs = [("gazette", f"{_story(i)}\n\n{about}") for i in range(4)]
    docs += [("other", _story(i + 10)) for i in range(19)] + [("other", f"{_story(40)}\n\n{about}")]
    assert normalize_line(about) in find_template_lines(docs)["gazette"]


def test_copies_of_one_story_are_not_template() -> None:
    story = "\n\n".join(
        f"Paragraph {i} of the one story the archive holds three copies of." for i in range(6)
    )
    footer = "Subscribe to the Harbour Gazette"
    docs = [("gazette", f"{story}\n\n{footer}") for _ in range(3)]
    docs += [("gazette", f"{_story(i)}\n\n{footer}") for i in range(5)]
    assert find_template_lines(docs)["gazette"] == frozenset({"subscribe to the harbour gazette"})


def test_min_docs_and_min_share_are_parameters() -> None:
    docs = [("a", f"{_story(i)}\n\nShare") for i in range(2)] + [("a", _story(7))]
    assert find_template_lines(docs)["a"] == frozenset()
    assert find_template_lines(docs, min_docs=2, min_share=0.6)["a"] == frozenset({"share"})


def test_no_documents() -> None:
    assert find_template_lines([]) == {}
