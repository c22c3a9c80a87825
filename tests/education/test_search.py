"""Full-text search across articles, conditions and FAQs, through GET /ims/search/?q=."""

import re

import pytest

from education.search import MAX_QUERY_LENGTH, clean_query, safe_snippet, search_pages

from .factories import make_article, make_condition

pytestmark = pytest.mark.django_db


def result_urls(client, q: str) -> list[str]:
    response = client.get("/ims/search/", {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'<h3 class="result__title"><a href="([^"]+)">', html)


def test_whiplash_finds_the_whiplash_condition_first(client):
    assert result_urls(client, "whiplash")[0] == "/ims/conditions/whiplash/"


def test_tennis_elbow_finds_the_tennis_elbow_condition_first(client):
    assert result_urls(client, "tennis elbow")[0] == "/ims/conditions/tennis-elbow/"


def test_does_it_hurt_finds_the_question_about_pain_first(client):
    assert result_urls(client, "does it hurt")[0] == "/ims/faq/#does-ims-hurt"


def test_pregnant_finds_the_pregnancy_question_and_the_safety_article(client):
    urls = result_urls(client, "pregnant")
    assert urls[0] == "/ims/faq/#ims-and-pregnancy"
    assert "/ims/ims-safety/" in urls


def test_icbc_finds_paying_for_ims(client):
    urls = result_urls(client, "ICBC")
    assert "/ims/paying-for-ims/" in urls[:3]


def test_a_title_match_ranks_above_a_body_match():
    body_match = make_article(title="Quiet page", summary="Nothing here.", body="A word about quokkas in the body.")
    title_match = make_condition(title="Quokkas", summary="Nothing here either.", body="Plain body text.")
    hits = search_pages("quokkas")
    assert [h.slug for h in hits] == [title_match.slug, body_match.slug]
    assert hits[0].kind == "condition" and hits[1].kind == "article"


def test_a_summary_match_ranks_above_a_body_match():
    body_match = make_article(title="Page one", summary="Nothing.", body="Wombats mentioned once in the body.")
    summary_match = make_article(title="Page two", summary="All about wombats.", body="Plain body text.")
    assert [h.slug for h in search_pages("wombats")] == [summary_match.slug, body_match.slug]


def test_results_show_a_count_and_highlighted_snippets(client):
    html = client.get("/ims/search/", {"q": "whiplash"}).content.decode()
    count = len(result_urls(client, "whiplash"))
    assert f"{count} result{'s' if count != 1 else ''} for “whiplash”" in html
    assert re.search(r"<mark>whiplash</mark>", html, re.I)


def test_snippets_escape_everything_but_mark():
    snippet = safe_snippet('<mark>pain</mark> <script>alert(1)</script> & <b onclick="x">bold</b>')
    assert snippet.startswith("<mark>pain</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b")
    assert "<script" not in snippet and "<b " not in snippet


def test_html_in_page_text_comes_back_escaped_in_snippets(client):
    make_article(title="Angle brackets", summary="Quolls and <b>brackets</b>.", body="Quolls &lt;script&gt; text.")
    html = client.get("/ims/search/", {"q": "quolls"}).content.decode()
    snippet = html.split('<p class="result__snippet mb-0">')[1].split("</p>")[0]
    assert "<script" not in snippet and "<b>" not in snippet
    assert "<mark>Quolls</mark>" in snippet


def test_empty_or_blank_query_shows_the_form_without_results(client):
    for params in ({}, {"q": ""}, {"q": "   \t "}):
        response = client.get("/ims/search/", params)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="q"' in html
        assert "result__title" not in html and "results for" not in html and "No results" not in html


@pytest.mark.parametrize(
    "q",
    [
        "x" * 5000,
        "neck " * 1000,
        '"unbalanced quote',
        "-",
        "OR OR OR",
        "a & b | !c <-> d:*",
        "'; DROP TABLE education_article; --",
        "<script>alert(1)</script>",
        "emoji 🦴 ünïcödé",
        "the and of",  # only stop words
        "%_\\",
    ],
)
def test_odd_or_huge_queries_never_fail(client, q):
    response = client.get("/ims/search/", {"q": q})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_a_nul_byte_in_the_query_gets_the_sites_plain_400_page(client):
    response = client.get("/ims/search/", {"q": "\x00nul byte"})
    assert response.status_code == 400 and b"could not read that address" in response.content


def test_long_queries_are_cut_to_the_maximum_length():
    assert len(clean_query("neck " * 1000)) <= MAX_QUERY_LENGTH
    assert clean_query("  neck\x00 \n pain ") == "neck pain"


def test_a_query_that_matches_nothing_offers_a_way_forward(client):
    html = client.get("/ims/search/", {"q": "xylophone"}).content.decode()
    assert "No results for “xylophone”" in html
    assert 'href="/ims/what-is-ims/"' in html  # suggested topics
    assert 'href="/ims/faq/"' in html
    assert 'href="tel:' in html
    assert 'href="/book/?service=ims-assessment"' in html


def test_search_keeps_the_query_in_the_form_escaped(client):
    html = client.get("/ims/search/", {"q": '"><b>neck'}).content.decode()
    assert 'value="&quot;&gt;&lt;b&gt;neck"' in html
    assert "<b>neck" not in html


def test_search_results_page_is_not_indexed(client):
    assert '<meta name="robots" content="noindex">' in client.get("/ims/search/?q=neck").content.decode()


def test_the_stored_search_document_follows_every_edit_at_once():
    """The vector is a generated column: an edited body is searchable at once, the old word is gone."""
    page = make_article(title="Changing page", summary="Nothing.", body="Numbats live here.")
    assert [h.slug for h in search_pages("numbats")] == [page.slug]
    page.body = "Bilbies live here now."
    page.save()
    assert search_pages("numbats") == [] and [h.slug for h in search_pages("bilbies")] == [page.slug]


def test_a_search_reads_the_stored_indexed_vector_instead_of_computing_one_per_page():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_article(title="Echidnas", summary="Nothing.", body="Plain.")
    with CaptureQueriesContext(connection) as captured:
        search_pages("echidnas")
    [sql] = [q["sql"] for q in captured.captured_queries]
    assert '"search_vector" @@' in sql and "to_tsvector" not in sql


@pytest.mark.parametrize("q", ["whiplash", "neck pain", "IMS", '"dry needling" -acupuncture', "pain or hurt", "icbc",
                               "it's", "zzzz"])
def test_the_search_compiled_once_finds_what_the_orm_query_finds(q):
    """``search_pages`` runs the ORM's SQL compiled once, with each search's text as its parameter."""
    from education.search import matching

    expected = [(kind, title, slug, summary, rank, str(safe_snippet(headline)))
                for kind, title, slug, summary, rank, headline in matching(clean_query(q))]
    found = [(h.kind, h.title, h.slug, h.summary, h.rank, str(h.snippet)) for h in search_pages(q)]
    assert found == expected
    assert q in ("zzzz", "it's") or found  # the shipped content answers all the others ("it's": stop words)


def test_searched_text_is_a_parameter_never_sql(client):
    html = client.get("/ims/search/", {"q": "whiplash'); DROP TABLE education_article; --"}).content.decode()
    assert client.get("/ims/what-is-ims/").status_code == 200 and "whiplash" in html
