"""User text is text, in Chromium: hostile file names and share-link names bring nothing onto the page.

The hostile corpus (``tests/hostile_text.py``) goes through the real sinks: as the file name of uploads
(many uploads on one page load) and as the filter names of a share link. After each, every URL in the DOM
(``src``, ``href``, ``srcset``, ``action``, ``data``, ``poster``, in the page and all its frames) must be
the app's own (same origin, a fragment, or present on a clean page load), no request may leave the app's
host, no formula may appear, and the text must be readable as typed (the cleaned text, seen on the page).
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode, urlsplit

import pytest
from browser_helpers import wait_for_app
from hostile_text import FILE_NAME_SAFE, FOREIGN, HOSTILE
from PIL import Image
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from visualizer.text import JOINER, plain

TIMEOUT_MS = 60_000
UPLOAD_TIMEOUT_MS = 30_000
PREFIX = 20  # the characters of a name every sink shows (sinks cut long names to their own length)
URL_ATTRIBUTES = ("src", "href", "srcset", "action", "formaction", "data", "poster", "xlink:href")
COLLECT_URLS = """(attrs) => {
    const urls = [];
    for (const el of document.querySelectorAll('*')) {
        for (const a of attrs) {
            const v = el.getAttribute(a);
            if (v !== null && v !== '') urls.push(el.tagName.toLowerCase() + ' ' + a + '=' + v);
        }
    }
    return urls;
}"""
PAGE_TEXT = """() => {
    const parts = [document.body.innerText];
    for (const svg of document.querySelectorAll('svg')) parts.push(svg.textContent);
    return parts.join('\\n');
}"""


# The app's own text (its Markdown: the header's input name, the refusal message, the toast), outside the file
# uploader, whose list shows a file's name as soon as the browser has it, before the app has read the file.
APP_SHOWS = """(t) => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
    .filter((e) => !e.closest('[data-testid="stFileUploader"]'))
    .some((e) => e.innerText.replaceAll('\\u2060', '').replace(/\\s+/g, ' ').includes(t))"""


def png_bytes(shade: int) -> bytes:
    """A small PNG; a different ``shade`` for each file (the app skips a file whose bytes it has just read)."""
    buffer = io.BytesIO()
    Image.new("RGB", (12, 9), (200, shade % 256, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def as_sent(file_name: str) -> str:
    """The name Chromium sends for an upload: it writes line breaks and quotes in form data as %0D, %0A, %22."""
    return file_name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


PICTURE_SOURCES = ("img src=data:image/png;base64,", "img src=data:image/jpeg;base64,")


class Watch:
    """The requests a page makes, and the URLs of a clean page load of the app."""

    def __init__(self, page: Page, app_url: str) -> None:
        self.page = page
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(app_url))
        self.requests: list[str] = []
        page.context.on("request", lambda request: self.requests.append(request.url))
        self.baseline: set[str] = set()

    def urls(self) -> list[str]:
        found = []
        for frame in self.page.frames:
            try:
                entries = frame.evaluate(COLLECT_URLS, list(URL_ATTRIBUTES))
            except Exception:  # a frame that went away while we looked has no URLs left
                continue
            # The feature maps' frame draws each map as an <img> of a data URL the app encoded (figures/pictures.py);
            # its titles are set as text, so a name cannot add an image there.
            pictures = "photo_maps" in frame.url
            found += [e for e in entries if not (pictures and e.startswith(PICTURE_SOURCES))]
        return found

    def _own(self, entry: str) -> bool:
        value = entry.split("=", 1)[1].strip()
        if entry in self.baseline or value.startswith("#"):
            return True
        if entry.startswith("image href=data:image/png;base64,"):
            return True  # an SVG <image>: Plotly's raster of a heatmap (Markdown and HTML make <img>, never this)
        if entry.split(" ", 1)[1].startswith("srcset"):
            return all(self._own(f"x src={part.split()[0]}") for part in value.split(",") if part.strip())
        parts = urlsplit(value)
        if not parts.scheme and not parts.netloc:
            return not value.startswith("//")  # a path on the app's own host
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def foreign_urls(self) -> list[str]:
        return [u for u in self.urls() if not self._own(u)]

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests
                if not (u.startswith(self.origin + "/") or u == self.origin or u.split(":", 1)[0] in ("data", "blob"))]

    def assert_clean(self, what: str) -> None:
        assert not self.foreign_urls(), f"{what}: URLs the app did not put there: {self.foreign_urls()[:10]}"
        assert not self.foreign_requests(), f"{what}: requests off the app's host: {self.foreign_requests()[:10]}"
        assert self.page.locator(".katex").count() == 0, f"{what}: a formula was rendered"
        assert self.page.locator('[data-testid="stException"]').count() == 0, f"{what}: the app shows an exception"

    def text(self) -> str:
        """The text the page shows, its frames' included (the player and the feature maps draw in iframes)."""
        parts = []
        for frame in self.page.frames:
            try:
                parts.append(frame.evaluate(PAGE_TEXT))
            except Exception:  # a frame that went away while we looked shows nothing
                continue
        return re.sub(r"\s+", " ", "\n".join(parts).replace(JOINER, ""))


def open_clean(page: Page, url: str, app_url: str) -> Watch:
    """Load the app once cleanly (for its own URLs), then ``url``."""
    watch = Watch(page, app_url)
    page.goto(app_url)
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    watch.baseline = set(watch.urls())
    assert watch.baseline, "a clean page has no URLs at all: the collector is broken"
    if url != app_url:
        page.goto(url)
        wait_for_app(page, timeout_ms=TIMEOUT_MS)
    return watch


def test_hostile_file_names_of_uploads_show_as_text(page: Page, app_url: str) -> None:
    watch = open_clean(page, app_url, app_url)
    page.get_by_role("radio", name="Upload", exact=True).first.click()
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    file_input = page.locator('[data-testid="stFileUploader"] input[type="file"]').first
    names = list(FILE_NAME_SAFE.values())
    assert len(names) >= 30
    for i, text in enumerate(names):
        name = f"{text}.png"
        data = png_bytes(i) if i % 4 else b"not an image %d" % i  # every fourth is refused: the error names it
        file_input.set_input_files(files=[{"name": name, "mimeType": "image/png", "buffer": data}])
        typed = plain(as_sent(name))[:PREFIX]
        try:  # the app's run for this file is over when the app (not the uploader's own list) shows the name
            page.wait_for_function(APP_SHOWS, arg=typed, timeout=UPLOAD_TIMEOUT_MS)
        except PlaywrightTimeout:
            shown = watch.text()[:2500]
            raise AssertionError(f"upload {i}: the app never showed {typed!r}; the page shows {shown!r}") from None
        wait_for_app(page, timeout_ms=TIMEOUT_MS)
        watch.assert_clean(f"upload named {name[:60]!r}")
        assert typed in watch.text(), f"{typed!r} is not on the page: {watch.text()[:2500]!r}"
    wait_for_app(page, timeout_ms=TIMEOUT_MS)  # anything drawn late is checked too
    watch.assert_clean("after all uploads")


def share_link(names: list[str]) -> str:
    from visualizer.studio_state import StudioState, resize_bank, to_query

    state = StudioState()
    resize_bank(state, len(names), 3, 3)
    state.names = list(names)
    return "?" + urlencode(to_query(state))


@pytest.mark.parametrize("part", [0, 1])
def test_hostile_names_in_a_share_link_show_as_text(page: Page, app_url: str, part: int) -> None:
    # Half the corpus per page load: each name becomes a filter's name (the link's bank cuts names to 60).
    from visualizer.studio_state import MAX_FILTERS

    names = [HOSTILE[k] for k in sorted(HOSTILE)[part::2]]
    assert len(names) <= MAX_FILTERS
    watch = open_clean(page, app_url + "/" + share_link(names), app_url)
    watch.assert_clean(f"share link, part {part}")
    shown = watch.text()
    missing = [n for n in names if plain(n)[:PREFIX] and plain(n)[:PREFIX] not in shown]
    assert not missing, f"names not readable as typed: {missing}"
    assert f"http://{FOREIGN}" not in {u.split("=", 1)[1] for u in watch.urls()}
