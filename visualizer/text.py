"""A person's text (a file name, a name from a share link, a typed label) made safe to show as text.

Streamlit renders ``st.markdown``, ``st.caption``, ``st.toast``, ``st.error``, headers, widget labels
and image captions as Markdown with extras: GitHub-flavoured Markdown (links, images, tables, and bare
``www.``/``http://``/e-mail addresses turned into links), LaTeX between ``$``, ``:color[...]``,
``:small[...]`` and badge directives, ``:material/name:`` icons, emoji shortcodes, ``:streamlit:``
(an image) and typographic arrows (``->`` becomes an arrow). Plotly titles and annotations read a small
HTML subset (``<a href>``, ``<b>``, ``<br>``...). The functions here turn any text into a string that
those renderers show exactly as typed, so a name can never bring an image, a link or a formula:

- :func:`plain` only cleans (for elements that take plain text: ``st.text``, file names, selectbox options);
- :func:`md_text` cleans and escapes for Streamlit's Markdown;
- :func:`plotly_text` cleans and escapes for Plotly's HTML subset.

Cleaning drops control, format (bidi overrides, zero-width) and surrogate characters, folds line breaks
and runs of spaces into one space, and caps the length with an ellipsis.
"""

from __future__ import annotations

import re
import unicodedata

DEFAULT_LIMIT = 120
ELLIPSIS = "…"
# U+2060 WORD JOINER: invisible, never a line-break opportunity. Streamlit runs some rewrites on the text
# of its Markdown after escapes are decoded (bare-URL and e-mail links, emoji and :streamlit: shortcodes,
# "->" arrows), so a backslash cannot stop them; a joiner inside the pattern does. Cleaning removes every
# joiner from the input, so those in md_text's output are only ours.
JOINER = "\u2060"
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Where md_text puts a joiner (each pattern mirrors a rewrite of Streamlit's Markdown on decoded text):
_BREAKS = (
    re.compile(r"(?i)(?<=http)(?=s?:)"),  # "http://x", "https://x": GFM bare-URL links
    re.compile(r"(?i)(?<=www)(?=\.)"),  # "www.x.com": GFM bare-URL links
    re.compile(r"(?=@)"),  # "a@b.co": GFM e-mail links
    re.compile(r"(?<=:)(?=[\w+-])"),  # ":smile:", ":streamlit:", ":+1:": emoji and the Streamlit logo
    re.compile(r"(?<=[-<>~])(?=[-<>=])"),  # "->", "<-", "<->", "--", ">=", "<=", "~=": typographic arrows
)
_SPACES = re.compile(r"\s+")
_PLOTLY_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _keep(ch: str) -> str:
    """``ch`` as cleaned: a space for any line break or other whitespace, nothing for invisible controls."""
    if ch.isspace():
        return " "
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Zl", "Zp"):  # controls, bidi/zero-width formats, lone surrogates
        return ""
    return ch


def plain(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` cleaned for an element that shows plain text (no escaping).

    Drops control characters, format characters (bidi overrides U+202A-202E and U+2066-2069, zero-width
    spaces and joiners, soft hyphens) and lone surrogates; turns line breaks, tabs and runs of spaces into
    one space; strips both ends; and cuts to at most ``limit`` characters, ending in an ellipsis when cut.
    Anything that is not a string is shown as ``str(text)``.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1 character, not {limit}")
    cleaned = _SPACES.sub(" ", "".join(_keep(ch) for ch in str(text))).strip()
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + ELLIPSIS
    return cleaned


def md_text(text: object, *, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` as Streamlit Markdown that shows exactly :func:`plain` ``(text, limit)``, and nothing else.

    Every ASCII punctuation character gets a backslash (CommonMark's escape, which also stops ``$`` LaTeX,
    ``:name[...]`` directives, ``:material/...:`` icons, raw HTML, entities, links, images, list and
    heading markers), and an invisible word joiner breaks the patterns that Streamlit rewrites after
    escapes are decoded (bare URLs, e-mail addresses, shortcodes, arrows). Safe inside ``**...**`` and
    table cells; the result is one line with no leading or trailing space.
    """
    cleaned = plain(text, limit)
    for pattern in _BREAKS:
        cleaned = pattern.sub(JOINER, cleaned)
    return "".join("\\" + ch if ch in _ASCII_PUNCTUATION else ch for ch in cleaned)


def plotly_text(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` for a Plotly title, axis title or annotation: :func:`plain`, with ``&``, ``<``, ``>`` as entities.

    Plotly reads a small HTML subset in those strings (``<a href>``, ``<b>``, ``<br>``, ``<span style>``);
    with its three special characters escaped, the text shows as typed. A word joiner splits ``%{`` so the
    text can also go into a ``hovertemplate``, where ``%{x}`` would be a placeholder.
    """
    escaped = "".join(_PLOTLY_ESCAPES.get(ch, ch) for ch in plain(text, limit))
    return escaped.replace("%{", "%" + JOINER + "{")  # in a hovertemplate, "%{x}" would be replaced by a value
