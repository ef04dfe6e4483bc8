"""plots.html_table: the chapters' short tables as HTML (Markdown outputs have no tables in the built book)."""

import pytest

from minigpt.plots import html_table


def test_cells_are_escaped_and_rows_kept_in_order():
    page = html_table(["setting", "share"], [("a <b>", "50%"), ("c", 0.25)])
    assert page.startswith("<table>") and page.count("<tr>") == 3
    assert "<td>a &lt;b&gt;</td>" in page and page.index("a &lt;b&gt;") < page.index("<td>0.25</td>")


@pytest.mark.parametrize(("header", "rows", "match"), [([], [], "header"), (["x", "y"], [("only one",)], r"rows\[0\]")])
def test_bad_shapes_are_clear_errors(header, rows, match):
    with pytest.raises(ValueError, match=match):
        html_table(header, rows)
