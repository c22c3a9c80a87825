"""Page bodies are Markdown rendered once and sanitized: nothing a script could use survives."""

import pytest

from education.markup import plain_text, render_markdown

from .factories import make_article

HOSTILE = """## Heading

<script>alert("x")</script>

<p onclick="steal()">Click me</p>

<img src="x" onerror="steal()">

[a bad link](javascript:alert(1)) and [another](JaVaScRiPt:alert(2))

<a href="javascript:alert(3)" onmouseover="steal()">raw link</a>

<span style="color:red">styled</span> <iframe src="https://evil.example"></iframe>

<style>body { display: none }</style>
"""


def test_markdown_renders_headings_lists_tables_and_links():
    html = render_markdown(
        "## What it is\n\nSome **bold** and *em* text.\n\n1. one\n2. two\n\n"
        "| A | B |\n|---|---|\n| 1 | 2 |\n\n"
        "[Next](/ims/what-to-expect/) [mail](mailto:a@example.com) [call](tel:+16045550142) "
        "[site](https://www.icbc.com/)"
    )
    assert "<h2>What it is</h2>" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<ol>" in html and "<li>one</li>" in html
    assert '<div class="table-scroll" tabindex="0" role="region"' in html and "<th>A</th>" in html
    assert html.count("<table>") == 1 and html.index("table-scroll") < html.index("<table>")
    for href in ["/ims/what-to-expect/", "mailto:a@example.com", "tel:+16045550142", "https://www.icbc.com/"]:
        assert f'<a href="{href}">' in html


def test_sanitizer_strips_scripts_event_handlers_javascript_links_and_styles():
    html = render_markdown(HOSTILE)
    lowered = html.lower()
    assert "<script" not in lowered and "alert(" not in lowered
    assert "onclick" not in lowered and "onerror" not in lowered and "onmouseover" not in lowered
    assert "javascript:" not in lowered
    assert "style=" not in lowered and "<style" not in lowered and "display: none" not in lowered
    assert "<iframe" not in lowered and "<img" not in lowered
    assert "Click me" in html and "raw link" in html and "styled" in html  # the words stay
    assert "<h2>Heading</h2>" in html


def test_an_empty_corner_cell_is_not_a_nameless_header():
    html = render_markdown("| | IMS | Acupuncture |\n|---|---|---|\n| Basis | Nerves | Meridians |")
    assert "<th></th>" not in html and "<td></td>" in html and "<th>IMS</th>" in html


def test_table_markers_in_text_are_escaped_not_turned_into_markup():
    html = render_markdown("Type `<table>` or &lt;table&gt; in text.")
    assert "table-scroll" not in html


def test_h1_is_not_allowed_in_a_body_the_page_title_is_the_only_h1():
    assert "<h1" not in render_markdown("# Big\n\ntext")


@pytest.mark.django_db
def test_saving_a_page_stores_sanitized_html_and_plain_text():
    article = make_article(body=HOSTILE)
    article.refresh_from_db()
    lowered = article.body_html.lower()
    assert "<script" not in lowered and "onclick" not in lowered and "onerror" not in lowered
    assert "javascript:" not in lowered and "style=" not in lowered
    assert "Click me" in article.body_text and "<" not in article.body_text


@pytest.mark.django_db
def test_editing_the_body_re_renders_the_html(client):
    article = make_article(slug="edited", body="Old words.")
    article.body = "New **words**.\n\n<script>alert(1)</script>"
    article.save(update_fields=["body"])
    article.refresh_from_db()
    assert article.body_html.strip() == "<p>New <strong>words</strong>.</p>"
    html = client.get("/ims/edited/").content.decode()
    assert "New <strong>words</strong>." in html and "alert(1)" not in html


def test_plain_text_keeps_words_and_block_breaks():
    assert plain_text("<h2>Title</h2><p>One &amp; <em>two</em>.</p><ul><li>a</li><li>b</li></ul>") == (
        "Title\nOne & two.\na\nb"
    )
