"""Tests of the population stage: block-keyed determinism, fields, records, checks."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from auditkit import population
from auditkit.errors import DataError, SpecError
from auditkit.population import (
    _blocks,
    check_fields,
    generate,
    generate_field,
    load_records,
    population_size,
)
from auditkit.spec import PopulationSpec

EVERY_KIND = """
size: 700
fields:
  applicant_id: {provider: cryptographic.uuid, input: false}
  first_name: {provider: person.first_name, args: {gender: female}}
  city: {provider: address.city}
  income: {provider: numeric.integer_number, args: {start: 40000, end: 70000}}
  born: {provider: person.birthdate, args: {min_year: 1950, max_year: 2000}}
  full_name: {provider: person.full_name}
  age: {distribution: integers, args: {low: 18, high: 75}}
  credit_score: {distribution: normal, args: {loc: 680, scale: 60}, clip: [300, 850]}
  debt: {distribution: lognormal, args: {mean: 9, sigma: 1}, round: 0}
  employment: {choice: [employed, self-employed, unemployed], weights: [7, 2, 1]}
  tier: {choice: [1, 2, 3]}
  country: {value: NZ}
  debt_ratio: {expression: "debt / income"}
"""


def _spec(text: str) -> PopulationSpec:
    return PopulationSpec.model_validate(yaml.safe_load(text))


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 64 profiles, so a few hundred profiles span many blocks."""
    monkeypatch.setattr(_blocks, "BLOCK_SIZE", 64)
    _blocks._CACHE.clear()
    yield 64
    _blocks._CACHE.clear()


def _chunked(spec, cuts, *, seed=7, base_dir=Path("."), records=None):
    bounds = list(itertools.pairwise(cuts))
    return pd.concat(
        [
            generate(
                spec, seed=seed, start=a, stop=b, base_dir=base_dir, records=records
            )
            for a, b in bounds
        ]
    )


# -- determinism -------------------------------------------------------------


@pytest.mark.parametrize(
    "cuts",
    [
        [0, 1, 63, 64, 65, 200, 333, 334, 700],
        [0, 350, 700],
        [0, 129, 130, 699, 700],
    ],
)
def test_any_chunking_gives_every_profile_the_same_values(small_blocks, cuts):
    """Check that chunks of any size concatenate to the single-chunk frame."""
    spec = _spec(EVERY_KIND)
    whole = generate(spec, seed=7, start=0, stop=700, base_dir=Path("."))
    _blocks._CACHE.clear()

    pd.testing.assert_frame_equal(_chunked(spec, cuts), whole)


def test_chunks_out_of_order_match_chunks_in_order(small_blocks):
    """Check that a chunk drawn first, with no cached blocks, has the same values."""
    spec = _spec(EVERY_KIND)
    late = generate(spec, seed=7, start=500, stop=560, base_dir=Path("."))
    _blocks._CACHE.clear()
    whole = generate(spec, seed=7, start=0, stop=700, base_dir=Path("."))

    pd.testing.assert_frame_equal(late, whole.iloc[500:560])


def test_generated_frame_has_profile_index_and_declared_column_order():
    """Check the index is the profile range and fields keep declaration order."""
    spec = _spec(EVERY_KIND)

    frame = generate(spec, seed=1, start=10, stop=30, base_dir=Path("."))

    assert frame.index.equals(pd.RangeIndex(10, 30))
    assert list(frame.columns) == list(spec.fields)


def test_seed_and_key_change_the_draws_and_nothing_else_does():
    """Check that values depend on seed and key, and repeat for equal ones."""
    field = _spec(EVERY_KIND).fields["credit_score"]

    def draw(**kw):
        options = {"key": "a", "seed": 1, "start": 0, "stop": 50, "locale": "en"}
        return generate_field(field, **{**options, **kw})

    np.testing.assert_array_equal(draw(), draw())
    assert not np.array_equal(draw(), draw(seed=2))
    assert not np.array_equal(draw(), draw(key="b"))


def test_per_row_provider_is_keyed_by_block(small_blocks):
    """Check the per-row Mimesis fallback gives chunk-independent values."""
    spec = _spec("size: 200\nfields:\n  name: {provider: person.full_name}")
    whole = generate(spec, seed=3, start=0, stop=200, base_dir=Path("."))["name"]
    _blocks._CACHE.clear()
    late = generate(spec, seed=3, start=150, stop=200, base_dir=Path("."))["name"]

    assert list(late) == list(whole.iloc[150:])
    assert whole.nunique() > 150


# -- providers ---------------------------------------------------------------


def _mimesis_values(provider, method, count, **args):
    from mimesis import Generic

    bound = getattr(getattr(Generic(seed=11), provider), method)
    return [bound(**args) for _ in range(count)]


def _provider_column(provider: str, size: int, args: str = "{}") -> pd.Series:
    spec = _spec(f"size: {size}\nfields:\n  x: {{provider: {provider}, args: {args}}}")
    return generate(spec, seed=5, start=0, stop=size, base_dir=Path("."))["x"]


@pytest.mark.parametrize(
    ("provider", "args", "mimesis_args"),
    [
        ("person.first_name", "{gender: female}", {"gender": "female"}),
        ("address.city", "{}", {}),
        ("food.fruit", "{}", {}),
    ],
)
def test_vectorised_list_provider_draws_mimesis_values_uniformly(
    provider, args, mimesis_args
):
    """Check a list draw takes Mimesis' values, each as often as the others."""
    from mimesis.enums import Gender

    kwargs = {k: Gender(v) for k, v in mimesis_args.items()}
    column = _provider_column(provider, 100_000, args)
    reference = _mimesis_values(*provider.split("."), 20_000, **kwargs)

    assert isinstance(column.dtype, pd.CategoricalDtype)
    assert set(reference) <= set(column.cat.categories)
    assert column.nunique() == len(column.cat.categories)
    counts = column.value_counts().reindex(column.cat.categories, fill_value=0)
    assert stats.chisquare(counts).pvalue > 1e-4


def test_first_name_without_gender_mixes_both_lists_half_and_half():
    """Check an unset gender picks each gender's list with probability 1/2."""
    from mimesis import Person
    from mimesis.enums import Gender

    person = Person()
    male = set(person._extract(["names", Gender.MALE.value]))
    female = set(person._extract(["names", Gender.FEMALE.value]))
    male_only = male - female

    column = _provider_column("person.first_name", 60_000)
    reference = _mimesis_values("person", "first_name", 20_000)

    share = column.isin(male_only).mean()
    reference_share = np.isin(reference, list(male_only)).mean()
    assert share == pytest.approx(reference_share, abs=0.02)
    assert share == pytest.approx(0.5 * len(male_only) / len(male), abs=0.01)


def test_integer_provider_matches_mimesis_range_and_frequencies():
    """Check numeric.integer_number draws every integer of the closed range evenly."""
    column = _provider_column("numeric.integer_number", 60_000, "{start: 1, end: 6}")
    reference = _mimesis_values("numeric", "integer_number", 3_000, start=1, end=6)

    assert column.dtype == np.int64
    assert set(column) == set(reference) == {1, 2, 3, 4, 5, 6}
    assert stats.chisquare(column.value_counts().sort_index()).pvalue > 1e-4


def test_street_number_matches_mimesis_text_numbers():
    """Check address.street_number draws the text of 1..maximum evenly."""
    column = _provider_column("address.street_number", 40_000, "{maximum: 8}")
    reference = _mimesis_values("address", "street_number", 2_000, maximum=8)

    assert set(column) == set(reference) == {str(n) for n in range(1, 9)}
    assert stats.chisquare(column.value_counts()).pvalue > 1e-4


def test_float_provider_stays_in_range_with_its_precision():
    """Check numeric.float_number keeps start, end and precision."""
    column = _provider_column(
        "numeric.float_number", 10_000, "{start: 2.5, end: 3.5, precision: 2}"
    )

    assert column.between(2.5, 3.5).all()
    np.testing.assert_array_equal(column, column.round(2))
    assert column.std() == pytest.approx(1 / 12**0.5, rel=0.05)


def test_uuid_provider_gives_distinct_version_4_strings():
    """Check cryptographic.uuid gives uuid4 text like Mimesis does."""
    pattern = re.compile(
        r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    )
    column = _provider_column("cryptographic.uuid", 20_000)

    assert all(pattern.match(value) for value in column)
    assert all(pattern.match(v) for v in _mimesis_values("cryptographic", "uuid", 50))
    assert column.nunique() == len(column)


def test_birthdate_matches_mimesis_day_of_month_frequencies():
    """Check person.birthdate draws year, month, then a day of that month."""
    column = pd.to_datetime(
        _provider_column("person.birthdate", 60_000, "{min_year: 1990, max_year: 1999}")
    )
    reference = pd.to_datetime(
        pd.Series(
            _mimesis_values("person", "birthdate", 20_000, min_year=1990, max_year=1999)
        )
    )

    assert column.dt.year.between(1990, 1999).all()
    for day in (1, 29, 31):
        share = (column.dt.day == day).mean()
        assert share == pytest.approx((reference.dt.day == day).mean(), abs=0.004)
    assert (column.dt.day == 31).mean() == pytest.approx(7 / 12 / 31, abs=0.002)


@pytest.mark.parametrize("gender", ["female", "FEMALE", "Female"])
def test_enum_argument_given_as_text_is_coerced(gender):
    """Check gender text in any case selects Mimesis' female names."""
    from mimesis import Person

    female = set(Person()._extract(["names", "female"]))

    column = _provider_column("person.first_name", 500, f"{{gender: {gender}}}")

    assert set(column) <= female


def test_provider_with_bad_args_raises_spec_error_when_generated():
    """Check generation refuses a provider field that validation would refuse."""
    spec = _spec("size: 5\nfields:\n  x: {provider: person.frist_name}")

    with pytest.raises(SpecError, match=r"^<audit>: x\.provider: unknown method "):
        generate(spec, seed=0, start=0, stop=5, base_dir=Path("."))


# -- choice, distribution, value, expression ---------------------------------


def test_choice_weights_set_the_frequencies():
    """Check weights 7:2:1 give frequencies close to 0.7, 0.2 and 0.1."""
    spec = _spec(EVERY_KIND)

    column = generate(spec, seed=2, start=0, stop=50_000, base_dir=Path("."))[
        "employment"
    ]

    shares = column.value_counts(normalize=True)
    assert shares["employed"] == pytest.approx(0.7, abs=0.01)
    assert shares["self-employed"] == pytest.approx(0.2, abs=0.01)
    assert shares["unemployed"] == pytest.approx(0.1, abs=0.01)


def test_numeric_choice_keeps_a_numeric_dtype():
    """Check a choice of integers is an int64 column of those integers."""
    frame = generate(_spec(EVERY_KIND), seed=2, start=0, stop=300, base_dir=Path("."))

    assert frame["tier"].dtype == np.int64
    assert set(frame["tier"]) == {1, 2, 3}


def test_clip_bounds_and_round_zero_gives_whole_numbers():
    """Check clip bounds a distribution and round: 0 makes int64 values."""
    spec = _spec(
        "size: 5000\nfields:\n"
        "  score: {distribution: normal, args: {loc: 0, scale: 10}, clip: [-1, 2]}\n"
        "  debt: {distribution: normal, args: {loc: 0, scale: 10}, round: 0}\n"
        "  ratio: {distribution: uniform, round: 2}"
    )

    frame = generate(spec, seed=0, start=0, stop=5000, base_dir=Path("."))

    assert frame["score"].min() == -1 and frame["score"].max() == 2
    assert frame["debt"].dtype == np.int64
    np.testing.assert_array_equal(frame["ratio"], frame["ratio"].round(2))


def test_value_field_is_the_same_constant_everywhere():
    """Check a value field repeats its constant for every profile."""
    frame = generate(_spec(EVERY_KIND), seed=0, start=0, stop=40, base_dir=Path("."))

    assert (frame["country"] == "NZ").all()


def test_expressions_run_after_the_fields_they_use_whatever_the_order():
    """Check an expression may use a later expression and record columns."""
    spec = _spec(
        "size: 20\nfields:\n"
        "  share: {expression: 'total / 2'}\n"
        "  total: {expression: 'base + 1'}\n"
        "  base: {distribution: integers, args: {low: 0, high: 10}}\n"
        "  is_high: {expression: 'base > 5 and share > 3'}"
    )

    frame = generate(spec, seed=4, start=0, stop=20, base_dir=Path("."))

    assert list(frame.columns) == ["share", "total", "base", "is_high"]
    np.testing.assert_array_equal(frame["share"], (frame["base"] + 1) / 2)
    np.testing.assert_array_equal(
        frame["is_high"], (frame["base"] > 5) & (frame["share"] > 3)
    )


def test_expression_with_attribute_access_is_refused_before_evaluation():
    """Check generation refuses code smuggled into an expression."""
    spec = _spec("size: 3\nfields:\n  a: {value: 1}\n  b: {expression: 'a.__class__'}")

    with pytest.raises(SpecError) as raised:
        generate(spec, seed=0, start=0, stop=3, base_dir=Path("."))
    assert str(raised.value.problems[0].message) == (
        "attribute is not allowed in an expression"
    )


# -- records -----------------------------------------------------------------

RECORDS = pd.DataFrame(
    {
        "applicant": [f"r{i}" for i in range(40)],
        "income": np.arange(40) * 1000 + 30_000,
        "debt": np.arange(40) * 10 + 5,
    }
)


def _write_records(folder: Path, suffix: str) -> str:
    path = folder / f"records{suffix}"
    if suffix == ".csv":
        RECORDS.to_csv(path, index=False)
    elif suffix == ".parquet":
        RECORDS.to_parquet(path)
    else:
        RECORDS.to_json(path, orient="records", lines=True)
    return path.name


def _records_spec(name: str, sample: int | None = 12) -> PopulationSpec:
    text = f"data: {name}\n" + (f"sample: {sample}\n" if sample else "")
    text += "fields:\n  ratio: {expression: 'debt / income'}\n"
    text += "  score: {distribution: normal}\n"
    return _spec(text)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_sampled_records_are_the_same_rows_in_every_format(tmp_path, suffix):
    """Check a seeded sample picks the same rows, in file order, from any format."""
    spec = _records_spec(_write_records(tmp_path, suffix))

    records = load_records(spec, base_dir=tmp_path, seed=9)

    expected = RECORDS.iloc[
        np.sort(
            np.random.default_rng([9, _blocks.stable_hash("records:sample")]).choice(
                40, 12, replace=False
            )
        )
    ]
    assert list(records["applicant"]) == list(expected["applicant"])
    assert records["income"].is_monotonic_increasing
    assert population_size(spec, base_dir=tmp_path, seed=9) == 12


def test_records_with_sample_are_chunk_independent(tmp_path, small_blocks):
    """Check records and their extra fields do not depend on the chunking."""
    spec = _records_spec(_write_records(tmp_path, ".csv"), sample=30)
    whole = generate(spec, seed=1, start=0, stop=30, base_dir=tmp_path)
    _blocks._CACHE.clear()

    chunks = _chunked(spec, [0, 4, 17, 30], seed=1, base_dir=tmp_path)

    pd.testing.assert_frame_equal(chunks, whole)
    assert list(whole.columns) == ["applicant", "income", "debt", "ratio", "score"]
    np.testing.assert_allclose(whole["ratio"], whole["debt"] / whole["income"])


def test_records_without_sample_keep_every_row(tmp_path):
    """Check all rows are the population when `sample` is absent."""
    spec = _records_spec(_write_records(tmp_path, ".jsonl"), sample=None)

    frame = generate(spec, seed=0, start=0, stop=40, base_dir=tmp_path)

    assert population_size(spec, base_dir=tmp_path, seed=0) == 40
    assert list(frame["applicant"]) == list(RECORDS["applicant"])


def test_changed_records_file_is_read_again(tmp_path):
    """Check the cache notices a rewritten file."""
    spec = _records_spec(_write_records(tmp_path, ".csv"), sample=None)
    assert len(load_records(spec, base_dir=tmp_path, seed=0)) == 40

    RECORDS.head(5).to_csv(tmp_path / "records.csv", index=False)
    import os

    os.utime(tmp_path / "records.csv", ns=(1, 10**18))

    assert len(load_records(spec, base_dir=tmp_path, seed=0)) == 5


def test_synthetic_population_has_no_records_and_its_size():
    """Check a synthetic spec loads no records and reports `size`."""
    spec = _spec(EVERY_KIND)

    assert load_records(spec, base_dir=Path("."), seed=0) is None
    assert population_size(spec, base_dir=Path("."), seed=0) == 700


@pytest.mark.parametrize(
    ("write", "data", "sample", "match"),
    [
        (
            None,
            "missing.csv",
            None,
            r"^missing\.csv: records file not found: .*missing\.csv "
            r"\(fix `population.data`; relative paths start at the audit's folder\)$",
        ),
        (
            "a,b\n1,2\n",
            "records.xlsx",
            None,
            r"^records\.xlsx: cannot read records from a "
            r"\.xlsx file \(save the records as \.csv, \.jsonl, .*\)$",
        ),
        (
            "a,b\n1,2\n",
            "records.csv",
            5,
            r"^records\.csv: sample \(5\) is larger than the "
            r"1 records \(set `sample` to at most 1, or remove it for all rows\)$",
        ),
        (
            "{not json\n",
            "records.jsonl",
            None,
            r"^records\.jsonl: cannot read jsonl "
            r"records: .* \(check that the file is valid jsonl\)$",
        ),
    ],
)
def test_bad_records_file_raises_data_error_naming_file_and_fix(
    tmp_path, write, data, sample, match
):
    """Check unreadable records say which file and how to fix it."""
    if write is not None:
        (tmp_path / data).write_text(write)
    spec = _spec(f"data: {data}\n" + (f"sample: {sample}\n" if sample else ""))

    with pytest.raises(DataError, match=match):
        load_records(spec, base_dir=tmp_path, seed=0)


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    """Check a missing pyarrow asks for the parquet extra."""
    spec = _records_spec(_write_records(tmp_path, ".parquet"))
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)

    with pytest.raises(DataError, match=r'pip install "auditkit\[parquet\]"\)$'):
        load_records(spec, base_dir=tmp_path, seed=123)


# -- check_fields ------------------------------------------------------------


def _fields(text: str):
    return _spec("size: 1\nfields:\n" + text).fields


def test_valid_fields_have_no_problems():
    """Check the worked example's fields pass every check."""
    assert check_fields(_spec(EVERY_KIND).fields, locale="en") == []


@pytest.mark.parametrize(
    ("text", "path", "message", "hint"),
    [
        (
            "  name: {provider: person.frist_name}",
            ("name", "provider"),
            r"^unknown method 'person\.frist_name'$",
            r"^did you mean 'person\.first_name'\? valid: ",
        ),
        (
            "  name: {provider: persn.name}",
            ("name", "provider"),
            r"^unknown Mimesis provider 'persn' in 'persn\.name'$",
            r"^did you mean 'person'\? valid: address, ",
        ),
        (
            "  income: {provider: numeric.integer_number, args: {strat: 1}}",
            ("income", "args", "strat"),
            r"^numeric\.integer_number has no argument 'strat'$",
            r"^did you mean 'start'\? valid: end, start$",
        ),
        (
            "  name: {provider: person.first_name, args: {gender: femal}}",
            ("name", "args", "gender"),
            r"^'femal' is not a Gender for 'gender'$",
            r"^did you mean 'female'\? valid: female, male$",
        ),
        (
            "  born: {provider: person.birthdate, args: {min_year: 1800}}",
            ("born", "args"),
            r"^person\.birthdate rejected its args: min_year must be greater than",
            r"^`auditkit providers person\.birthdate` shows its signature$",
        ),
        (
            "  pick: {provider: choice.choice}",
            ("pick", "args"),
            r"^choice\.choice rejected its args: .*missing 1 required positional "
            r"argument: 'items'$",
            r"^`auditkit providers choice\.choice` shows its signature$",
        ),
        (
            "  when: {provider: datetime.future_datetime}",
            ("when", "provider"),
            r"^datetime\.future_datetime gives other values on every run \(it reads "
            r"the clock or an unseeded source\), so the audit could not be repeated$",
            r"^pick a seeded method, e\.g\. datetime\.datetime with start and end$",
        ),
        (
            "  score: {distribution: normall}",
            ("score", "distribution"),
            r"^unknown distribution 'normall'$",
            r"^did you mean 'normal'\? valid: ",
        ),
        (
            "  score: {distribution: normal, args: {size: 3}}",
            ("score", "args", "size"),
            r"^`size` is set by the population size$",
            r"^remove `size` from args$",
        ),
        (
            "  score: {distribution: normal, args: {locc: 3}}",
            ("score", "args", "locc"),
            r"^normal has no argument 'locc'$",
            r"^did you mean 'loc'\? valid: loc, scale$",
        ),
        (
            "  age: {distribution: integers}",
            ("age", "args"),
            r"^integers needs low$",
            r"^add low: \.\.\. under args$",
        ),
        (
            "  score: {distribution: normal, args: {scale: -1}}",
            ("score", "args"),
            r"^numpy rejected the args of normal: scale < 0$",
            r"^see numpy\.random\.Generator\.normal$",
        ),
        (
            "  score: {distribution: normal, clip: [5, 1]}",
            ("score", "clip"),
            r"^clip low \(5\) is above high \(1\)$",
            r"^give \[low, high\] with low <= high$",
        ),
        (
            "  a: {value: 1}\n  b: {expression: 'a + c'}",
            ("b", "expression"),
            r"^expression uses unknown name 'c'$",
            r"^valid: a$",
        ),
        (
            "  a: {expression: 'b + 1'}\n  b: {expression: 'a * 2'}",
            ("a", "expression"),
            r"^expressions form a cycle: a -> b -> a$",
            None,
        ),
        (
            "  a: {value: 1}\n  b: {expression: \"__import__('os')\"}",
            ("b", "expression"),
            r"^only the numeric functions may be called$",
            None,
        ),
        (
            "  a: {value: 1}\n  b: {expression: 'a +'}",
            ("b", "expression"),
            r"^cannot parse expression: ",
            None,
        ),
    ],
)
def test_bad_field_is_reported_with_path_message_and_hint(text, path, message, hint):
    """Check each bad declaration yields one problem saying where, what and how."""
    problems = check_fields(_fields(text), locale="en")

    assert len(problems) == 1
    assert problems[0].path == path
    assert re.search(message, problems[0].message)
    if hint is None:
        assert problems[0].hint is None
    else:
        assert re.search(hint, problems[0].hint)


def test_unknown_locale_is_reported_on_the_first_provider_field():
    """Check a bad locale is reported once, with the closest locales."""
    problems = check_fields(_fields("  x: {provider: person.name}"), locale="en-uk")

    assert [p.path for p in problems] == [("x", "provider")]
    assert re.match(r"^unknown Mimesis locale 'en-uk'", problems[0].message)
    assert re.match(
        r"^did you mean 'en-au'\?|^did you mean 'en-gb'\?", problems[0].hint
    )


def test_record_columns_are_known_to_expressions():
    """Check `columns` lets an expression read record columns."""
    fields = _fields("  ratio: {expression: 'debt / income'}")

    assert check_fields(fields, locale="en", columns=["debt", "income"]) == []
    assert len(check_fields(fields, locale="en")) == 2


# -- list_providers ----------------------------------------------------------


def test_list_providers_marks_list_draws_vectorised_and_composites_not():
    """Check vectorised is decided by detection: first_name yes, full_name no."""
    infos = {info.name: info for info in population.list_providers("person")}

    assert infos["person.first_name"].vectorised is True
    assert infos["person.full_name"].vectorised is False
    assert (
        infos["person.first_name"].signature == "(gender: Gender | None = None) -> str"
    )
    assert infos["person.first_name"].summary == "Generates a random first name."
    assert all(name.startswith("person.") for name in infos)


def test_list_providers_without_filter_lists_every_provider():
    """Check the unfiltered list spans Mimesis' providers."""
    names = {info.name.split(".")[0] for info in population.list_providers()}

    assert {"person", "address", "numeric", "cryptographic", "datetime"} <= names


@pytest.mark.parametrize(
    "expression",
    [
        "debt / income",
        "income - 2 * debt ** 2 // 7 % 5",
        "-debt + abs(income - 50)",
        "log1p(income) + sqrt(debt)",
        "(income > 40) & (debt < 5)",
        "income > 40 and debt < 5 or not debt > 2",
        "1 < debt <= 4",
        "status == 'a'",
        "status in ['a', 'c']",
        "status not in ('a',)",
        "3",
    ],
)
def test_expression_matches_pandas_eval(expression):
    """Check that expressions evaluate exactly as DataFrame.eval would."""
    from auditkit.population.expressions import evaluate

    frame = pd.DataFrame(
        {
            "income": [10.0, 45.0, 80.0, 60.0],
            "debt": [1, 3, 6, 4],
            "status": pd.Categorical(["a", "b", "c", "a"]),
        }
    )
    expected = frame.eval(expression, engine="python")
    if not isinstance(expected, pd.Series):
        expected = pd.Series([expected] * len(frame))
    result = evaluate(expression, frame)
    assert result.tolist() == pytest.approx(expected.tolist())
