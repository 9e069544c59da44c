"""The template-change rule: which falls in a site's extraction raise an alert, and which do not."""

from transforms.site_health import Health, SiteHealth, format_change, template_alerts

USUAL = Health(articles=20, with_title=1.0, with_day_date=0.9, with_author=0.85, median_words=400)


def site(now: Health, baseline: Health | None = USUAL, name: str = "The Kestrel Bay Courier") -> SiteHealth:
    return SiteHealth(name, now, baseline)


def test_a_site_losing_its_authors_raises_one_alert_naming_site_field_and_figures():
    now = Health(articles=12, with_title=1.0, with_day_date=0.9, with_author=0.0, median_words=410)
    (alert,) = template_alerts([site(now), site(USUAL, name="Northgate Post")])
    assert (alert.site, alert.field, alert.baseline, alert.observed) == ("The Kestrel Bay Courier", "author", 0.85, 0.0)
    assert (alert.articles, alert.baseline_articles) == (12, 20)
    assert alert.describe() == (
        "The Kestrel Bay Courier: author 85% → 0% (12 articles; 20 in the previous 7 days)"
    )


def test_every_field_that_fell_is_named():
    now = Health(articles=8, with_title=0.5, with_day_date=0.1, with_author=0.2, median_words=150)
    assert [a.field for a in template_alerts([site(now)])] == ["title", "date", "author", "median_words"]


def test_a_fall_of_exactly_thirty_points_alerts_and_a_smaller_one_does_not():
    baseline = Health(articles=10, with_title=0.7, with_day_date=0.7, with_author=0.7, median_words=300)
    thirty = Health(articles=10, with_title=0.7, with_day_date=0.4, with_author=0.7, median_words=300)
    twenty = Health(articles=10, with_title=0.7, with_day_date=0.5, with_author=0.5, median_words=300)
    assert [a.field for a in template_alerts([site(thirty, baseline)])] == ["date"]
    assert template_alerts([site(twenty, baseline)]) == []


def test_the_text_halving_alerts_and_a_shorter_text_does_not():
    halved = Health(articles=10, with_title=1.0, with_day_date=0.9, with_author=0.85, median_words=200)
    shorter = Health(articles=10, with_title=1.0, with_day_date=0.9, with_author=0.85, median_words=240)
    assert [(a.field, a.observed) for a in template_alerts([site(halved)])] == [("median_words", 200)]
    assert template_alerts([site(shorter)]) == []


def test_small_samples_and_new_sites_raise_no_alert():
    broken = Health(articles=4, with_title=0.0, with_day_date=0.0, with_author=0.0, median_words=40)
    small_baseline = Health(articles=4, with_title=1.0, with_day_date=1.0, with_author=1.0, median_words=400)
    enough = Health(articles=5, with_title=0.0, with_day_date=0.0, with_author=0.0, median_words=40)
    assert template_alerts([site(broken)]) == []  # 4 articles in this load
    assert template_alerts([site(enough, small_baseline)]) == []  # 4 in the baseline
    assert template_alerts([site(enough, None)]) == []  # nothing to compare with
    assert len(template_alerts([site(enough)])) == 4  # 5 and 20: compared


def test_a_site_that_got_better_raises_no_alert():
    baseline = Health(articles=10, with_title=0.5, with_day_date=0.2, with_author=0.1, median_words=200)
    assert template_alerts([site(USUAL, baseline)]) == []


def test_changes_read_as_points_for_shares_and_percent_for_words():
    assert format_change("author", 0.25, 0.85) == "-60 pp"
    assert format_change("title", 1.0, 1.0) == "+0 pp"
    assert format_change("median_words", 200, 400) == "-50%"
