"""The public education pages, through their real URLs, with the shipped content the migration loads."""

import re
from html import unescape

import pytest
from django.utils.html import escape

from clinic.models import ClinicProfile
from education.loader import read_shipped_pages
from education.models import FAQ, Article, Condition

pytestmark = pytest.mark.django_db

SHIPPED = read_shipped_pages()
ARTICLE_SLUGS = [p.slug for p in SHIPPED if p.kind == "articles"]
CONDITION_SLUGS = [p.slug for p in SHIPPED if p.kind == "conditions"]
LIST_PAGES = ["/ims/", "/ims/conditions/", "/ims/faq/", "/ims/search/", "/ims/search/?q=neck"]
DETAIL_PAGES = [f"/ims/{slug}/" for slug in ARTICLE_SLUGS] + [f"/ims/conditions/{s}/" for s in CONDITION_SLUGS]


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def head_tag(html: str, pattern: str) -> str:
    match = re.search(pattern, html)
    assert match, f"missing in <head>: {pattern}"
    return unescape(match.group(1))


@pytest.mark.parametrize("url", LIST_PAGES + DETAIL_PAGES)
def test_every_shipped_page_renders(client, url):
    response = client.get(url)
    assert response.status_code == 200


def test_migration_loaded_all_shipped_pages_as_published():
    assert Article.objects.published().count() == 5
    assert Condition.objects.published().count() == 21
    assert FAQ.objects.published().count() == len([p for p in SHIPPED if p.kind == "faqs"]) >= 12


def test_unknown_article_and_condition_are_404(client):
    assert client.get("/ims/no-such-article/").status_code == 404
    assert client.get("/ims/conditions/no-such-condition/").status_code == 404


def test_pages_refuse_post(client):
    assert client.post("/ims/what-is-ims/").status_code == 405
    assert client.post("/ims/search/", {"q": "neck"}).status_code == 405


def test_index_groups_articles_by_topic_and_links_to_conditions_faq_and_search(client):
    html = main_of(client.get("/ims/").content.decode())
    headings = re.findall(r"<h2 id=\"[a-z-]+-heading\">([^<]+)</h2>", html)
    assert headings[:3] == ["About IMS", "Treatment", "Paying for IMS"]
    about = html.split('id="about-ims-heading"')[1].split("</section>")[0]
    assert 'href="/ims/what-is-ims/"' in about and 'href="/ims/ims-vs-acupuncture/"' in about
    coverage = html.split('id="coverage-heading"')[1].split("</section>")[0]
    assert 'href="/ims/paying-for-ims/"' in coverage
    assert 'href="/ims/conditions/"' in html and 'href="/ims/faq/"' in html
    form = re.search(r'<form[^>]*role="search"[^>]*>', html).group(0)
    assert 'action="/ims/search/"' in form and 'method="get"' in form
    assert '<label class="form-label" for="search-q">' in html and 'id="search-q" name="q"' in html


def test_conditions_overview_links_to_exactly_21_condition_pages_grouped_by_region(client):
    html = main_of(client.get("/ims/conditions/").content.decode())
    linked = re.findall(r'href="/ims/conditions/([a-z0-9-]+)/"', html)
    assert len(linked) == 21
    assert set(linked) == set(CONDITION_SLUGS)
    grid = html.split('class="region-grid"')[1].split('class="edu-note"')[0]
    regions = re.findall(r"<h2 id=\"[a-z-]+-heading\">([^<]+)</h2>", grid)
    assert regions == [
        "Head, jaw and neck",
        "Shoulder, arm and hand",
        "Back and trunk",
        "Hip and leg",
        "Whole-body and muscle pain",
    ]
    back = html.split('id="back-heading"')[1].split("</section>")[0]
    assert 'href="/ims/conditions/low-back-pain/"' in back
    assert "Lateral epicondylitis" in html  # medical terms shown beside the plain names


def test_article_page_has_title_lead_reading_time_body_related_cta_and_review(client):
    article = Article.objects.get(slug="what-is-ims")
    html = client.get("/ims/what-is-ims/").content.decode()
    main = main_of(html)
    assert "<h1>What is IMS?</h1>" in main
    assert f'<p class="lead">{article.summary}</p>' in main
    minutes = -(-len(article.body_text.split()) // 200)
    assert f"{minutes} minute read" in main
    assert article.body_html in main
    related = main.split('id="related-heading"')[1].split("</section>")[0]
    assert 'href="/ims/ims-vs-acupuncture/"' in related
    conditions = main.split('id="conditions-heading"')[1].split("</section>")[0]
    assert 'href="/ims/conditions/whiplash/"' in conditions
    assert 'href="/book/?service=ims-assessment"' in main and "Book an IMS assessment" in main
    plain = text_of(main)
    assert "Page last reviewed: 15 November 2026 · Next review due: 15 November 2027" in plain
    assert "Reviewed by: Registered physiotherapist trained in Gunn IMS" in plain
    # The review line comes last, after the call to action.
    assert plain.index("Book an IMS assessment") < plain.index("Page last reviewed")


def test_reading_time_rounds_words_up_to_whole_minutes(client):
    from .factories import make_article

    make_article(slug="long-read", body=" ".join(["word"] * 201))
    assert "2 minute read" in client.get("/ims/long-read/").content.decode()
    make_article(slug="short-read", body=" ".join(["word"] * 200))
    assert "1 minute read" in client.get("/ims/short-read/").content.decode()


def test_condition_page_has_medical_term_body_related_articles_cta_and_review(client):
    html = main_of(client.get("/ims/conditions/tennis-elbow/").content.decode())
    assert "<h1>Tennis elbow</h1>" in html
    assert "Medical term: <strong>Lateral epicondylitis</strong>" in html
    assert "<h2>Why IMS may help</h2>" in html
    related = html.split('id="related-heading"')[1].split("</section>")[0]
    assert 'href="/ims/what-is-ims/"' in related
    assert 'href="/book/?service=ims-assessment"' in html
    assert "Page last reviewed: 15 November 2026 · Next review due: 15 November 2027" in text_of(html)


def test_faq_page_shows_every_published_answer_without_javascript_each_linking_to_its_article(client):
    html = main_of(client.get("/ims/faq/").content.decode())
    for faq in FAQ.objects.published().select_related("article"):
        section = html.split(f'<section class="faq-item" id="{faq.slug}"')[1].split("</section>")[0]
        assert f">{escape(faq.title)}</h2>" in section
        assert faq.body_html in section
        assert f'href="{faq.article.get_absolute_url()}"' in section
    assert "<details" not in html  # answers are plain text on the page, not behind a toggle


def test_faq_without_a_link_in_its_answer_still_links_to_its_article(client):
    from .factories import make_faq

    article = Article.objects.get(slug="ims-safety")
    make_faq(slug="plain-answer", title="Is this a plain answer?", body="Yes, with no link in it.", article=article)
    html = main_of(client.get("/ims/faq/").content.decode())
    section = html.split('id="plain-answer"')[1].split("</section>")[0]
    assert 'href="/ims/ims-safety/"' in section and "Read more: Is IMS safe?" in section


@pytest.mark.parametrize("url", ["/ims/what-is-ims/", "/ims/conditions/", "/ims/conditions/whiplash/", "/ims/faq/",
                                 "/ims/search/?q=neck"])
def test_breadcrumbs_on_every_page_but_the_index_end_with_the_current_page(client, url):
    html = client.get(url).content.decode()
    nav = re.search(r'<nav[^>]*aria-label="Breadcrumb"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "breadcrumb navigation missing"
    items = re.findall(r"<li[^>]*>(.*?)</li>", nav.group(1), re.S)
    assert "<ol" in nav.group(1)
    assert 'href="/"' in items[0] and 'href="/ims/"' in items[1]
    assert 'aria-current="page"' in items[-1] and "href" not in items[-1]
    assert all('aria-current="page"' not in item for item in items[:-1])


def test_index_has_no_breadcrumbs(client):
    assert 'aria-label="Breadcrumb"' not in client.get("/ims/").content.decode()


def test_every_page_has_a_unique_title_and_description_canonical_and_open_graph(client):
    name = ClinicProfile.load().name
    titles, descriptions = set(), set()
    for url in ["/ims/", "/ims/conditions/", "/ims/faq/", "/ims/search/", *DETAIL_PAGES]:
        html = client.get(url + "?utm_source=newsletter").content.decode()
        title = head_tag(html, r"<title>(.*?)</title>")
        assert title.endswith(f" | {name}")
        description = head_tag(html, r'<meta name="description" content="([^"]*)">')
        assert 20 < len(description) <= 160
        assert head_tag(html, r'<link rel="canonical" href="([^"]+)">') == f"http://testserver{url}"
        assert head_tag(html, r'<meta property="og:url" content="([^"]+)">') == f"http://testserver{url}"
        assert head_tag(html, r'<meta property="og:title" content="([^"]+)">')
        assert head_tag(html, r'<meta property="og:description" content="([^"]+)">')
        og_type = head_tag(html, r'<meta property="og:type" content="([^"]+)">')
        assert og_type == ("article" if url in DETAIL_PAGES else "website")
        titles.add(title)
        descriptions.add(description)
    assert len(titles) == len(descriptions) == 4 + len(DETAIL_PAGES)


def test_article_title_and_description_come_from_the_page(client):
    article = Article.objects.get(slug="paying-for-ims")
    html = client.get("/ims/paying-for-ims/").content.decode()
    assert f"<title>Paying for IMS in BC | {escape(ClinicProfile.load().name)}</title>" in html
    assert head_tag(html, r'<meta name="description" content="([^"]*)">') == article.summary


def test_pages_have_no_inline_scripts_or_style_attributes(client):
    for url in ["/ims/", "/ims/what-is-ims/", "/ims/paying-for-ims/", "/ims/conditions/", "/ims/conditions/whiplash/",
                "/ims/faq/", "/ims/search/?q=neck", "/ims/search/?q=zzzz"]:
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script([^>]*)>", html)
        assert all('type="application/ld+json"' in attrs for attrs in scripts), url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_wide_tables_scroll_inside_a_focusable_region(client):
    html = main_of(client.get("/ims/ims-vs-acupuncture/").content.decode())
    assert '<div class="table-scroll" tabindex="0" role="region"' in html
    assert html.count("<table>") == html.count('class="table-scroll"') >= 1
