"""Sources: command-line inputs and sources.toml become named sources and a fetch policy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from typer.testing import CliRunner

from flows.cli import app
from flows.fetch import FetchPolicy
from flows.settings import Settings
from flows.sources import SourcesError, from_arguments, load_sources, parse_backfill, parse_since

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.timezone.utc)


def test_since_takes_iso_dates_datetimes_and_durations():
    assert parse_since("2026-11-01", NOW) == dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    assert parse_since("2026-11-01T08:30:00+01:00", NOW) == dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.timezone.utc)
    assert parse_since("36h", NOW) == NOW - dt.timedelta(hours=36)
    assert parse_since("2w", NOW) == NOW - dt.timedelta(days=14)
    assert parse_since(dt.date(2026, 1, 2), NOW) == dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    assert parse_since(None, NOW) is None
    with pytest.raises(SourcesError, match="neither an ISO date nor a duration"):
        parse_since("last tuesday", NOW)


def test_arguments_are_told_apart_by_what_they_are(tmp_path):
    url_list = tmp_path / "watch.txt"
    url_list.write_text("# my list\nhttps://example.com/a.html\n\nhttps://example.org/b?utm_source=x\n")
    article = tmp_path / "story.txt"
    article.write_text("Lead paragraph of a story.\nhttps://example.com/source-link\n")
    sources = from_arguments(["https://Example.com/feed.xml?utm_medium=rss", str(url_list), str(article), str(tmp_path)])
    assert [(s.kind, s.location) for s in sources] == [
        ("url", "https://example.com/feed.xml"),
        ("urls", str(url_list.absolute())),
        ("folder", str(article)),
        ("folder", str(tmp_path)),
    ]


def test_only_http_urls_are_accepted_on_the_command_line():
    with pytest.raises(SourcesError, match="only http and https"):
        from_arguments(["ftp://example.com/feed.xml"])


def test_the_example_sources_file_is_valid():
    plan = load_sources(REPO / "sources.example.toml")
    kinds = {s.name: s.kind for s in plan.sources}
    assert kinds == {"bbc-world": "feed", "guardian-news-sitemap": "sitemap", "watchlist": "urls", "archive": "folder"}
    guardian = next(s for s in plan.sources if s.name == "guardian-news-sitemap")
    assert guardian.max_articles == 200 and guardian.allowed_domains == ("theguardian.com",)
    bbc = next(s for s in plan.sources if s.name == "bbc-world")
    assert bbc.max_articles == 500  # from [defaults]
    assert plan.policy == FetchPolicy()  # the file spells out the defaults
    archive = next(s for s in plan.sources if s.name == "archive")
    assert archive.location == str(REPO / "examples")
    groups = {s.name: s.group for s in plan.sources}
    assert groups == {"bbc-world": "world", "guardian-news-sitemap": "world", "watchlist": "watchlist", "archive": "archive"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[source]]\nname = "a"\nkind = "podcast"\nlocation = "https://x.org/"\n', "kind must be one of"),
        ('[[source]]\nname = "a"\nkind = "feed"\n', "location is required"),
        ('[[source]]\nname = "a"\nkind = "feed"\nlocation = "file:///etc/passwd"\n', "not an http"),
        ('[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\ncolour = 1\n', "unknown key"),
        ('[fetch]\nper_host = "two"\n[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\n', "per_host must be int"),
        ('[fetch]\nspeed = 1\n[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\n', "unknown setting"),
        ('[fetch]\nallowed_networks = ["10.0.0.0/33"]\n[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\n', "allowed_networks"),
        ('[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\n[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://y.org/"\n', "used twice"),
        ('[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\nmax_articles = 0\n', "positive integer"),
        ('[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\nsince = "soon"\n', "since"),
        ('[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\ngroup = 3\n', "group must be a non-empty string"),
        ('[defaults]\ngroup = " "\n[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/"\n', "group must be a non-empty string"),
        ("[[source]\n", "not valid TOML"),
        ("", r"no \[\[source\]\] entries"),
    ],
)
def test_a_bad_sources_file_says_what_is_wrong(tmp_path, text, message):
    with pytest.raises(SourcesError, match=message):
        load_sources(write(tmp_path, text))


def test_fetch_settings_override_the_defaults(tmp_path):
    path = write(
        tmp_path,
        '[fetch]\nuser_agent = "ExampleBot/1.0 (+mailto:ops@example.org)"\nper_host = 4\nread_timeout = 5\n'
        'allowed_networks = ["10.1.0.0/16"]\n'
        '[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://x.org/feed"\n',
    )
    policy = load_sources(path).policy
    assert policy.user_agent == "ExampleBot/1.0 (+mailto:ops@example.org)"
    assert (policy.per_host, policy.read_timeout, policy.allowed_networks) == (4, 5.0, ("10.1.0.0/16",))


def test_a_backfill_is_a_strict_range_of_days():
    days = parse_backfill("2026-01-01..2026-01-31")
    assert (days.first, days.last) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert dt.datetime(2026, 1, 31, 23, 59, tzinfo=dt.timezone.utc) in days
    # Compared as UTC days: 00:30 on Feb 1st in Paris is still January 31st in UTC.
    assert dt.datetime(2026, 2, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))) in days
    assert dt.datetime(2026, 2, 1, 0, 30, tzinfo=dt.timezone.utc) not in days
    assert dt.datetime(2025, 12, 31, 23, 59, tzinfo=dt.timezone.utc) not in days
    assert parse_backfill("2026-03-05..2026-03-05").first == dt.date(2026, 3, 5)  # one day


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-01-01", "not a range of days"),
        ("2026-01-01..", "not a range of days"),
        ("2026-01-01 .. 2026-01-31", "not a range of days"),
        ("2026-1-1..2026-1-31", "not a range of days"),
        ("2026-01-01T00:00..2026-01-31", "not a range of days"),
        ("last week", "not a range of days"),
        ("2026-02-30..2026-03-01", "day is out of range"),
        ("2026-01-31..2026-01-01", "ends before it starts"),
    ],
)
def test_a_bad_backfill_says_what_is_wrong(value, message):
    with pytest.raises(SourcesError, match=message):
        parse_backfill(value)


def test_a_backfill_applies_to_feeds_and_sitemaps_and_needs_one(tmp_path):
    sources = write(
        tmp_path,
        '[defaults]\nmax_articles = 5\n'
        '[[source]]\nname = "map"\nkind = "sitemap"\nlocation = "https://x.org/sitemap.xml"\n'
        f'[[source]]\nname = "disk"\nkind = "folder"\nlocation = "{tmp_path}"\n',
    )
    plan = Settings.from_env(db=tmp_path / "w.duckdb").plan([], str(sources), backfill="2026-01-01..2026-01-31")
    assert {s.name: str(s.backfill) for s in plan.sources} == {"map": "2026-01-01..2026-01-31", "disk": "None"}
    with pytest.raises(SourcesError, match="no feed or sitemap to backfill"):
        Settings.from_env(db=tmp_path / "w.duckdb").plan([str(tmp_path)], None, backfill="2026-01-01..2026-01-31")


GROUPED = (
    '[defaults]\ngroup = "morning"\n'
    '[[source]]\nname = "a"\nkind = "feed"\nlocation = "https://a.example/feed"\n'
    '[[source]]\nname = "b"\nkind = "feed"\nlocation = "https://b.example/feed"\ngroup = "evening"\n'
    '[[source]]\nname = "c"\nkind = "sitemap"\nlocation = "https://c.example/sitemap.xml"\n'
)


def test_a_group_restricts_a_sources_file_to_its_sources(tmp_path):
    path = write(tmp_path, GROUPED)
    assert [s.name for s in load_sources(path).sources] == ["a", "b", "c"]
    assert [s.name for s in load_sources(path, group="morning").sources] == ["a", "c"]  # from [defaults]
    assert [s.name for s in load_sources(path, group="evening").sources] == ["b"]


def test_an_unknown_group_names_the_groups_there_are(tmp_path):
    with pytest.raises(SourcesError, match=r"no source is in group 'night' \(groups: evening, morning\)"):
        load_sources(write(tmp_path, GROUPED), group="night")


def test_a_group_needs_a_sources_file():
    with pytest.raises(SourcesError, match="needs a sources file"):
        Settings.from_env().plan(["examples"], None, group="morning")


def test_the_cli_refuses_an_unknown_group_before_starting_anything(tmp_path):
    db = tmp_path / "x.duckdb"
    result = CliRunner().invoke(
        app, ["ingest", "--sources", str(write(tmp_path, GROUPED)), "--group", "night", "--db", str(db)]
    )
    assert result.exit_code == 2
    assert "nosourceisingroup'night'" in "".join(result.output.split())  # rich wraps long lines anywhere
    assert not db.exists()
