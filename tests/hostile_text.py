"""A corpus of hostile text: names a person could give a file, put in a share link or type as a label.

Each entry would, shown raw as Streamlit Markdown or as a Plotly title, bring an image, a link, a
script, a formula, an icon, a colour or a layout change onto someone else's screen, hide what the text
says, or flood the page. ``tests/test_user_text.py`` renders each through :mod:`visualizer.text` and the
browser test sends them through the app's real sinks. The hosts are loopback or reserved names: even a
failing test sends nothing off this machine.
"""

from __future__ import annotations

FOREIGN = "127.0.0.9"  # a loopback address the app never uses: any request to it is a leak

HOSTILE: dict[str, str] = {
    # Markdown images and links
    "md_image": f"![pic](http://{FOREIGN}/beacon.png)",
    "md_image_and_link": f"![pic](http:{FOREIGN}) [link](http:{FOREIGN}).png",
    "md_link": f"[click me](http://{FOREIGN}/phish)",
    "md_link_title": f'[a](http://{FOREIGN} "title") b',
    "md_reference_link": f"[x][1]\n\n[1]: http://{FOREIGN}/ref",
    "md_image_in_link": f"[![i](http://{FOREIGN}/i.png)](http://{FOREIGN}/)",
    "angle_autolink": f"<http://{FOREIGN}/auto>",
    "angle_email": "<someone@example.invalid>",
    # Bare URLs and e-mail addresses (GitHub-flavoured Markdown links them)
    "bare_http": f"see http://{FOREIGN}/x now",
    "bare_https": "https://example.invalid/login",
    "bare_www": "www.example.invalid",
    "bare_www_upper": "WWW.Example.Invalid/path?q=1",
    "bare_email": "mail admin@example.invalid please",
    "javascript_link": "[run](javascript:alert(1))",
    "javascript_bare": "javascript:alert(document.cookie)",
    "data_uri_image": "![x](data:image/svg+xml;base64,PHN2Zy8+)",
    # Raw HTML and entities
    "html_img": f'<img src="http://{FOREIGN}/x.png" onerror="alert(1)">',
    "html_script": "<script>alert(1)</script>",
    "html_iframe": f'<iframe src="http://{FOREIGN}/"></iframe>',
    "html_anchor": f'<a href="http://{FOREIGN}/">text</a>',
    "html_svg": "<svg onload=alert(1)><circle r=5></svg>",
    "html_style": "<style>body{display:none}</style>",
    "html_entities": "&lt;b&gt; &amp; &#60;img&#62; &copy; &nbsp;",
    # LaTeX
    "latex_inline": "$x^2$ costs $5 and $6",
    "latex_href": f"$\\href{{http://{FOREIGN}}}{{click}}$",
    "latex_block": "$$\\int_0^1 x\\,dx$$",
    # Streamlit's own Markdown extensions
    "emoji_shortcode": ":smile: :+1: :rocket:",
    "material_icon": ":material/home: :material/delete:",
    "streamlit_logo": "look :streamlit: here",
    "colour_directive": ":red[danger] :blue-background[x] :rainbow[y]",
    "small_and_badge": ":small[tiny] :green-badge[OK] :help[hover me]",
    "arrows": "a -> b <- c <-> d -- e >= f <= g ~= h",
    # Layout: headings, lists, quotes, tables, rules, code, emphasis
    "heading": "# Big heading",
    "setext_heading": "Title\n=====",
    "list_and_quote": "- item\n+ other\n> quoted\n1. first",
    "ordered_start": "1. cat.png",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |",
    "rule": "***",
    "code_fence": "```\ncode\n```",
    "emphasis": "**bold** _it_ ~~gone~~ `code`",
    "footnote": "text[^1]\n\n[^1]: note",
    "task_list": "- [x] done",
    # Backslash games
    "backslash_image": "\\![x](http://127.0.0.9/y.png)",
    "double_backslash_image": "\\\\![x](http://127.0.0.9/y.png)",
    "trailing_backslash": "name\\",
    "escaped_dollar": "\\$x\\$",
    # Invisible and control characters
    "bidi_override": "photo\u202egnp.exe",
    "bidi_isolates": "\u2066abc\u2069 \u2067def\u2069 \u2068ghi\u2069",
    "zero_width": "a\u200bb\u200cc\u200dd\ufeffe\u2060f",
    "controls": "a\x00b\x07c\x1bd\x7fe\x85f",
    "newlines_tabs": "line one\nline two\r\nline\tthree",
    "unicode_separators": "a\u2028b\u2029c",
    # Length
    "very_long": "A" * 10_000,
    "very_long_link": f"[{'x' * 5000}](http://{FOREIGN}/)" + "y" * 5000,
    "long_file_name": "B" * 200 + " :red[x] " + "C" * 40,  # about as long as a file name can be
    # Ordinary names that must survive unchanged (apart from the escaping)
    "plain_name": "cat photo (2).png",
    "unicode_name": "Ünïcödé 猫 🐱.png",
}

# Names a file can have (no "/" or NUL, at most 255 bytes with ".png"): the browser test uploads each.
FILE_NAME_SAFE = {key: text for key, text in HOSTILE.items()
                  if "/" not in text and "\x00" not in text and len(text.encode()) <= 251}
