"""User text is text: the escaping helpers against a hostile corpus, every text sink of the app, and a source scan.

References, none of them ours: markdown-it-py (CommonMark with GFM tables, strikethrough, footnotes, task
lists, ``$`` math and bare-URL linkify, raw HTML switched ON so that an unescaped tag would show up as a
tag), Python's own HTML parser, and the rewrites that Streamlit 1.67's Markdown runs on decoded text,
copied from its frontend bundle (``static/js/StreamlitMarkdown.*.js``) because no escape reaches them.
"""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hostile_text import FOREIGN, HOSTILE
from hypothesis import given, settings
from hypothesis import strategies as st_
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from streamlit.testing.v1 import AppTest

from visualizer.text import DEFAULT_LIMIT, ELLIPSIS, JOINER, md_text, plain, plotly_text

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "streamlit_app.py")
ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
DANGEROUS_TAGS = {"a", "img", "script", "iframe", "svg", "style", "math", "input", "sup", "section"}

# --- references ------------------------------------------------------------------------------------------------

MD = (
    MarkdownIt("commonmark", {"html": True, "linkify": True})
    .enable(["table", "strikethrough", "linkify"])
    .use(dollarmath_plugin)
    .use(footnote_plugin)
    .use(tasklists_plugin)
)
# Rewrites Streamlit's Markdown applies to text nodes after escapes are decoded (Streamlit 1.67 bundle):
STREAMLIT_TEXT_REWRITES = {
    "bare URL link": re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE),
    "e-mail link": re.compile(r"(?:(?<=^)|(?<=[\s\W]))([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)"),
    "emoji shortcode": re.compile(r":\+1:|:-1:|:[\w-]+:"),
    "Streamlit logo image": re.compile(r":streamlit:"),
    "typographic arrow": re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
}
# Checks Streamlit runs on the raw Markdown source before parsing (same bundle).
EMOJI_PLUGIN_NEEDED = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")
MATERIAL_REWRITE = ":material/"  # replaced by ":material_" in the source, before any escape is read


class _Collector(HTMLParser):
    """Tags, attributes with URLs, and visible text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("href", "src", "action", "formaction", "srcset")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered(markdown: str) -> _Collector:
    collector = _Collector()
    collector.feed(MD.render(markdown))
    collector.close()
    return collector


def visible(markdown: str) -> str:
    """What a reader sees: the rendered text, our invisible word joiners removed, spaces folded."""
    text = "".join(rendered(markdown).text).replace(JOINER, "")
    return re.sub(r"\s+", " ", text).strip()


def assert_only_text(markdown: str, expected_text: str, wrapper_tags: set[str]) -> None:
    out = rendered(markdown)
    assert set(out.tags) <= wrapper_tags, f"{markdown!r} rendered tags {out.tags}"
    assert not out.urls, f"{markdown!r} rendered URLs {out.urls}"
    assert visible(markdown) == expected_text


def every_special_character_is_escaped(escaped: str) -> bool:
    """True when every ASCII punctuation character of ``escaped`` stands behind its own backslash."""
    i = 0
    while i < len(escaped):
        if escaped[i] == "\\":
            if i + 1 >= len(escaped) or escaped[i + 1] not in ASCII_PUNCTUATION:
                return False
            i += 2
        elif escaped[i] in ASCII_PUNCTUATION:
            return False
        else:
            i += 1
    return True


def decoded_text(escaped: str) -> str:
    """The text node Streamlit's rewrites see: backslash escapes of ``escaped`` decoded (joiners kept)."""
    return re.sub(r"\\(.)", r"\1", escaped)


# --- the helpers against the corpus ------------------------------------------------------------------------------


def test_the_corpus_is_large_and_varied() -> None:
    assert len(HOSTILE) >= 30
    text = " ".join(HOSTILE.values())
    for needle in ("![", "](", "<img", "<script", "<iframe", "javascript:", "$", ":smile:", ":material/", ":red[",
                   "\u202e", "\u200b", "\n", "# ", "|---|", "&lt;", "www.", "@", "\\!["):
        assert needle in text, needle
    assert max(len(t) for t in HOSTILE.values()) >= 10_000


@pytest.mark.parametrize("key", list(HOSTILE))
def test_md_text_renders_as_the_cleaned_text_and_nothing_else(key: str) -> None:
    text = HOSTILE[key]
    escaped = md_text(text)
    assert_only_text(escaped, plain(text), {"p"})
    assert_only_text(f"Input: **{escaped}**. More text", f"Input: {plain(text)}. More text", {"p", "strong"})
    assert_only_text(f"| a |\n|---|\n| {escaped} |", f"a {plain(text)}", {"table", "thead", "tbody", "tr", "th", "td"})
    assert_only_text(escaped + "\n\n" + escaped, plain(text) + " " + plain(text), {"p"})


@pytest.mark.parametrize("key", list(HOSTILE))
def test_md_text_escapes_every_special_character_and_breaks_streamlits_text_rewrites(key: str) -> None:
    escaped = md_text(HOSTILE[key])
    assert every_special_character_is_escaped(escaped), escaped
    assert "\n" not in escaped and escaped == escaped.strip()
    assert not EMOJI_PLUGIN_NEEDED.search(escaped)
    assert MATERIAL_REWRITE not in escaped
    text_node = decoded_text(escaped)
    for name, pattern in STREAMLIT_TEXT_REWRITES.items():
        assert not pattern.search(text_node), f"{name} in {text_node!r}"


@pytest.mark.parametrize("key", list(HOSTILE))
def test_plain_drops_invisible_and_control_characters_and_caps_the_length(key: str) -> None:
    cleaned = plain(HOSTILE[key])
    assert len(cleaned) <= DEFAULT_LIMIT
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert not [c for c in cleaned if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    assert plain(cleaned) == cleaned


@pytest.mark.parametrize("key", list(HOSTILE))
def test_plotly_text_shows_the_cleaned_text_without_tags(key: str) -> None:
    text = HOSTILE[key]
    out = _Collector()
    out.feed(plotly_text(text))
    out.close()
    assert out.tags == [] and out.urls == []
    assert "".join(out.text).replace(JOINER, "") == plain(text)
    assert "%{" not in plotly_text(text)


def test_ordinary_names_are_only_escaped() -> None:
    assert md_text("cat photo (2).png") == "cat photo \\(2\\)\\.png"
    assert plain("Founding 5x5 (binary)") == "Founding 5x5 (binary)"
    assert plotly_text("1: sobel x") == "1: sobel x"


def test_the_examples_from_the_issue() -> None:
    name = "![pic](http:127.0.0.9) [link](http:127.0.0.9).png"
    assert_only_text(f"Input: **upload: {md_text(name)}**", f"Input: upload: {name}", {"p", "strong"})
    assert "<img" in MD.render(f"Input: **upload: {name}**")  # the reference sees the attack unescaped


def test_long_text_is_cut_with_an_ellipsis() -> None:
    assert plain("x" * 500) == "x" * (DEFAULT_LIMIT - 1) + ELLIPSIS
    assert plain("abc def", limit=5) == "abc" + ELLIPSIS
    assert plain("abcde", limit=5) == "abcde"
    assert md_text("a.b" * 100, limit=4) == "a\\.b" + ELLIPSIS
    with pytest.raises(ValueError, match="at least 1"):
        plain("x", limit=0)


def test_invisible_characters_are_dropped_and_line_breaks_become_spaces() -> None:
    assert plain("photo\u202egnp.exe") == "photognp.exe"
    assert plain("a\u200bb\u2060c\ufeffd") == "abcd"
    assert plain("one\ntwo\r\n\tthree  four") == "one two three four"
    assert plain(None) == "None" and plain(3.5) == "3.5"


@settings(max_examples=300, deadline=None)
@given(st_.text(alphabet=st_.characters(codec="utf-8"), max_size=60)
       | st_.text(alphabet=ASCII_PUNCTUATION + "abc wh:/.@1\n", max_size=40))
def test_any_text_renders_as_itself(text: str) -> None:
    escaped = md_text(text)
    assert every_special_character_is_escaped(escaped)
    assert_only_text(f"**{escaped}**" if escaped else "", plain(text), {"p", "strong"})
    node = decoded_text(escaped)
    assert not any(p.search(node) for p in STREAMLIT_TEXT_REWRITES.values()), node


# --- every sink, through AppTest ------------------------------------------------------------------------------

# Names carrying many attacks at once; each starts with a Markdown image so that any prefix shown is hostile.
SINK_NAMES = [
    f"![p](http://{FOREIGN}/a.png) [l](http://{FOREIGN}) <img src=x> $x$ :red[r] :smile: www.example.com",
    f"![q](http://{FOREIGN}/b.png)\n# heading\n- item " + HOSTILE["bidi_override"] + " " + HOSTILE["very_long"],
]
PREFIX = 24  # characters of a name that every sink shows (sinks cut long names to their own lengths)
MARKDOWN_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success",
                     "toast")


def png_bytes() -> bytes:
    """A small valid PNG, written by Pillow."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (8, 6), 128).save(buffer, format="PNG")
    return buffer.getvalue()


def markdown_values(at: AppTest) -> list[str]:
    """Every Markdown string the page sent: element bodies, and expander, tab, button and radio labels."""
    values = [e.value for kind in MARKDOWN_ELEMENTS for e in at.get(kind)]
    values += [e.label for kind in ("expander", "tab", "button", "radio", "segmented_control") for e in at.get(kind)]
    return values


def plotly_texts(at: AppTest) -> list[str]:
    """Titles and annotations of every Plotly chart on the page (st.plotly_chart, and the figures our own
    components draw: the player's and the feature maps')."""
    layouts = [json.loads(element.proto.spec).get("layout", {}) for element in at.get("plotly_chart")]
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args or "{}")
        figures = args.get("figures") or ([args["figure"]] if isinstance(args.get("figure"), dict) else [])
        layouts += [figure.get("layout", {}) for figure in figures]
    texts = []
    for layout in layouts:
        title = layout.get("title")
        texts.append(title.get("text", "") if isinstance(title, dict) else str(title or ""))
        texts += [a["text"] for a in layout.get("annotations", []) if isinstance(a.get("text"), str)]
    return texts


def assert_shows_as_text(at: AppTest, name: str, *, in_plotly: bool = False) -> None:
    """No Markdown of the page renders a dangerous tag or URL, and the name's start is readable as typed."""
    assert not at.exception, at.exception
    values = markdown_values(at)
    for value in values:
        out = rendered(value)
        bad = [t for t in out.tags if t in DANGEROUS_TAGS]
        assert not bad and not out.urls, f"{value[:200]!r} renders {bad} {out.urls}"
    typed = plain(name)[:PREFIX]
    assert any(typed in visible(v) for v in values), f"{typed!r} is not readable on the page"
    if in_plotly:
        for text in plotly_texts(at):
            out = _Collector()
            out.feed(text)
            out.close()
            assert not [t for t in out.tags if t in DANGEROUS_TAGS] and not out.urls, text
        assert any(plotly_text(name)[:PREFIX] in t for t in plotly_texts(at)), "no chart title shows the name"


def studio(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def hostile_link(names: list[str]) -> dict[str, str]:
    """A share link of the default studio whose first filters carry ``names``."""
    from visualizer.studio_state import StudioState, to_query

    state = StudioState()
    state.names = list(names) + list(state.names[len(names):])
    return to_query(state)


@pytest.mark.parametrize("name", SINK_NAMES)
def test_filter_names_from_a_share_link_are_shown_as_text(name: str) -> None:
    # Sinks: the studio's filter titles and subheaders, the animation, the feature maps' titles (plain text, which the
    # maps component sets with textContent: ui/photo_assets/photo.js).
    at = studio(hostile_link([name]))
    assert at.session_state["studio_state"].names[0].startswith(name[:PREFIX])  # the link carried it raw
    assert_shows_as_text(at, name)
    for text in plotly_texts(at):
        out = _Collector()
        out.feed(text)
        out.close()
        assert not [t for t in out.tags if t in DANGEROUS_TAGS] and not out.urls, text
    maps = next(c for c in at.get("component_instance") if c.proto.id.endswith("feature_maps"))
    titles = [t["title"] for panel in json.loads(maps.proto.json_args)["panels"] for t in panel["tiles"]]
    assert titles[0] == plain(f"1: {name}", 60) and all(plain(t) == t for t in titles)


@pytest.mark.parametrize("name", SINK_NAMES)
def test_an_upload_name_is_shown_as_text(name: str) -> None:
    # Sinks: the toast, the studio's input line, and (a bad file) the upload error.
    at = studio()
    at.session_state["studio_state"].source = "upload"
    at.run()
    at.file_uploader(key="upload").set_value((name + ".png", png_bytes(), "image/png")).run()
    assert at.session_state["studio_state"].input_name == name + ".png"  # kept raw, escaped where shown
    assert [t.value for t in at.toast] == [f"Loaded {md_text(name + '.png')}"]
    assert_shows_as_text(at, name)

    at.file_uploader(key="upload").set_value(("x" + name + ".png", b"not an image", "image/png")).run()
    errors = [e.value for e in at.error]
    assert any(md_text("x" + name + ".png") in e for e in errors), errors
    assert_shows_as_text(at, "x" + name)


def test_typed_pixels_are_quoted_as_text_in_their_error() -> None:
    at = studio()
    at.session_state["studio_state"].source = "grid"
    at.run()
    area = next(t for t in at.text_area if t.key and t.key.startswith("pixels_"))
    area.set_value(SINK_NAMES[0]).run()
    at.button(key="use_pixels").click().run()
    assert any("not a number" in e.value for e in at.error)
    assert_shows_as_text(at, SINK_NAMES[0])


def _network_page() -> None:
    from visualizer.ui import network_page

    network_page.render()


@pytest.mark.parametrize("name", SINK_NAMES)
def test_the_network_page_shows_the_studio_input_name_as_text(name: str) -> None:
    import numpy as np

    at = AppTest.from_function(_network_page, default_timeout=60)
    at.session_state["input_image"] = np.full((6, 6, 3), 0.5)
    at.session_state["input_name"] = name
    at.session_state["net_source"] = "studio"
    at.run()
    assert_shows_as_text(at, name)


# --- the source scan --------------------------------------------------------------------------------------------

UI_DIRS = [REPO / "visualizer" / "ui", REPO / "streamlit_app.py"]
# Streamlit calls whose text is rendered as Markdown (first argument, and these keywords).
MARKDOWN_CALLS = {
    "markdown", "caption", "subheader", "header", "title", "toast", "error", "warning", "info", "success", "write",
    "expander", "button", "download_button", "link_button", "popover", "tabs", "checkbox", "toggle", "radio",
    "selectbox", "multiselect", "slider", "select_slider", "number_input", "text_input", "text_area",
    "segmented_control", "pills", "file_uploader", "image", "metric", "exception", "form_submit_button",
}
MARKDOWN_KEYWORDS = {"body", "label", "help", "caption", "placeholder", "captions"}
# Widgets whose options are Markdown too: what their format_func returns is scanned like a label.
MARKDOWN_OPTIONS = {"radio", "segmented_control", "pills", "select_slider"}
ESCAPERS = {"md_text"}
# Calls that return numbers, or text made only of numbers and the app's own words.
SAFE_CALLS = {
    "int", "float", "len", "round", "abs", "sum",
    "shape_label",  # "[5 x 5 x 1]" from a tuple of ints
    "_shapes_text",  # "Input [5 x 5 x 1] · 1 filter [3 x 3 x 1] → output ...": shape_label's and the app's words
    "size_arithmetic",  # the output-size formula with the numbers in (visualizer.network)
    "preset_description",  # a fixed sentence per built-in preset name
    "refusal_message",  # a StackError's own sentence (numbers and layer kinds) plus size arithmetic
    "_difference", "_num", "fmt", "fmt_number", "_speed_label",  # number formatters
}
# The explicit allow-list: (file, expression) pairs the rules above cannot prove, each with why it is safe.
ALLOWED = {
    ("family_view.py", "family.LABELS[kind]"): "the built-in name of a kind of convolution",
    ("family_view.py", "family.PURPOSE[kind]"): "a built-in sentence",
    ("family_view.py", "family.FORMULAS[kind]"): "a built-in formula",
    ("family_view.py", "family.size_text(kind, h, kh, **args)"): "arithmetic of ints",
    ("family_view.py", "family.size_text(kind, w, kw, **args)"): "arithmetic of ints",
    ("family_view.py", "_count(counts['equivalent'])"): "a count of multiply-adds, an int formatted",
    ("family_view.py", "_count(counts['layer'])"): "a count of multiply-adds, an int formatted",
    ("model_page.py", "c"): "the model's channel count, an int",
    ("model_page.py", "' x '.join(map(str, network.input_shape))"): "ints of the model's input shape",
    ("model_page.py", "network.input_layout.upper()"): "'nchw' or 'nhwc', set by the reader",
    ("model_page.py", "network.opset"): "an int read and checked by the reader",
    ("model_page.py", "min(TOP, out.size)"): "an int",
    ("model_page.py", "ins"): "stage numbers (ints) joined by commas",
    ("model_page.py", "'the' if shown == image.shape[2] else f'the first {shown} of the'"): "fixed words and an int",
    ("model_page.py", "shown"): "an int",
    ("model_page.py", "group"): "fixed words and channel numbers (ints)",
    ("model_page.py", "n"): "a filter number, an int",
    ("model_page.py", "q0"): "an int", ("model_page.py", "r0"): "an int",
    ("model_page.py", "x0"): "an int", ("model_page.py", "y0"): "an int",
    ("model_page.py", "x"): "an int", ("model_page.py", "y"): "an int",
    ("model_page.py", "terms"): "numbers formatted by fmt() and channel numbers",
    ("studio.py", "where"): "region_text: rows, columns and the photo's size, all ints",
    ("network_inspect.py", "n"): "a selectbox over range(number of filters): an int",
    ("network_inspect.py", "stage.label"): "LayerSpec.label: numbers and the built-in layer and activation names",
    ("network_inspect.py", "name"): "stage.label, as above",
    ("network_stack.py", "spec.label(channels)"): "LayerSpec.label: numbers and built-in names",
    ("network_stack.py", "out"): "':small[:gray[-> 5x5x3]]' built from a shape of ints",
    ("quiz_view.py", "label"): "' (R)', ' (G)', ' (B)' or ' (ch 3)': fixed channel names",
    ("quiz_view.py", "sq.text()"): "ShapeQuestion.text: a sentence of the question's numbers",
    ("quiz_view.py", "how"): "two size_arithmetic strings",
    ("feature_maps_view.py", "pool"): "a key of POOLS, from a selectbox over our own labels",
    ("feature_maps_view.py", "what"): "'largest' or 'average'",
    ("filter_editor.py", "preset"): "one of PRESET_NAMES, from a selectbox over the built-in list",
    ("common.py", "view"): "error_boundary's view name: a literal at every call site",
    ("animation_view.py", "err"): "a ValueError of trace_convolution: its own sentence with numbers",
    ("feature_maps_view.py", "err"): "a ValueError of conv2d: its own sentence with numbers",
    ("filter_editor.py", "preset.capitalize()"): "one of PRESET_NAMES",
    ("filter_editor.py", "name"): "a channel name: 'gray', 'R', 'G', 'B' or 'ch 3'",
    ("filter_editor.py", "x"): "a column index from np.argwhere",
    ("filter_editor.py", "y"): "a row index from np.argwhere",
    ("learn_common.py", "'input' if s.layer is None else s.label"): "LayerSpec.label: numbers and built-in names",
    ("network_page.py", "stages[i].label if i else 'input'"): "LayerSpec.label: numbers and built-in names",
    ("studio.py", "problem"): "str() of output_shape's ValueError: its own sentence with numbers",
    ("animation_view.py", "frame_ms"): "the studio state's speed_ms: an int from a select_slider of SPEEDS_MS",
    ("animation_view.py", "state.speed_ms"): "an int field of the studio state, clamped by studio_state.clamp",
}
NUMERIC_SPEC = re.compile(r".*[bcdeEfFgGnoxX%]|.*[,_]")


def _func_name(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _shape_like(node: ast.expr) -> bool:
    """``x.shape``, ``trace.positions[step]`` and the like: tuples of ints."""
    if isinstance(node, ast.Attribute):
        return node.attr in ("shape", "out_shape", "positions", "origins", "position", "answer", "input_hw",
                             "kernel_hw")
    if isinstance(node, ast.Subscript):
        return _shape_like(node.value)
    return False


def _safe(node: ast.expr, names: set[str]) -> bool:
    """True when ``node`` can only be a number or the app's own literal text (given safe local ``names``)."""
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, bytes)
    if isinstance(node, ast.Name):
        return node.id in names or node.id.isupper()  # ALL_CAPS: the app's own constants
    if isinstance(node, ast.JoinedStr):  # its own formatted values are checked one by one
        return all(_safe(v.value, names) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.USub, ast.UAdd)) or _safe(node.operand, names)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow)):
            return True  # undefined on strings: the value is a number
        if isinstance(node.op, ast.Add) and any(isinstance(side, ast.Constant) and type(side.value) in (int, float)
                                                for side in (node.left, node.right)):
            return True  # str + 1 raises: the value is a number
        return _safe(node.left, names) and _safe(node.right, names)
    if isinstance(node, ast.IfExp):
        return _safe(node.body, names) and _safe(node.orelse, names)
    if isinstance(node, ast.Subscript):  # x.shape[0]; a lookup in the app's own constant table
        return _shape_like(node.value) or (isinstance(node.value, ast.Name) and node.value.id.isupper())
    if isinstance(node, ast.Attribute):
        return node.attr in ("size", "ndim", "steps", "index", "stride", "padding", "n_filters", "pool_size", "bias")
    if isinstance(node, ast.Call):
        if _func_name(node) == "join" and node.args and isinstance(node.args[0], ast.Call):
            inner = node.args[0]  # "x".join(map(str, shape)): numbers
            return (_func_name(inner) == "map" and len(inner.args) == 2 and getattr(inner.args[0], "id", "") == "str"
                    and (_shape_like(inner.args[1]) or getattr(inner.args[1], "id", "").endswith("shape")))
        return _func_name(node) in SAFE_CALLS or _func_name(node) in ESCAPERS
    return False


def _safe_names(func: ast.AST) -> set[str]:
    """Local names of ``func`` bound only to safe values: int/float parameters, loop indices, safe assignments."""
    names: set[str] = set()
    if isinstance(func, ast.Lambda):  # a format_func's parameter is one of the options the app listed
        names.update(arg.arg for arg in func.args.args)
    if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        for arg in func.args.args + func.args.kwonlyargs:
            if isinstance(arg.annotation, ast.Name) and arg.annotation.id in ("int", "float"):
                names.add(arg.arg)
    for _ in range(3):  # a few rounds: names defined from other safe names
        assigned: dict[str, bool] = {}  # a name is safe when every assignment to it is
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
                if isinstance(target, ast.Name):
                    assigned[target.id] = assigned.get(target.id, True) and _safe(value, names)
                elif isinstance(target, ast.Tuple):
                    ok = (_shape_like(value) or (isinstance(value, ast.Call) and _func_name(value) == "output_shape")
                          or (isinstance(value, ast.Tuple) and all(_safe(v, names) for v in value.elts)))
                    for e in target.elts:
                        if isinstance(e, ast.Name):
                            assigned[e.id] = assigned.get(e.id, True) and ok
            elif isinstance(node, ast.For) and isinstance(node.iter, ast.Call):
                fn = _func_name(node.iter)
                target = node.target
                if fn == "range" and isinstance(target, ast.Name):
                    names.add(target.id)
                if fn == "enumerate" and isinstance(target, ast.Tuple) and isinstance(target.elts[0], ast.Name):
                    names.add(target.elts[0].id)
        names |= {name for name, ok in assigned.items() if ok}
    return names


def _formatted_values(node: ast.expr) -> list[ast.FormattedValue]:
    return [v for sub in ast.walk(node) if isinstance(sub, ast.JoinedStr) for v in sub.values
            if isinstance(v, ast.FormattedValue)]


def _is_escaped(value: ast.FormattedValue, names: set[str], filename: str) -> bool:
    spec = value.format_spec
    if isinstance(spec, ast.JoinedStr) and all(isinstance(p, ast.Constant) for p in spec.values):
        if NUMERIC_SPEC.fullmatch("".join(p.value for p in spec.values)) and value.conversion == -1:
            return True  # "{x:.3g}", "{n:,}": formatting raises unless x is a number
    node = value.value
    if isinstance(node, ast.Call) and _func_name(node) in ESCAPERS:
        return True
    if (Path(filename).name, ast.unparse(node)) in ALLOWED:
        return True
    return _safe(node, names) and not isinstance(node, ast.JoinedStr)


def unescaped_text_in_markdown(source: str, filename: str) -> list[str]:
    """Places where an f-string inside a Markdown-rendering Streamlit call formats a value without md_text."""
    tree = ast.parse(source, filename)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    scopes: dict[ast.AST, set[str]] = {}

    def names_at(node: ast.AST) -> set[str]:
        names: set[str] = set()
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
                if node not in scopes:
                    scopes[node] = _safe_names(node)
                names |= scopes[node]
        return names

    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in MARKDOWN_CALLS):
            continue
        args = [(a, set()) for a in node.args[:1] + [k.value for k in node.keywords if k.arg in MARKDOWN_KEYWORDS]]
        if node.func.attr in MARKDOWN_OPTIONS:
            args += [(k.value.body, _safe_names(k.value)) for k in node.keywords
                     if k.arg == "format_func" and isinstance(k.value, ast.Lambda)]
        for arg, own_names in args:
            for value in _formatted_values(arg):
                if not _is_escaped(value, names_at(node) | own_names, filename):
                    where = f"{filename}:{value.lineno}: st.{node.func.attr}(...)"
                    found.append(f"{where} formats {{{ast.unparse(value.value)}}} without md_text()")
    return sorted(set(found))


def test_the_scan_flags_the_input_caption_of_the_issue() -> None:
    bad = 'def f(ss):\n    st.caption(f"Input: **{ss.get(INPUT_NAME, \'image\')}**. Text")\n'
    assert unescaped_text_in_markdown(bad, "x.py") == [
        "x.py:2: st.caption(...) formats {ss.get(INPUT_NAME, 'image')} without md_text()"]
    good = 'def f(ss):\n    st.caption(f"Input: **{md_text(ss.get(INPUT_NAME, \'image\'))}**. Text")\n'
    assert unescaped_text_in_markdown(good, "x.py") == []
    names = 'def f(names, idx: int):\n    st.subheader(f"Edit filter {idx + 1}: {names[idx]}")\n'
    assert unescaped_text_in_markdown(names, "x.py") == [
        "x.py:2: st.subheader(...) formats {names[idx]} without md_text()"]
    two = 'def f(upload):\n    st.toast(f"Loaded {upload.name}")\n    st.button(label=f"{upload.name}")\n'
    assert len(unescaped_text_in_markdown(two, "x.py")) == 2
    nested = 'def f(name):\n    st.error("a" + f"b {\'x\' if name else f\'{name}\'}")\n'
    assert [f.split("formats ")[1] for f in unescaped_text_in_markdown(nested, "x.py")] == [
        "{'x' if name else f'{name}'} without md_text()", "{name} without md_text()"]
    options = 'def f(names):\n    st.radio("Pick", [0, 1], format_func=lambda i: f"{i + 1}: {names[i]}")\n'
    assert unescaped_text_in_markdown(options, "x.py") == ["x.py:2: st.radio(...) formats {names[i]} without md_text()"]
    numbers = ('def f(x, n: int):\n    h, w = x.shape[:2]\n'
               '    st.info(f"{h}x{w}, {n + 1} of {len(x)}; {x.mean():.3g}")\n')
    assert unescaped_text_in_markdown(numbers, "x.py") == []


def test_no_ui_code_puts_unescaped_text_into_markdown() -> None:
    files = sorted(p for d in UI_DIRS for p in ([d] if d.is_file() else d.rglob("*.py")))
    assert len(files) >= 10
    found = [f for path in files for f in unescaped_text_in_markdown(path.read_text(), str(path.relative_to(REPO)))]
    assert not found, "\n".join(found)
