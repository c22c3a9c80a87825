"""Page weight on a first visit: the HTML and every file it pulls in, as bytes on the wire.

Requests are made with ``Accept-Encoding: gzip, br`` as a browser sends them, so compressed files are
counted compressed; stylesheets are read for what *they* pull in (fonts, images, @import). Standard
library only: this runs in the orchestrator, outside Django.
"""

from __future__ import annotations

import gzip
import http.client
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

ACCEPT_ENCODING = "gzip, br"
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE)
RESOURCE_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "manifest"}


@dataclass
class Fetched:
    url: str
    status: int
    content_type: str
    wire_bytes: int  # status line + headers + body as sent (compressed when the server compressed it)
    encoding: str
    text: str


@dataclass
class Weight:
    path: str
    files: list[Fetched] = field(default_factory=list)
    other_origin_resources: list[str] = field(default_factory=list)
    other_origin_links: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(f.wire_bytes for f in self.files)

    def by_kind(self) -> dict[str, int]:
        kinds = {"HTML": 0, "CSS": 0, "JS": 0, "fonts": 0, "images": 0, "other": 0}
        for f in self.files:
            kinds[_kind(f)] += f.wire_bytes
        return kinds


def _kind(f: Fetched) -> str:
    ct, path = f.content_type, urlsplit(f.url).path
    if "html" in ct:
        return "HTML"
    if "css" in ct or path.endswith(".css"):
        return "CSS"
    if "javascript" in ct or path.endswith((".js", ".mjs")):
        return "JS"
    if "font" in ct or path.endswith((".woff", ".woff2", ".ttf", ".otf")):
        return "fonts"
    if ct.startswith("image/"):
        return "images"
    return "other"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.resources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            rels = set((a.get("rel") or "").lower().split())
            (self.resources if rels & RESOURCE_RELS else self.links).append(a["href"])
        elif tag in {"script", "img", "iframe", "embed", "audio", "video", "source", "track"} and a.get("src"):
            self.resources.append(a["src"])
        if a.get("srcset"):
            self.resources += [part.strip().split()[0] for part in a["srcset"].split(",") if part.strip()]
        if tag == "video" and a.get("poster"):
            self.resources.append(a["poster"])
        if tag == "object" and a.get("data"):
            self.resources.append(a["data"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form" and a.get("action"):
            self.links.append(a["action"])


def fetch(host: str, port: int, url: str) -> Fetched:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", target, headers={"Accept-Encoding": ACCEPT_ENCODING, "Accept": "*/*",
                                             "User-Agent": "clinic-bench"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    header_bytes = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(
        len(f"{k}: {v}\r\n") for k, v in response.getheaders()) + 2
    encoding = (response.getheader("Content-Encoding") or "").lower()
    content_type = (response.getheader("Content-Type") or "").lower()
    text = ""
    if "html" in content_type or "css" in content_type:
        raw = body
        if encoding == "gzip":
            raw = gzip.decompress(body)
        elif encoding == "br":
            try:
                import brotli  # only when the server sends brotli; not a project dependency
            except ImportError:
                raw = b""
            else:
                raw = brotli.decompress(body)
        text = raw.decode("utf-8", "replace")
    return Fetched(url, response.status, content_type, header_bytes + len(body), encoding, text)


def page_weight(host: str, port: int, path: str) -> Weight:
    origin = f"http://{host}:{port}"
    weight = Weight(path)
    page = fetch(host, port, origin + path)
    weight.files.append(page)
    parser = _Links()
    parser.feed(page.text)
    queue = [urljoin(page.url, r) for r in parser.resources]
    seen = {page.url}
    for link in parser.links:
        absolute = urljoin(page.url, link)
        if urlsplit(absolute).scheme in {"http", "https"} and _origin(absolute) != origin:
            weight.other_origin_links.append(absolute)
    while queue:
        url = queue.pop(0)
        if url.startswith("data:") or url in seen:
            continue
        seen.add(url)
        if _origin(url) != origin:
            weight.other_origin_resources.append(url)
            continue
        fetched = fetch(host, port, url)
        weight.files.append(fetched)
        if "css" in fetched.content_type:
            for match in CSS_URL.finditer(fetched.text):
                ref = (match.group(2) or match.group(4) or "").strip()
                if ref and not ref.startswith(("data:", "#")):
                    queue.append(urljoin(url, ref))
    return weight


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
