"""Convert HTML manuals to Markdown-like text with the standard library's html.parser.

Only what helps a language model is kept: headings as `#`, list items as `-` / `1.`, `<pre>` as
fenced code, inline `<code>` in backticks, table cells separated by ` | `. Navigation, scripts,
styles and forms are dropped, since they repeat on every page and say nothing.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "form",
        "button",
        "svg",
        "noscript",
        "head",
        "select",
        "iframe",
        "template",
        "object",
    }
)
# class or id values of page chrome in the manuals we convert (Sphinx, DocBook, Erlang, SQLite).
SKIP_MARKERS = frozenset(
    {
        "navheader",
        "navfooter",
        "sphinxsidebar",
        "sphinxsidebarwrapper",
        "related",
        "headerlink",
        "searchbox",
        "global-nav",
        "hd",
        "ft",
        "nav",
        "leftnav",
        "topbar",
        "footer",
        "erlang-logo-wrapper",
        "title-anchors",
        "searchmenu",
        "menu",
        "breadcrumb",
        "breadcrumbs",
        "skip-link",
        "mobile-nav",
        "nosearch",
        "fancy_toc",
    }
)
VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr"})
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "blockquote",
        "table",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "caption",
        "body",
        "center",
        "address",
    }
)
HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SPACES = re.compile(r"\s+")


class _Converter(HTMLParser):
    def __init__(self, skip_markers: frozenset[str]):
        super().__init__(convert_charrefs=True)
        self.skip_markers = skip_markers
        self.out: list[str] = []
        self.skipping: tuple[str, int] | None = None  # (tag, nesting depth of that tag)
        self.pre_depth = 0
        self.pre_fresh = False  # HTML drops one newline right after <pre>
        self.lists: list[list] = []  # [kind, next number] per open <ul>/<ol>
        self.code_mark: int | None = None
        self.row_cells = 0
        self.in_heading = False
        # Set right after a "# " or "- " marker: a <p> opening inside an item or heading must not
        # push its text onto the next line.
        self.after_marker = False

    # -- output helpers -------------------------------------------------------------------------
    def _tail(self) -> str:
        return "".join(self.out[-3:])[-2:] if self.out else "\n\n"

    def _newlines(self, count: int) -> None:
        """Ensure the output ends with at least `count` newlines (nothing at the very start)."""
        if not self.out or self.after_marker or self.in_heading:
            return
        have = len(self._tail()) - len(self._tail().rstrip("\n"))
        if have < count:
            self.out.append("\n" * (count - have))

    def _block(self) -> None:
        # Inside a list, blocks are separated by a single newline so items stay together.
        self._newlines(1 if self.lists else 2)

    def _emit(self, text: str) -> None:
        if text:
            self.out.append(text)
            if text.strip():
                self.after_marker = False

    def _marker(self, text: str) -> None:
        self._emit(text)
        self.after_marker = True

    # -- parser callbacks -----------------------------------------------------------------------
    def _should_skip(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in SKIP_TAGS:
            return True
        for name, value in attrs:
            if name in ("class", "id") and value and self.skip_markers.intersection(value.split()):
                return True
        return False

    def handle_starttag(self, tag, attrs):
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping = (tag, self.skipping[1] + 1)
            return
        if tag not in VOID_TAGS and self._should_skip(tag, attrs):
            self.skipping = (tag, 1)
            return
        if self.pre_depth:
            if tag == "pre":
                self.pre_depth += 1
            elif tag == "br":
                self._emit("\n")
            return
        self._open(tag)

    def _open(self, tag: str) -> None:
        if tag in HEADINGS:
            self._newlines(2)
            self._marker("#" * HEADINGS[tag] + " ")
            self.in_heading = True
        elif tag == "pre":
            self._newlines(2)
            self._emit("```\n")
            self.pre_depth, self.pre_fresh = 1, True
        elif tag in ("ul", "ol"):
            self._block()
            self.lists.append([tag, 1])
        elif tag == "li":
            self._newlines(1)
            indent = "  " * (len(self.lists) - 1)
            if self.lists and self.lists[-1][0] == "ol":
                self._marker(f"{indent}{self.lists[-1][1]}. ")
                self.lists[-1][1] += 1
            else:
                self._marker(f"{indent}- ")
        elif tag == "code" and self.code_mark is None:
            self._emit("`")
            self.code_mark = len(self.out)
        elif tag == "br":
            self._emit("\n")
        elif tag == "hr":
            self._newlines(2)
        elif tag == "tr":
            self._newlines(1)
            self.row_cells = 0
        elif tag in ("td", "th"):
            if self.row_cells:
                self._emit(" | ")
            self.row_cells += 1
        elif tag in BLOCK_TAGS:
            self._block()

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[0]:
                depth = self.skipping[1] - 1
                self.skipping = (tag, depth) if depth else None
            return
        if self.pre_depth:
            if tag == "pre":
                self.pre_depth -= 1
                if not self.pre_depth:
                    self._newlines(1)
                    self._emit("```")
                    self._newlines(2)
            return
        if tag in HEADINGS:
            self.in_heading = self.after_marker = False
            self._newlines(2)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._block()
        elif tag == "li":
            self._newlines(1)
        elif tag == "code" and self.code_mark is not None:
            if len(self.out) == self.code_mark:
                self.out.pop()  # empty <code></code>: drop the lone backtick
            else:
                self._emit("`")
            self.code_mark = None
        elif tag == "tr":
            self._newlines(1)
        elif tag in BLOCK_TAGS:
            self._block()

    def handle_data(self, data):
        if self.skipping:
            return
        if self.pre_depth:
            if self.pre_fresh and data.startswith("\n"):
                data = data[1:]
            self.pre_fresh = False
            self._emit(data)
            return
        text = _SPACES.sub(" ", data)
        if self._tail()[-1:] in ("\n", " "):
            text = text.lstrip()
        self._emit(text)


def html_to_text(html: str, skip_markers: frozenset[str] = SKIP_MARKERS) -> str:
    """Markdown-like text of an HTML page; empty if the page holds no text."""
    converter = _Converter(skip_markers)
    converter.feed(html)
    converter.close()
    lines = [line.rstrip() for line in "".join(converter.out).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text else ""
