"""What search engines read: the sitemap and the MedicalWebPage structured data."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from clinic.models import ClinicProfile
from education.models import FAQ, Article, Condition, Status

from .factories import make_article, make_condition

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_urls(client) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own sitemap
    return {
        url.find("sm:loc", NS).text: getattr(url.find("sm:lastmod", NS), "text", None)
        for url in root.findall("sm:url", NS)
    }


def json_ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_sitemap_lists_exactly_the_published_education_pages(client):
    make_article(slug="hidden-draft", status=Status.DRAFT)
    make_condition(slug="hidden-draft-condition", status=Status.DRAFT)
    base = "http://testserver"
    expected = {f"{base}/ims/", f"{base}/ims/conditions/", f"{base}/ims/faq/"}
    expected |= {base + a.get_absolute_url() for a in Article.objects.published()}
    expected |= {base + c.get_absolute_url() for c in Condition.objects.published()}
    education_urls = {url for url in sitemap_urls(client) if url.startswith(f"{base}/ims/")}
    assert education_urls == expected
    assert len(expected) == 3 + 5 + 21


def test_sitemap_gives_articles_and_conditions_their_last_modified_date(client):
    urls = sitemap_urls(client)
    whiplash = Condition.objects.get(slug="whiplash")
    local_day = timezone.localtime(whiplash.updated_at).date()
    assert urls["http://testserver/ims/conditions/whiplash/"] == local_day.isoformat()
    assert urls["http://testserver/ims/what-is-ims/"] is not None


@pytest.mark.parametrize("url", ["/ims/what-is-ims/", "/ims/conditions/whiplash/"])
def test_json_ld_is_a_medical_web_page_with_review_details(client, url):
    data = json_ld(client.get(url).content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["lastReviewed"] == "2026-11-15"
    assert data["reviewedBy"] == {"@type": "Organization", "name": ClinicProfile.load().name}
    assert data["url"] == f"http://testserver{url}"
    assert data["name"] and data["description"]
    assert data["datePublished"] and data["dateModified"]


def test_condition_json_ld_is_about_the_medical_condition(client):
    data = json_ld(client.get("/ims/conditions/tennis-elbow/").content.decode())
    assert data["about"] == {
        "@type": "MedicalCondition", "name": "Tennis elbow", "alternateName": "Lateral epicondylitis",
    }


def test_json_ld_cannot_break_out_of_its_script_block(client):
    make_article(slug="sneaky", title="</script><script>alert(1)</script>", summary="<!-- & -->")
    html = client.get("/ims/sneaky/").content.decode()
    data = json_ld(html)
    assert data["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_faq_page_describes_its_questions_for_search_engines(client):
    data = json_ld(client.get("/ims/faq/").content.decode())
    assert data["@type"] == "FAQPage"
    names = [q["name"] for q in data["mainEntity"]]
    assert names == list(FAQ.objects.published().values_list("title", flat=True))
    assert all(q["acceptedAnswer"]["text"] for q in data["mainEntity"])
