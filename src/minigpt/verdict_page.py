"""The verdict table as HTML: chapter 10's page (a forest plot, a compact table with each claim's rows behind a
dropdown) and the takeaway box that ends each study's chapter. Everything here renders rows of
:func:`minigpt.verdicts.verdict_table`; nothing decides a verdict.

Every output is self-contained HTML (styles inline, figures and downloads as data: URLs): it shows the same in
Jupyter and in the built book, offline. The anchors other pages link to: ``verdict-<claim>`` (a claim's block of
the table; the introduction and each takeaway box link there), ``sanity-<claim>`` (its sanity checks), and
``takeaway`` (the box on a chapter's page, which the table links to).

Usage::

    from minigpt.verdict_page import forest_html, takeaway, to_html
    table = verdict_table(cache)
    HTML(forest_html(table) + to_html(table))     # chapter 10
    takeaway(cache, "recall")                      # the end of chapter 5
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape as e

from .plots import VERDICT_COLORS, fig_to_png_bytes, forest
from .replication import half_text, row_id
from .studies import STUDIES, study
from .verdicts import CLAIMS, ROW_VERDICTS, measurement, study_rows, to_csv, to_json, verdict_table

PAGE = "10_verdicts"  # the verdict table's page in book/
TAKEAWAY_ID = "takeaway"  # the takeaway box's anchor on a chapter's page


# Scoped to the table's own classes and inlined with it: the page's column is about 690-750 px at a 1280 px
# window, and the table must fit it (fixed layout; long text wraps instead of widening a column).
STYLE = """<style>
.verdict-table { font-size: 0.85em; margin: 0.5em 0; }
.verdict-table .verdict-grid { display: grid; column-gap: 0.6em; padding: 0.35em 0.3em;
  grid-template-columns: minmax(0, 73fr) minmax(0, 17fr) minmax(0, 10fr); }
.verdict-table .verdict-why { display: block; color: #555; font-size: 0.95em; }
.verdict-table .verdict-grid > span { min-width: 0; overflow-wrap: anywhere; }
.verdict-table .verdict-head { font-weight: bold; border-bottom: 1px solid #999; }
.verdict-table details.verdict-claim { border-top: 1px solid #ddd; }
.verdict-table summary.verdict-grid { list-style: none; cursor: pointer; }
.verdict-table summary.verdict-grid::-webkit-details-marker { display: none; }
.verdict-table summary .verdict-what::before { content: "\\25B8  "; color: #888; }
.verdict-table details[open] > summary .verdict-what::before { content: "\\25BE  "; }
.verdict-table summary:hover { background: #f6f6f6; }
.verdict-table details ol { margin: 0.1em 0 0.6em 2.2em; padding: 0; }
.verdict-table details li { margin: 0.35em 0; overflow-wrap: anywhere; }
.verdict-badge { display: inline-block; padding: 0 0.4em; border-radius: 0.3em; border: 1px solid;
  white-space: normal; font-size: 0.95em; }
.verdict-table .verdict-half { color: #555; font-style: italic; }
.verdict-forest { margin: 0.5em 0; }
.verdict-forest img { max-width: 100%; height: auto; }
.verdict-takeaway ul { margin-bottom: 0.4em; }
</style>"""


def badge(verdict: str) -> str:
    """A verdict as a small coloured label (the colours of :data:`minigpt.plots.VERDICT_COLORS`)."""
    color = VERDICT_COLORS.get(verdict, "#777777")
    return (f'<span class="verdict-badge verdict-{e(verdict.split()[0])}" style="border-color: {color}; '
            f'background: {color}22">{e(verdict)}</span>')


def tally(rows: Sequence[Mapping]) -> str:
    """A claim's claim rows in one line: ``"2 of 6 rows hold; 3 negligible, 1 inconclusive"``."""
    mine = [t for t in rows if t["kind"] == "claim"]
    holds = sum(t["verdict"] == "holds" for t in mine)
    rest = [f"{n} {v}" for v in ROW_VERDICTS[1:] if (n := sum(t["verdict"] == v for t in mine))]
    head = f"{holds} of {len(mine)} row{'s' if len(mine) != 1 else ''} hold{'s' if len(mine) == 1 else ''}"
    return head + (f"; {', '.join(rest)}" if rest else "")


def _row_item(t: Mapping, rep: Mapping | None = None) -> str:
    """One row for a dropdown: verdict, chapter and what was compared; the numbers; the test and the reason;
    with ``rep``, its split-half replication (:func:`minigpt.replication.half_text`)."""
    expect = "a = b within the margin" if t["expect"] == "equal" else f"a {t['expect']} than b"
    test = f"; test: {t['test']}" if t["test"] else ""
    half = f'<br><span class="verdict-half">{e(half_text(rep))}</span>' if rep else ""
    return (f'<li>{badge(t["verdict"])} ch. {t["chapter"]}: {e(t["text"])}<br>{e(measurement(t))}<br>'
            f'<span style="color: #555">{e(t["measure"])}; the claim predicts {e(expect)}, margin '
            f'{t["margin"]:g}{e(test)}. Why {e(t["verdict"])}: {e(t["reason"])}.</span>{half}</li>')


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def to_html(table: Sequence[Mapping], link: str = "{page}.html#" + TAKEAWAY_ID, downloads: bool = True,
            kind: str = "claim", replication: Sequence[Mapping] = ()) -> str:
    """The rows of ``kind`` ("claim" or "sanity") as a compact, self-contained HTML table: per claim one line
    (the claim, its verdict, why in a few words, its chapters linked with ``link``, where ``{page}`` is a
    chapter's page name) that opens, as a dropdown (``<details>``), every row's numbers, test, seeds, items,
    margin and interval. Each claim is one ``<details id="verdict-<claim>">`` (``sanity-<claim>`` for sanity
    rows). With ``downloads``, links that download the whole table as CSV and JSON from data: URLs. With
    ``replication`` (:func:`minigpt.replication.split_half`), each row's split-half replication in its entry."""
    if kind not in ("claim", "sanity"):
        raise ValueError(f"kind: must be 'claim' or 'sanity', got {kind!r}")
    reps = {r["id"]: r for r in replication}
    pages = {s.chapter: s.page for s in STUDIES}
    out = [STYLE, f'<div class="verdict-table verdicts-{kind}">']
    if downloads:
        out.append('<p class="verdict-downloads">Download the whole table: '
                   f'<a id="verdicts-csv" download="verdicts.csv" '
                   f'href="{_data_uri(to_csv(table).encode(), "text/csv;charset=utf-8")}">CSV</a> · '
                   f'<a id="verdicts-json" download="verdicts.json" '
                   f'href="{_data_uri(to_json(table).encode(), "application/json;charset=utf-8")}">JSON</a></p>')
    out.append('<div class="verdicts">')
    out.append('<div class="verdict-grid verdict-head"><span>claim, and why its verdict (open a claim for its '
               'rows)</span><span>verdict</span><span>chapter</span></div>')
    for claim in CLAIMS:
        mine = [t for t in table if t["claim"] == claim and t["kind"] == kind]
        if not mine:
            continue
        head = mine[0]
        chapters = ", ".join(
            f'<a href="{e(link.format(page=pages[c]))}">{c}</a>' if c in pages else str(c)
            for c in dict.fromkeys(t["chapter"] for t in mine))
        if kind == "claim":
            verdict, why = head["claim_verdict"], e(tally(mine))
            holding = [t["text"] for t in mine if t["verdict"] == "holds"]
            if head["claim_condition"] and holding:
                why += f'; holds for: {e("; ".join(holding))}'
        else:
            verdict = next((t["verdict"] for t in mine if t["verdict"] != "holds"), "holds")
            why = e(tally([{**t, "kind": "claim"} for t in mine]))
        out.append(f'<details id="{"verdict" if kind == "claim" else "sanity"}-{e(claim)}" class="verdict-claim">'
                   f'<summary class="verdict-grid"><span class="verdict-what"><b>({e(claim)})</b> '
                   f'{e(head["claim_text"])}<span class="verdict-why">{why}</span></span>'
                   f'<span>{badge(verdict)}</span><span>{chapters}</span></summary>'
                   f'<ol>{"".join(_row_item(t, reps.get(row_id(t))) for t in mine)}</ol></details>')
    out.append("</div></div>")
    return "\n".join(out)


def forest_html(table: Sequence[Mapping], kind: str = "claim", dpi: int = 100) -> str:
    """The rows of ``kind`` as a forest plot (:func:`minigpt.plots.forest`), an ``<img>`` in a
    ``<figure class="verdict-forest">``, PNG as a data: URL; "" when there are no such rows."""
    rows = [t for t in table if t["kind"] == kind]
    if not rows:
        return ""
    png = fig_to_png_bytes(forest(rows), dpi=dpi)
    what = "claim rows" if kind == "claim" else "sanity checks"
    return (f'{STYLE}<figure class="verdict-forest verdict-forest-{kind}"><img src="{_data_uri(png, "image/png")}" '
            f'alt="Forest plot of the {len(rows)} {what}: each row\'s difference a - b with its 95% interval, '
            f'coloured by its verdict"></figure>')


class Shown:
    """HTML for Jupyter and the book (``_repr_html_``), plain text elsewhere (``str``, ``repr``)."""

    def __init__(self, html_text: str, text: str):
        self.html, self.text = html_text, text

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def takeaway(cache, *studies: str, page: str = PAGE, max_rows: int = 4) -> Shown:
    """The box that ends a chapter: for each claim of its ``studies`` (names in the registry, one or more: a
    chapter may hold several; an unknown name is a ValueError), the claim's verdict from this chapter's rows
    (:func:`minigpt.verdicts.verdict_table` with only these studies) in a sentence, each row's estimate and 95%
    interval, the chapters that test the claim too, and a link to its block of the verdict table
    (``<page>.html#verdict-<claim>``). A claim with more than ``max_rows`` rows lists them in a dropdown."""
    if not studies:
        raise ValueError("studies: name at least one study of the registry")
    chosen = [study(name) for name in studies]
    table = verdict_table(cache, studies=[s.name for s in chosen])
    claims = list(dict.fromkeys(c for s in chosen for c in s.claims))
    here = {s.chapter for s in chosen}
    # (chapter, claim) of the other chapters' claim rows: a chapter with only sanity rows for a claim does not test it
    tested = {(o.chapter, r["claim"]) for o in STUDIES if o.chapter not in here and set(o.claims) & set(claims)
              for r in study_rows(o, cache) if r["kind"] == "claim"}
    parts, lines = [], []
    for claim in claims:
        mine = [t for t in table if t["claim"] == claim and t["kind"] == "claim"]
        checks = [t for t in table if t["claim"] == claim and t["kind"] == "sanity"]
        others = list(dict.fromkeys(o.chapter for o in STUDIES if (o.chapter, claim) in tested))
        named = " and ".join(filter(None, [", ".join(map(str, others[:-1])), str(others[-1])])) if others else ""
        link = f'<a href="{e(page)}.html#verdict-{e(claim)}">Claim ({e(claim)}) in the verdict table</a>.'
        held = f"{sum(t['verdict'] == 'holds' for t in checks)} of {len(checks)} hold"  # the sanity checks
        if not mine:  # only sanity rows here (floor checks): say so, and where the claim is tested
            if checks:
                where = f" It is tested in chapter{'s' if len(others) > 1 else ''} {named}." if others else ""
                parts.append(f"<p><b>({e(claim)}) {e(CLAIMS[claim][0])}</b> This chapter has no claim row for it, "
                             f"only sanity checks ({e(held)}), which never count toward its verdict.{e(where)} "
                             f"{link}</p>")
                lines.append(f"({claim}) sanity checks only here: {held}")
            continue
        verdict = mine[0]["claim_verdict"]
        also = (f" Also tested in chapter{'s' if len(others) > 1 else ''} {named}, so the verdict table "
                "combines every chapter's rows." if others else "")
        items = [f"<li>{e(t['text'])}: {e(t['reason'])}: <b>{e(t['verdict'])}</b></li>" for t in mine]
        rows_html = (f"<ul>{''.join(items)}</ul>" if len(mine) <= max_rows else
                     f"<details><summary>the {len(mine)} rows with their numbers</summary>"
                     f"<ul>{''.join(items)}</ul></details>")
        sanity = f" Sanity checks: {held}." if checks else ""
        parts.append(f'<p><b>({e(claim)}) {e(CLAIMS[claim][0])}</b> From this chapter\'s rows: {badge(verdict)} '
                     f"({e(tally(mine))}).{e(sanity)}{e(also)} {link}</p>{rows_html}")
        lines.append(f"({claim}) {verdict} from this chapter's rows ({tally(mine)})")
        lines += [f"  - {t['text']}: {t['reason']}: {t['verdict']}" for t in mine]
    box = (f'{STYLE}<div class="admonition tip verdict-takeaway" id="{TAKEAWAY_ID}">'
           f'<p class="admonition-title">Takeaway</p>{"".join(parts)}</div>')
    return Shown(box, "Takeaway\n" + "\n".join(lines))
