"""``report.html``: a report's markdown as one self-contained page that prints cleanly.

:func:`write_html` turns ``report.md`` into ``report.html`` beside it: figures embedded as
base64 ``data:`` URIs, tables styled, a print stylesheet (no row or figure cut across pages,
a page break before the main sections), and no reference to anything outside the file but
relative links to files that exist beside it. :func:`relative_links` lists a markdown
file's relative links, so that tests can check that each resolves.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from pathlib import Path

from msisim.study.store import atomic_write

#: A markdown link or image: ``[text](target)`` or ``![alt](target "title")``.
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
#: Targets that are not files beside the report.
_NOT_A_FILE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#|//)", re.IGNORECASE)
#: ``src`` and ``href`` attributes of the HTML that :mod:`markdown` writes.
_ATTRIBUTE = re.compile(r'(<(img|a)\b[^>]*?\b(src|href)=")([^"]*)("[^>]*>)', re.IGNORECASE)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.45;
       max-width: 70rem; margin: 2rem auto; padding: 0 1.5rem; color: #1b1b1b; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #445; padding-bottom: .3rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #ccd; }
h3 { font-size: 1.1rem; }
code { background: #f3f3f6; padding: 0 .2em; border-radius: 3px; font-size: .92em; }
img { max-width: 100%; height: auto; display: block; margin: 1rem auto; }
.table { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: .86rem; }
th, td { border: 1px solid #d0d0d8; padding: .25rem .5rem; vertical-align: top; }
th { background: #eef0f5; text-align: left; }
tbody tr:nth-child(even) { background: #f8f8fb; }
.missing { color: #8a1c1c; font-style: italic; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2:nth-of-type(n+3) { break-before: page; }
  h1, h2, h3 { break-after: avoid; }
  img, figure, tr, thead { break-inside: avoid; }
  thead { display: table-header-group; }
  table { font-size: 8pt; width: 100%; }
  .table { overflow: visible; }
  p:has(> img) { break-inside: avoid; }
  img { max-height: 24cm; }
  a { color: inherit; text-decoration: none; }
}
"""


def relative_links(text: str) -> list[str]:
    """The relative link and image targets of a markdown text, without their ``#fragment``.

    URLs (``https:``, ``mailto:``, ``data:``), protocol-relative ones and in-page anchors are
    left out; links inside code spans and blocks are not links and are left out too.
    """
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    out = []
    for target in _LINK.findall(text):
        if _NOT_A_FILE.match(target):
            continue
        target = target.split("#", 1)[0]
        if target:
            out.append(target)
    return out


def missing_links(md_path: Path) -> list[str]:
    """The relative links of a markdown file that name no file beside it."""
    folder = md_path.parent
    return [t for t in relative_links(md_path.read_text()) if not (folder / t).exists()]


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _resolve(folder: Path, match: re.Match[str]) -> str:
    start, tag, _, target, end = match.groups()
    if target.startswith(("#", "data:")):
        return match.group(0)
    file = folder / html.unescape(target).split("#", 1)[0]
    local = not _NOT_A_FILE.match(target)
    if tag.lower() == "img":
        if local and file.is_file():
            return f"{start}{_data_uri(file)}{end}"
        alt = re.search(r'\balt="([^"]*)"', match.group(0))
        words = alt.group(1) if alt else target
        return f'<span class="missing">[figure not available: {words}]</span>'
    if local and file.exists():
        return match.group(0)
    if local:  # a link to a file that is not there: keep its text only
        return f'<a class="missing" title="{html.escape(target)} is not beside this report">'
    return match.group(0)  # a link in the text to a web page (no asset is loaded from it)


def render(text: str, folder: Path) -> str:
    """The HTML page of a markdown report whose relative links start at ``folder``."""
    import markdown

    body = markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    body = _ATTRIBUTE.sub(lambda m: _resolve(folder, m), body)
    body = body.replace("<table>", '<div class="table"><table>').replace(
        "</table>", "</table></div>"
    )
    heading = re.search(r"^#\s+(.+)$", text, flags=re.M)
    title = html.escape(heading.group(1).strip() if heading else "msisim report")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write_html(md_path: Path) -> Path:
    """Write ``report.html`` beside the markdown report ``md_path`` (atomically); its path.

    Raises:
        FileNotFoundError: When ``md_path`` does not exist.
    """
    md_path = Path(md_path)
    if not md_path.is_file():
        raise FileNotFoundError(f"{md_path}: no markdown report to turn into HTML")
    page = render(md_path.read_text(), md_path.parent)
    path = md_path.with_suffix(".html")
    atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path
