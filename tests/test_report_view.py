"""Tests of the report view model: numbers, sentences and caveats."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from auditkit.report import _format, build_view

FIXTURES = Path(__file__).parent / "fixtures"
DASH = "\u2013"


def _results(name: str) -> dict:
    return json.loads((FIXTURES / f"results_{name}.json").read_text(encoding="utf-8"))


# -- formatting --------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.998, "99.8%"),
        (0.9995, "99.95%"),
        (0.993, "99.3%"),
        (0.01, "1%"),
        (0.002, "0.2%"),
        (0.4237, "42.4%"),
        (0.0, "0%"),
        (1.0, "100%"),
        (0.00004, "<0.01%"),
        (0.99999, ">99.99%"),
        (None, "undefined"),
    ],
)
def test_percent_keeps_the_digits_that_matter(share, text):
    """Check that shares read as percentages with one decimal, two near the ends."""
    assert _format.percent(share) == text


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.97123, "0.971"),
        (0.002, "0.002"),
        (0.8, "0.8"),
        (1.0, "1"),
        (12345.6, "12,346"),
        (0.000123, "0.000123"),
        (0, "0"),
        (None, "undefined"),
    ],
)
def test_decimal_rounds_to_significant_digits_without_exponents(number, text):
    """Check that ratios and scores keep three significant digits."""
    assert _format.decimal(number) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1985, "1985"),
        (52000.0, "52000"),
        (0.123456789, "0.123457"),
        (True, "true"),
        (None, "null"),
        ("Mary", "Mary"),
    ],
)
def test_profile_values_keep_their_digits_and_get_no_separators(value, text):
    """Check that years and identifiers in examples do not grow commas."""
    assert _format.value_text(value) == text


def test_count_uses_thousands_separators():
    """Check that whole numbers read as 1,000 and 2,000,000."""
    assert (_format.count(1000), _format.count(2_000_000)) == ("1,000", "2,000,000")


# -- criteria ----------------------------------------------------------------


def test_failed_flip_rate_reads_as_a_plain_sentence():
    """Check that the loan audit's flip rate says what failed, by how much, how sure."""
    view = build_view(_results("loan"))

    flip = view.criteria[0]

    assert flip.sentence == (
        "Clones that differ only in gender got different decisions in 998 of "
        f"1,000 profiles (99.8%, 95% CI 99.27%{DASH}99.95%). Required: at most 1%. "
        "Not met: the whole 95% interval is above the maximum, by at least "
        "98.3 percentage points."
    )
    assert (flip.figure, flip.interval, flip.requirement) == (
        "99.8%",
        f"99.27%{DASH}99.95%",
        "at most 1%",
    )
    assert (flip.status_word, flip.tone) == ("Fail", "fail")


def test_failed_warning_criterion_says_it_never_fails_the_run():
    """Check that a failed warning is toned apart and says it is reported only."""
    view = build_view(_results("loan"))

    parity = view.criteria[1]

    assert parity.tone == "warning"
    assert parity.requirement == "at least 0.8 (the four-fifths rule)"
    assert "0.002 times the highest (Male 100%, Female 0.2%)" in parity.sentence
    assert parity.sentence.endswith("it is reported and never fails the run.")
    assert view.verdict.headline == (
        "The model failed 1 of 2 criteria. 1 warning was not met (reported only)."
    )


def test_figure_close_to_its_threshold_gets_the_digits_that_tell_them_apart():
    """Check that 1.004% against a limit of 1% does not print as 1%."""
    results = _results("loan")
    results["criteria"][0].update(value=0.01004, low=0.01001, high=0.01009)

    flip = build_view(results).criteria[0]

    assert flip.figure != "1%"
    assert flip.figure == "1.004%"
    assert flip.requirement == "at most 1%"


def test_inconclusive_criterion_leads_the_findings_and_the_limitations():
    """Check that an interval straddling its limit is said to be inconclusive."""
    view = build_view(_results("intersectional"))

    assert view.verdict.state == "inconclusive"
    assert [c.label for c in view.findings] == ["flip_rate"]
    assert "Inconclusive: the 95% interval straddles the requirement" in (
        view.findings[0].sentence
    )
    assert view.limitations.caveats[0].startswith(
        f"flip_rate: the 95% interval (1.7%{DASH}13.7%) straddles the requirement"
    )


def test_undefined_ratio_is_reported_as_undefined_not_capped():
    """Check that a ratio over zero selection shows as undefined everywhere."""
    view = build_view(_results("nobody_selected"))

    ratio = next(c for c in view.criteria if c.label.startswith("demographic_parity"))

    assert ratio.figure == "undefined"
    assert "no race group was selected" in ratio.sentence
    assert [a.parity_ratio for a in view.attributes] == ["undefined", "undefined"]
    assert any(
        c.startswith("The demographic parity ratio of gender is undefined")
        for c in view.limitations.caveats
    )
    assert view.attributes[1].chart.limits == []


def test_confidence_other_than_95_percent_names_its_level():
    """Check that a 90% run says 90% in sentences and headers."""
    view = build_view(_results("nobody_selected"))

    assert view.confidence == "90%"
    assert f"90% CI 0%{DASH}4.3%" in view.criteria[0].sentence


# -- attributes, examples, limitations ---------------------------------------


def test_attribute_order_does_not_depend_on_dict_order():
    """Check that reversed key order in memory gives the same view as sorted JSON."""
    results = _results("intersectional")
    reversed_results = copy.deepcopy(results)
    attributes = reversed_results["matrix"]["attributes"]
    reversed_results["matrix"]["attributes"] = dict(reversed(list(attributes.items())))

    assert [a.name for a in build_view(reversed_results).attributes] == [
        "gender",
        "race",
    ]
    assert build_view(reversed_results) == build_view(results)


def test_groups_follow_the_declared_value_order_with_the_reference_marked():
    """Check that groups appear as the audit declares them."""
    race = build_view(_results("intersectional")).attributes[1]

    assert [g.label for g in race.groups] == ["White", "Black", "Asian"]
    assert [g.is_reference for g in race.groups] == [True, False, False]
    assert race.groups[2].rate == "20%"
    assert race.groups[2].count == "120"


def test_example_columns_put_the_attribute_and_what_changed_with_it_first():
    """Check that the attribute, its code and linked fields lead each example."""
    examples = build_view(_results("loan")).examples

    assert examples.columns == [
        "gender",
        "Gender_Code",
        "first_name",
        "applicant_id",
        "income",
        "age",
    ]
    first = examples.items[0]
    assert [f.name for f in first.fields if f.is_changed] == [
        "gender",
        "Gender_Code",
        "first_name",
    ]
    assert [c.decision.text for c in first.clones] == ["selected", "not selected"]
    assert first.fields[4].cells[0].text == first.fields[4].cells[1].text


def test_intersectional_example_has_one_clone_per_combination():
    """Check that a gender x race profile shows six clones with their headings."""
    example = build_view(_results("intersectional")).examples.items[0]

    assert len(example.clones) == 6
    assert example.clones[0].heading == "gender = Female, race = White"
    assert example.flipped == "race"


def test_small_population_is_flagged_as_imprecise():
    """Check that wide group intervals become a limitation of the run."""
    results = _results("intersectional")
    results["warnings"] = []

    caveats = build_view(results).limitations.caveats

    assert any(
        c.startswith("The selection rates of race rest on as few as 120 clones")
        for c in caveats
    )


def test_large_population_has_no_precision_caveats():
    """Check that narrow intervals add no caveat."""
    caveats = build_view(_results("loan")).limitations.caveats

    assert caveats == []


def test_model_without_scores_has_no_score_gaps_and_says_so():
    """Check that a model without scores skips the score gap section."""
    view = build_view(_results("nobody_selected"))

    assert view.score_gaps is None
    assert "The model gives no scores, so score gaps were not measured." in (
        view.limitations.caveats
    )


def test_provenance_lists_hashes_versions_commit_and_seed():
    """Check that provenance carries what reproduces the run."""
    rows = {row.label: row.value for row in build_view(_results("loan")).provenance}

    assert rows["Audit SHA-256"].startswith("9b1d4c0e")
    assert rows["Git commit"] == "3f2c9a1d5b7e8f60a4c2d1e0b9a8c7d6e5f4a3b2"
    assert rows["Seed"] == "42"
    assert rows["Libraries"] == (
        "mimesis 18.0.0, numpy 2.2.1, pandas 3.0.0, scikit-learn 1.6.1"
    )


def test_provenance_outside_git_says_so():
    """Check that results without git say the audit was not in a repository."""
    rows = {r.label: r.value for r in build_view(_results("intersectional")).provenance}

    assert rows["Git commit"] == "not in a git repository"


def test_pass_without_warnings_says_every_criterion_was_met():
    """Check the verdict headline of a clean pass."""
    results = _results("intersectional")
    results["verdict"] = "pass"
    results["criteria"][0].update(status="pass", passed=True, high=0.09)

    verdict = build_view(results).verdict

    assert (verdict.word, verdict.headline) == ("PASS", "The model met all 4 criteria.")


def test_verdict_evidence_names_a_flipped_pair_and_what_differed():
    """Check the one-line proof under the verdict: the first flipped profile."""
    evidence = build_view(_results("loan")).examples.evidence

    assert evidence == (
        "Profile 0, for example, was selected as gender = Male but not selected "
        "as gender = Female; its clones differed only in gender, Gender_Code "
        "and first_name."
    )


def test_verdict_evidence_groups_many_clones():
    """Check that six clones are summarised rather than listed one by one."""
    evidence = build_view(_results("intersectional")).examples.evidence

    assert evidence.endswith(
        "but not selected as the 4 other clones; its clones differed only in "
        "gender and race."
    )


def test_zero_parity_ratio_reads_as_zero_not_as_a_multiple():
    """Check that a group never selected is said plainly."""
    results = _results("loan")
    results["criteria"][1]["value"] = 0.0
    results["metrics"]["gender"]["demographic_parity_ratio"] = 0.0

    view = build_view(results)

    assert view.criteria[1].measure == (
        "The lowest selection rate across gender groups is zero "
        "(Male 100%, Female 0.2%), so their ratio is 0."
    )
    assert view.attributes[0].summary.endswith(
        "the lowest is zero, so their ratio is 0."
    )


def test_point_bound_failure_measures_the_estimate_not_the_interval():
    """Check that bound: point says by how much the estimate misses."""
    results = _results("loan")
    results["criteria"][0].update(value=0.02, low=0.005, high=0.04, bound="point")

    flip = build_view(results).criteria[0]

    assert flip.judgement == (
        "Not met: the estimate is above the maximum, by 1 percentage point."
    )
