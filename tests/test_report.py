"""Tests of report rendering: HTML, Markdown and JUnit from results.json."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from auditkit.errors import AuditError
from auditkit.report import (
    ReportError,
    load_results,
    markdown_escape,
    render,
    write_report_files,
)

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
NAMES = ["loan", "intersectional", "nobody_selected"]
DASH = "\u2013"
PAYLOAD = "<script>alert(1)</script> | ]]> `tick` *star* [link](x)"


def _results(name: str) -> dict:
    return json.loads((FIXTURES / f"results_{name}.json").read_text(encoding="utf-8"))


# -- a small HTML tree, enough to check structure ----------------------------


class _Node:
    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag, self.attrs = tag, attrs
        self.children: list[_Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None):
        for child in self.children:
            if isinstance(child, _Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def by_id(self, ident: str) -> _Node:
        return next(node for node in self.iter() if node.attrs.get("id") == ident)


_VOID = frozenset({"meta", "link", "br", "img", "hr", "input", "col", "wbr", "source"})


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("#document", {})
        self.stack = [self.root]
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        if self.stack[-1].tag != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1].tag}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _parse_html(html: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.problems == []
    assert [node.tag for node in builder.stack] == ["#document"]
    return builder.root


def _hostile(results: dict) -> dict:
    """Put a hostile value everywhere a user, a data file or Mimesis can reach."""
    text = json.dumps(results)
    for plain in ("Female", "Loan approval", "James", "models.loan"):
        text = text.replace(plain, json.dumps(PAYLOAD)[1:-1])
    hostile = json.loads(text)
    hostile["audit"]["description"] = f"first line\n{PAYLOAD}\n# not a heading"
    hostile["warnings"] = [PAYLOAD]
    hostile["audit"]["source"] += f"\n# {PAYLOAD}\n"
    hostile["examples"][0]["rows"][0]["income"] = f"{PAYLOAD}\n\x00\x07bell"
    return hostile


# -- HTML --------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_html_is_one_self_contained_file(name):
    """Check that the HTML has no scripts, no external resources and no links out."""
    html = render(_results(name), "html")

    assert "<script" not in html.lower()
    assert re.search(r"\b(src|srcset)=", html) is None
    assert re.search(r"href=\"(?!#)", html) is None
    assert "url(" not in html
    assert "@import" not in html
    assert "<style>" in html
    assert html.count("<svg") >= 2


@pytest.mark.parametrize("name", NAMES)
def test_html_is_well_formed_with_real_table_headers(name):
    """Check that tags balance and every table names its columns or rows."""
    tree = _parse_html(render(_results(name), "html"))

    tables = list(tree.iter("table"))
    assert tables
    for table in tables:
        headers = list(table.iter("th"))
        assert headers
        assert all(th.attrs.get("scope") in ("col", "row") for th in headers)


def test_html_opens_with_the_verdict_in_words():
    """Check that the first section is the verdict, in words and a colour class."""
    tree = _parse_html(render(_results("loan"), "html"))

    first = next(tree.by_id("verdict").iter("h2"))
    verdict = tree.by_id("verdict")
    main = next(tree.iter("main"))

    assert next(main.iter("section")) is verdict
    assert "verdict-fail" in verdict.attrs["class"]
    assert first.text() == "Verdict: FAIL"
    assert "998 of 1,000 profiles" in verdict.text()


@pytest.mark.parametrize("name", NAMES)
def test_html_criteria_table_lists_every_criterion(name):
    """Check that each criterion has a row with figure, interval and status."""
    results = _results(name)
    tree = _parse_html(render(results, "html"))

    table = next(tree.by_id("criteria").iter("table"))
    rows = list(next(table.iter("tbody")).iter("tr"))

    assert len(rows) == len(results["criteria"])
    for row, criterion in zip(rows, results["criteria"], strict=True):
        cells = [cell.text() for cell in row.children if isinstance(cell, _Node)]
        assert criterion["label"] in cells[1]
        assert criterion["status"] in cells[0].lower()
        assert len(cells) == 7


@pytest.mark.parametrize(
    ("name", "charts"),
    [("loan", 1), ("intersectional", 2), ("nobody_selected", 2)],
)
def test_html_charts_selection_rate_for_every_attribute(name, charts):
    """Check one selection chart per attribute, each bar with its interval whisker."""
    tree = _parse_html(render(_results(name), "html"))

    section = tree.by_id("selection-rates")
    svgs = list(section.iter("svg"))

    assert len(svgs) == charts
    for svg in svgs:
        assert next(svg.iter("title")).text().startswith("Selection rate by ")
        bars = list(svg.iter("rect"))
        whiskers = [
            line for line in svg.iter("line") if line.attrs["class"] == "whisker"
        ]
        assert len(whiskers) == 3 * len(bars)


def test_html_score_gap_histogram_appears_only_with_scores():
    """Check that the histogram shows when the model scores and not otherwise."""
    with_scores = _parse_html(render(_results("loan"), "html"))
    without = _parse_html(render(_results("nobody_selected"), "html"))

    assert len(list(with_scores.by_id("score-gaps").iter("rect"))) == 20
    assert list(without.by_id("score-gaps").iter("svg")) == []
    assert "no scores" in without.by_id("score-gaps").text()


def test_html_examples_show_clones_side_by_side_with_changes_marked():
    """Check that a flipped pair is a table with one column per clone."""
    tree = _parse_html(render(_results("loan"), "html"))

    examples = list(tree.by_id("examples").iter("article"))
    table = next(examples[0].iter("table"))
    header = [th.text() for th in next(table.iter("thead")).iter("th")]
    changed = [tr for tr in table.iter("tr") if tr.attrs.get("class") == "changed"]
    decision = next(
        tr for tr in table.iter("tr") if tr.attrs.get("class") == "decision"
    )

    assert len(examples) == 3
    assert header == ["Field", "Clone 1gender = Male", "Clone 2gender = Female"]
    assert [next(tr.iter("code")).text() for tr in changed] == [
        "gender",
        "Gender_Code",
        "first_name",
    ]
    assert [list(tr.iter("mark"))[1].text() for tr in changed] == [
        "Female",
        "0",
        "Mary",
    ]
    assert [td.text() for td in decision.iter("td")] == ["✓ selected", "✗ not selected"]


def test_html_examples_with_many_clones_list_one_clone_a_row():
    """Check that six clones become rows of changed values, the rest said once."""
    tree = _parse_html(render(_results("intersectional"), "html"))

    example = next(tree.by_id("examples").iter("article"))
    table = next(example.iter("table"))
    header = [th.text() for th in next(table.iter("thead")).iter("th")]
    rows = list(next(table.iter("tbody")).iter("tr"))
    shared = " ".join(next(p for p in example.iter("p")).text().split())

    assert "wide" in example.attrs["class"]
    assert header == ["Clone", "gender changed", "race changed", "Decision", "Score"]
    assert len(rows) == 6
    assert [td.text() for td in rows[1].iter("td")] == [
        "Female",
        "Black",
        "✗ not selected",
        "0.4113",
    ]
    assert shared.startswith("Same in every clone: candidate_id 953f48f1-")
    assert shared.endswith("years_experience 30.")


def test_html_shows_the_audit_file_as_written_and_provenance():
    """Check that the audit source and the hashes appear verbatim."""
    results = _results("loan")
    tree = _parse_html(render(results, "html"))

    assert (
        next(tree.by_id("audit-file").iter("pre")).text() == results["audit"]["source"]
    )
    assert results["audit"]["sha256"] in tree.by_id("provenance").text()


def test_html_limitations_list_inconclusive_and_undefined_figures():
    """Check that the Limitations section collects the run's caveats."""
    tree = _parse_html(render(_results("nobody_selected"), "html"))

    text = " ".join(tree.by_id("limitations").text().split())

    assert (
        f"flip_rate: the 90% interval (0%{DASH}4.3%) straddles the requirement" in text
    )
    assert "demographic_parity_ratio[race]: The ratio of selection rates" in text
    assert "Of any counterfactual audit" in text


def test_html_generation_time_comes_from_source_date_epoch(monkeypatch):
    """Check that SOURCE_DATE_EPOCH sets the HTML's generation time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    html = render(_results("loan"), "html")

    assert '<time datetime="2023-11-14T22:13:20Z">' in html


def test_html_generation_time_falls_back_to_created_then_to_nothing(monkeypatch):
    """Check that without SOURCE_DATE_EPOCH the HTML shows created, else no time."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    with_created = render(_results("intersectional"), "html")
    without = render(_results("loan"), "html")

    assert '<time datetime="2024-05-01T12:00:00Z">' in with_created
    assert "<time" not in without


# -- Markdown ----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_markdown_matches_its_golden_file(name):
    """Check the Markdown of each seeded example byte for byte.

    Set AUDITKIT_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate
    change, then review the diff.
    """
    markdown = render(_results(name), "markdown")
    golden = GOLDEN / f"report_{name}.md"

    if os.environ.get("AUDITKIT_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(markdown, encoding="utf-8", newline="\n")

    assert markdown == golden.read_text(encoding="utf-8")


def test_markdown_is_the_same_from_memory_and_from_results_json(tmp_path):
    """Check that dict order in memory cannot change the Markdown."""
    results = _results("intersectional")

    def reverse(value):
        if isinstance(value, dict):
            return {key: reverse(value[key]) for key in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(item) for item in value]
        return value

    assert render(reverse(results), "markdown") == render(results, "markdown")


def test_markdown_ignores_source_date_epoch(monkeypatch):
    """Check that no clock reaches the Markdown."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = render(_results("loan"), "markdown")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    assert render(_results("loan"), "markdown") == before


def test_markdown_shows_created_only_when_the_results_have_it():
    """Check that a null created leaves no timestamp in the Markdown."""
    assert "created" not in render(_results("loan"), "markdown")
    assert "created 2024-05-01T12:00:00Z" in render(
        _results("intersectional"), "markdown"
    )


def test_markdown_flipped_pairs_table_has_one_row_per_clone():
    """Check the motivating table: profile, attribute, fields, decision per clone."""
    markdown = render(_results("loan"), "markdown")

    lines = markdown.splitlines()
    header = lines.index(
        "| Profile | gender | Gender_Code | first_name | applicant_id | income | age "
        "| Decision | Score |"
    )

    assert lines[header + 2].startswith("| 0 | **Male** | **1** | **James** |")
    assert lines[header + 2].endswith("| 61329 | 21 | **✓ selected** | 0.9536 |")
    assert lines[header + 3].endswith("| 61329 | 21 | **✗ not selected** | 0.0268 |")


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a|b", r"a\|b"),
        ("`code`", r"\`code\`"),
        ("<script>", "&lt;script&gt;"),
        ("x & y", "x &amp; y"),
        ("two\nlines", "two<br>lines"),
        ("*bold* [link](x)", r"\*bold\* \[link\](x)"),
        ("applicant_id", "applicant_id"),
        ("_emphasis_", r"\_emphasis\_"),
        ("# heading", r"\# heading"),
        ("1. item", r"1\. item"),
        ("0.1.0", "0.1.0"),
        ("$x$", r"\$x\$"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_escape_keeps_values_literal(text, escaped):
    """Check that Markdown and HTML syntax in values shows as typed."""
    assert markdown_escape(text) == escaped


def _markdown_to_html(markdown: str) -> str:
    """Render as GitHub does: CommonMark with tables, raw HTML allowed through."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable(
        ["table", "strikethrough"]
    )
    return renderer.render(markdown)


def _assert_tables_keep_their_shape(html: str) -> None:
    tree = _parse_html(html)
    for table in tree.iter("table"):
        widths = {
            len(list(row.iter("td")) + list(row.iter("th"))) for row in table.iter("tr")
        }
        assert len(widths) == 1


@pytest.mark.parametrize("name", NAMES)
def test_markdown_renders_to_clean_tables(name):
    """Check that the Markdown renders to tables whose rows match their headers."""
    results = _results(name)
    html = _markdown_to_html(render(results, "markdown"))
    tree = _parse_html(html)

    tables = list(tree.iter("table"))
    headers = [next(t.iter("th")).text() for t in tables]

    _assert_tables_keep_their_shape(html)
    assert headers[:2] == ["Status", "Clones differ in"]
    assert headers[-1] == "Item"
    assert len(tables) == 3 + len(results["matrix"]["attributes"]) + bool(
        results["examples"]
    )
    assert next(tree.iter("h1")).text() == results["audit"]["title"]


# -- JUnit -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_junit_has_one_testcase_per_criterion(name):
    """Check the JUnit structure CI systems read: one suite, one case per criterion."""
    results = _results(name)
    root = ET.fromstring(render(results, "junit"))

    suites = root.findall("testsuite")
    cases = suites[0].findall("testcase")

    assert root.tag == "testsuites"
    assert len(suites) == 1
    assert suites[0].get("name") == results["audit"]["name"]
    assert [case.get("name") for case in cases] == [
        c["label"] for c in results["criteria"]
    ]
    assert int(suites[0].get("tests")) == len(results["criteria"])


def test_junit_failure_carries_figure_interval_and_threshold():
    """Check that a failed criterion's failure says what, by how much, how sure."""
    root = ET.fromstring(render(_results("loan"), "junit"))

    flip = root.find("testsuite/testcase[@name='flip_rate']")
    failure = flip.find("failure")

    assert failure.get("type") == "error"
    assert failure.get("message") == (
        f"Flip rate, gender: 99.8% (95% interval 99.27%{DASH}99.95%); "
        "required at most 1%"
    )
    assert (
        "Exact: value 0.998, interval [0.992737192137, 0.999451356412], max 0.01"
        in (failure.text)
    )
    assert root.find("testsuite").get("failures") == "2"


def test_junit_marks_inconclusive_criteria_as_skipped():
    """Check that an inconclusive criterion is listed apart from passes and failures."""
    root = ET.fromstring(render(_results("intersectional"), "junit"))

    suite = root.find("testsuite")
    inconclusive = suite.find("testcase[@name='flip_rate']")
    passed = suite.find("testcase[@name='flip_rate[gender]']")

    assert inconclusive.find("skipped").get("message").startswith("Inconclusive: ")
    assert inconclusive.find("failure") is None
    assert passed.find("skipped") is None and passed.find("failure") is None
    assert (suite.get("skipped"), suite.get("failures")) == ("1", "0")
    assert (
        suite.find("properties/property[@name='verdict']").get("value")
        == "inconclusive"
    )


# -- safety ------------------------------------------------------------------


def test_hostile_values_are_escaped_in_html():
    """Check that script tags from users, data or Mimesis stay text in HTML."""
    html = render(_hostile(_results("loan")), "html")
    tree = _parse_html(html)

    assert "<script" not in html.lower()
    assert PAYLOAD in tree.text()
    assert "\x00" not in html


def test_hostile_values_are_escaped_in_markdown():
    """Check that pipes, backticks, newlines and tags cannot break the Markdown."""
    markdown = render(_hostile(_results("loan")), "markdown")
    html = _markdown_to_html(markdown)
    tree = _parse_html(html)

    assert "<script" not in html.lower()
    assert list(tree.iter("h1"))[1:] == []
    assert PAYLOAD in tree.text()
    _assert_tables_keep_their_shape(html)
    examples = next(
        t for t in tree.iter("table") if next(t.iter("th")).text() == "Profile"
    )
    assert PAYLOAD in next(examples.iter("tbody")).text()


def test_hostile_values_are_escaped_in_junit():
    """Check that the JUnit stays valid XML and carries the values verbatim."""
    xml = render(_hostile(_results("intersectional")), "junit")
    root = ET.fromstring(xml)

    assert "<script" not in xml.lower()
    assert "]]>" not in xml
    assert root.find("testsuite/properties/property[@name='verdict']") is not None


def test_hostile_attribute_names_reach_junit_intact():
    """Check that markup in a label survives and XML-illegal characters are dropped."""
    results = _results("loan")
    results["criteria"][0]["label"] = f"{PAYLOAD}\x07\x00"

    root = ET.fromstring(render(results, "junit"))

    assert root.find("testsuite/testcase").get("name") == PAYLOAD


# -- custom templates and their errors ----------------------------------------


def test_custom_template_replaces_the_built_in(tmp_path):
    """Check that an organisation's template folder comes first."""
    (tmp_path / "report.md.j2").write_text(
        "{{ report.verdict.word }}: {{ report.title }}\n", encoding="utf-8"
    )

    markdown = render(_results("loan"), "markdown", templates=tmp_path)

    assert markdown == "FAIL: Loan approval, gender counterfactuals\n"


def test_custom_stylesheet_alone_restyles_the_built_in_html(tmp_path):
    """Check that the built-ins fill in whatever the custom folder leaves out."""
    (tmp_path / "report.css").write_text(
        "body { color: rebeccapurple; }", encoding="utf-8"
    )

    html = render(_results("loan"), "html", templates=tmp_path)

    assert "rebeccapurple" in html
    assert 'id="verdict"' in html


def test_custom_template_autoescapes_html(tmp_path):
    """Check that a custom HTML template escapes values too."""
    (tmp_path / "report.html.j2").write_text(
        "<p>{{ report.title }}</p>", encoding="utf-8"
    )
    results = _results("loan")
    results["audit"]["title"] = PAYLOAD

    html = render(results, "html", templates=tmp_path)

    assert html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; | ]]&gt; `tick` *star* [link](x)</p>"
    )


@pytest.mark.parametrize(
    ("template", "match"),
    [
        ("line one\n{% if %}\n", r"^.*report\.md\.j2:2: template syntax error: "),
        (
            "ok\nok\n{{ report.no_such_thing }}\n",
            r"^.*report\.md\.j2:3: undefined name in template: .*no_such_thing",
        ),
        ("{{ nothing_here }}\n", r"^.*report\.md\.j2:1: undefined name in template: "),
        (
            "{% include 'missing.j2' %}\n",
            r"^report\.md\.j2: template 'missing\.j2' not found",
        ),
        ("{{ 1 / 0 }}\n", r"^.*report\.md\.j2:1: template failed: ZeroDivisionError"),
    ],
)
def test_broken_custom_template_names_file_and_line(tmp_path, template, match):
    """Check that a broken template becomes a clean error, not a traceback."""
    (tmp_path / "report.md.j2").write_text(template, encoding="utf-8")

    with pytest.raises(ReportError, match=match) as caught:
        render(_results("loan"), "markdown", templates=tmp_path)

    assert isinstance(caught.value, AuditError)


def test_missing_templates_folder_is_a_clean_error(tmp_path):
    """Check that report.templates pointing nowhere says so."""
    with pytest.raises(ReportError, match=r"^.*nowhere: templates folder not found"):
        render(_results("loan"), "html", templates=tmp_path / "nowhere")


def test_unknown_format_suggests_the_closest(tmp_path):
    """Check that a mistyped format lists the valid ones."""
    with pytest.raises(
        ReportError,
        match=r"^unknown report format 'markdwon' \(did you mean 'markdown'",
    ):
        render(_results("loan"), "markdwon")  # type: ignore[arg-type]


def test_results_without_required_keys_are_a_clean_error():
    """Check that a dict that is not a results file is refused with a reason."""
    with pytest.raises(
        ReportError, match=r"^not an auditkit results file: missing metrics"
    ):
        render({"audit": {}, "verdict": "pass", "criteria": [], "model": {}}, "html")


def test_results_of_another_shape_are_a_clean_error():
    """Check that a nested key missing is reported, not raised as KeyError."""
    results = _results("loan")
    del results["metrics"]["joint"]

    with pytest.raises(ReportError, match=r"^results do not have the shape .*'joint'"):
        render(results, "markdown")


# -- load_results --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, r"^.*results\.json: results file not found"),
        ('{\n  "verdict": \n', r"^.*results\.json:3: not valid JSON: "),
        ("[1, 2]", r"^.*results\.json: expected a JSON object of results, found list"),
        (
            '{"verdict": "pass"}',
            r"^.*results\.json: not an auditkit results file: missing audit",
        ),
    ],
)
def test_load_results_refuses_bad_files_clearly(tmp_path, content, match):
    """Check that a missing or broken results.json gives a clear error."""
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(ReportError, match=match):
        load_results(path)


def test_load_results_reads_what_write_reports_wrote(tmp_path):
    """Check the round trip that lets `auditkit report` re-render a past run."""
    results = _results("loan")

    paths = write_report_files(results, tmp_path, formats=["json"])

    assert load_results(paths["json"]) == results


# -- write_report_files -------------------------------------------------------------


def test_write_reports_writes_all_four_files(tmp_path):
    """Check the default formats, file names and the exact results.json bytes."""
    results = _results("intersectional")

    paths = write_report_files(results, tmp_path / "reports" / "hiring")

    assert {name: path.name for name, path in paths.items()} == {
        "json": "results.json",
        "html": "report.html",
        "markdown": "report.md",
        "junit": "junit.xml",
    }
    assert paths["json"].read_text(encoding="utf-8") == (
        json.dumps(results, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )
    assert paths["markdown"].read_text(encoding="utf-8") == render(results, "markdown")
    assert sorted(p.name for p in paths["json"].parent.iterdir()) == sorted(
        p.name for p in paths.values()
    )


def test_write_reports_accepts_an_object_with_to_dict(tmp_path):
    """Check that an AuditResult-like object is rendered from its dict."""

    class Result:
        def to_dict(self):
            return _results("loan")

    paths = write_report_files(Result(), tmp_path, formats=["markdown"])

    assert list(paths) == ["markdown"]
    assert (
        paths["markdown"]
        .read_text(encoding="utf-8")
        .startswith("# Loan approval, gender counterfactuals\n")
    )


def test_write_reports_defaults_to_reports_and_the_audit_name(tmp_path, monkeypatch):
    """Check the folder used when none is given."""
    monkeypatch.chdir(tmp_path)

    paths = write_report_files(_results("loan"), formats=["junit"])

    assert paths["junit"].resolve() == (
        tmp_path / "reports" / "loan-approval-gender" / "junit.xml"
    )


def test_write_reports_twice_gives_identical_markdown_and_json(tmp_path):
    """Check that reruns are byte-identical."""
    first = write_report_files(_results("loan"), tmp_path / "a")
    second = write_report_files(_results("loan"), tmp_path / "b")

    for name in ("json", "markdown", "junit"):
        assert first[name].read_bytes() == second[name].read_bytes()


def test_broken_template_leaves_previous_reports_untouched(tmp_path):
    """Check that everything renders before anything is written."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "results.json").write_text("old", encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "junit.xml.j2").write_text("{{ missing }}", encoding="utf-8")

    with pytest.raises(ReportError, match=r"junit\.xml\.j2:1: undefined name"):
        write_report_files(_results("loan"), folder, templates=templates)

    assert [p.name for p in folder.iterdir()] == ["results.json"]
    assert (folder / "results.json").read_text(encoding="utf-8") == "old"


def test_write_reports_refuses_an_unknown_format_before_writing(tmp_path):
    """Check that a bad format name writes nothing."""
    with pytest.raises(ReportError, match=r"^unknown report format 'pdf'"):
        write_report_files(_results("loan"), tmp_path / "out", formats=["json", "pdf"])

    assert not (tmp_path / "out").exists()
