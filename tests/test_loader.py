"""Tests of loading audit files: YAML, schema errors, positions and semantic checks."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from auditkit.errors import SpecError
from auditkit.loader import LoadedAudit, check_audit, load_audit, validate_audit

VALID = """\
auditkit: 1
name: loan
model: {type: python, target: models.loan:build}
population:
  size: 50
  fields: {income: {distribution: integers, args: {low: 1, high: 9}}}
protected:
  gender: {values: {Male: 1, Female: 0}}
criteria: [{metric: flip_rate, max: 0.05}]
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An audit folder holding the python model the audits name; also the cwd."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "loan.py").write_text("def build():\n    return None\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(folder: Path, text: str, name: str = "audit.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- loading a sound audit ---------------------------------------------------


def test_valid_audit_loads_with_text_digest_and_folder(folder: Path) -> None:
    """Check that a sound audit loads and keeps its text, digest and folder."""
    path = _write(folder, VALID)

    audit = check_audit(path)

    assert isinstance(audit, LoadedAudit)
    assert audit.spec.name == "loan"
    assert audit.path == path.resolve()
    assert audit.base_dir == folder.resolve()
    assert audit.text == VALID
    assert audit.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert validate_audit(audit) == []


def test_positions_record_key_line_and_column(folder: Path) -> None:
    """Check that every key, and every list item, is positioned where written."""
    path = _write(
        folder,
        """\
        auditkit: 1
        name: loan
        model:
          type: python
          target: models.loan:build
        population:
          size: 50
          fields:
            income: {distribution: integers, args: {low: 1, high: 9}}
        protected:
          gender:
            values: [a, b]
        criteria:
          - metric: flip_rate
            max: 0.05
        """,
    )

    positions = load_audit(path).positions

    assert positions[("model", "target")] == (5, 3)
    assert positions[("population", "fields", "income", "args", "high")] == (9, 53)
    assert positions[("protected", "gender", "values", 1)] == (12, 17)
    assert positions[("criteria", 0)] == (14, 5)
    assert positions[("criteria", 0, "max")] == (15, 5)


def test_relative_path_loads_from_current_folder(folder: Path) -> None:
    """Check that a relative path resolves against the current folder."""
    _write(folder, VALID)

    audit = load_audit("audit.yaml")

    assert audit.path == (folder / "audit.yaml").resolve()


def test_merge_keys_merge_and_written_keys_win(folder: Path) -> None:
    """Check that `<<: *anchor` merges a mapping and written keys override it."""
    path = _write(
        folder,
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          size: 50
          fields:
            income: &money {distribution: integers, args: {low: 1, high: 9}}
            debt: {<<: *money, round: 0, args: {low: 0, high: 3}}
        protected:
          gender: {values: [a, b]}
        """,
    )

    audit = load_audit(path)

    debt = audit.spec.population.fields["debt"]
    assert debt.distribution == "integers"
    assert debt.args == {"low": 0, "high": 3}
    assert debt.round == 0
    assert audit.positions[("population", "fields", "debt", "distribution")] == (7, 21)


# -- problems found while loading --------------------------------------------

LOAD_ERRORS = [
    pytest.param(
        """\
        auditkit: 1
        name: loan
        seeed: 3
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:3:1: seeed: unknown key 'seeed' \(did you mean 'seed'\? valid: ",
        id="typo-top-level-key",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          size: 5
          fields:
            job: {choise: [a, b]}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:7:5: population\.fields\.job: a field needs one of the keys "
        r"provider, choice, distribution, value, expression; found keys 'choise' "
        r"\(did you mean 'choice'\?",
        id="typo-field-kind",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          size: 5
          fields:
            job: {choice: [a, b], weigts: [1, 2]}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:7:27: population\.fields\.job\.weigts: unknown key 'weigts' "
        r"\(did you mean 'weights'\? valid: choice, input, weights\)$",
        id="typo-key-inside-field-kind",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        name: again
        """,
        r"^audit\.yaml:6:1: name: duplicate key 'name' at lines 2 and 6 \(keep one",
        id="duplicate-key",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model:
          type: pythn
          target: models.loan:build
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:4:3: model\.type: unknown model type 'pythn' "
        r"\(did you mean 'python'\? valid: python, sklearn, skops\)$",
        id="bad-model-type",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:3:1: model: missing required key 'type' "
        r"\(add `type:` with one of python, sklearn, skops\)$",
        id="missing-model-type",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: sklearn, trust: true}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:3:1: model: missing required key 'path' ",
        id="missing-key-inside-tagged-model",
    ),
    pytest.param(
        """\
        auditkit: 1
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:1:1: missing required key 'name' \(Slug ",
        id="missing-top-level-key",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          size: ten
          fields: {a: {value: 1}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:5:3: population\.size: expected a whole number, "
        r"found 'ten' \(a string\)$",
        id="wrong-type-number",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        report:
          formats: html
        """,
        r"^audit\.yaml:7:3: report\.formats: expected a list, found 'html' "
        r"\(a string\) \(write a list, e\.g\. \[html\]\)$",
        id="wrong-type-list",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected:
          gender: {values: [0, 1], reference: 0}
        """,
        r"^audit\.yaml:6:28: protected\.gender\.reference: expected a string, "
        r"found 0 \(a whole number\) \(quote it to make it a string: \"0\"\)$",
        id="wrong-type-unquoted-label",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected:
          gender:
            values: {Male: [1], Female: 0}
        """,
        r"^audit\.yaml:7:14: protected\.gender\.values\.Male: expected a string, "
        r"a number or true/false, found \[1\] \(a list\)$",
        id="wrong-type-inside-union",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected:
          gender: {values: 3}
        """,
        r"^audit\.yaml:6:12: protected\.gender\.values: expected a list or a mapping, "
        r"found 3 \(a whole number\) \(write a list, e\.g\. \[3\]\)$",
        id="wrong-type-list-or-mapping",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        criteria:
          - metric: flip_rat
            max: 0.1
        """,
        r"^audit\.yaml:7:5: criteria\[0\]\.metric: unknown metric 'flip_rat' "
        r"\(did you mean 'flip_rate'\?",
        id="unknown-metric",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        criteria:
          - metric: flip_rate
        """,
        r"^audit\.yaml:7:5: criteria\[0\]: give `min`, `max` or both$",
        id="criterion-without-bound",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: Loan Audit
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:2:1: name: 'Loan Audit' \(a string\) does not match the pattern",
        id="name-not-a-slug",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected:
          gender:
            values: {1: a, 0: b}
        """,
        r"^audit\.yaml:7:14: protected\.gender\.values\.1: key '1' is read as "
        r'a whole number, not a name \(quote it: "1"\)$',
        id="number-as-key",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          size: 5
          fields: {a: {value: 1}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:7:1: not valid YAML: while parsing a flow mapping "
        r"expected ',' or '}', but got '<scalar>' \(the construct started at line 6\)$",
        id="yaml-syntax-error",
    ),
    pytest.param(
        "auditkit: 1\nname: loan\nmodel:\n\ttype: python\n",
        r"^audit\.yaml:4:1: not valid YAML: .* \(indent with spaces; "
        r"YAML does not allow tabs\)$",
        id="yaml-tab-indent",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: !!python/object/apply:os.system ["echo unsafe"]
        """,
        r"^audit\.yaml:3:8: model: unsupported YAML tag "
        r"tag:yaml\.org,2002:python/object/apply:os\.system",
        id="unsafe-yaml-tag",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        base: &base [1, 2]
        model: {<<: *base, type: python, target: models.loan:build}
        """,
        r"^audit\.yaml:4:9: model: `<<` merges mappings only",
        id="merge-of-a-list-item",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: 2024-01-31
        model: {type: python, target: models.loan:build}
        population: {size: 5, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:2:1: name: expected a string, found 2024-01-31 \(a date\) "
        r'\(quote it to make it a string: "2024-01-31"\)$',
        id="date-for-a-string",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        title: 2024-13-45
        """,
        r"^audit\.yaml:3:8: title: cannot read '2024-13-45' as YAML timestamp: "
        r"month must be in 1\.\.12 \(quote it to keep it as text\)$",
        id="impossible-date",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        report:
          matrix: xlsx
        """,
        r"^audit\.yaml:4:3: report\.matrix: expected true/false or one of csv, "
        r"parquet, found 'xlsx' \(a string\) \(valid: csv, parquet\)$",
        id="neither-member-of-a-union",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        ? [a, b]
        : 1
        """,
        r"^audit\.yaml:3:3: a key must be a plain name ",
        id="list-as-key",
    ),
    pytest.param(
        "- auditkit: 1\n- name: loan\n",
        r"^audit\.yaml:1:1: the audit file must be a mapping of keys, found a list ",
        id="top-level-list",
    ),
    pytest.param(
        "auditkit: 1\n---\nname: loan\n",
        r"^audit\.yaml:2:1: not valid YAML: expected a single document",
        id="two-documents",
    ),
]


@pytest.mark.parametrize(("text", "match"), LOAD_ERRORS)
def test_load_reports_problem_with_position(
    folder: Path, text: str, match: str
) -> None:
    """Check that each bad file fails to load with a positioned, readable problem."""
    path = _write(folder, text)

    with pytest.raises(SpecError, match=f"(?m){match}"):
        load_audit(path)


def test_problem_renders_file_line_column_key_message_hint(folder: Path) -> None:
    """Check the exact text of one problem, as the command line prints it."""
    path = _write(folder, VALID.replace("type: python", "type: pythn"))

    with pytest.raises(SpecError) as caught:
        load_audit(path)

    assert [str(problem) for problem in caught.value.problems] == [
        "audit.yaml:3:9: model.type: unknown model type 'pythn' "
        "(did you mean 'python'? valid: python, sklearn, skops)"
    ]


def test_all_problems_are_reported_at_once_sorted_by_line(folder: Path) -> None:
    """Check that YAML and schema problems arrive together, in line order."""
    path = _write(
        folder,
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build, favorite: 1}
        population:
          size: 0
          fields: {a: {value: 1}}
        protected: {gender: {values: [a, b]}}
        seed: -2
        name: twice
        """,
    )

    with pytest.raises(SpecError) as caught:
        load_audit(path)

    problems = caught.value.problems
    assert [(problem.line, problem.key) for problem in problems] == [
        (3, "model.favorite"),
        (5, "population.size"),
        (8, "seed"),
        (9, "name"),
    ]
    assert all(problem.file == "audit.yaml" for problem in problems)


def test_unsafe_tag_never_runs_code(folder: Path) -> None:
    """Check that a python/object tag is refused before anything is constructed."""
    marker = folder / "ran"
    path = _write(
        folder,
        f"""\
        auditkit: 1
        name: !!python/object/apply:os.mkdir ["{marker}"]
        """,
    )

    with pytest.raises(SpecError, match=r"(?m)^audit\.yaml:2:7: name: unsupported"):
        load_audit(path)
    assert not marker.exists()


def test_self_referencing_merge_is_refused(folder: Path) -> None:
    """Check that a merge key pointing at its own mapping stops with a problem."""
    path = _write(
        folder,
        """\
        auditkit: 1
        name: loan
        model: &loop {type: python, target: models.loan:build, <<: *loop}
        """,
    )

    with pytest.raises(
        SpecError, match=r"(?m)^audit\.yaml:3:56: model: a merge refers"
    ):
        load_audit(path)


# -- problems with the file itself -------------------------------------------


def test_missing_file_names_resolved_path(folder: Path) -> None:
    """Check that a missing file is named, with the audits next to it."""
    _write(folder, VALID, "loan.yaml")

    with pytest.raises(SpecError) as caught:
        load_audit("lona.yaml")

    assert str(caught.value) == (
        f"lona.yaml: audit file not found: {folder.resolve() / 'lona.yaml'} "
        f"(audit files in {folder.resolve()}: loan.yaml)"
    )


FILE_ERRORS = [
    pytest.param(
        "models", r"^models: .*models is a folder, not an audit file", id="dir"
    ),
    pytest.param("empty.yaml", r"^empty\.yaml: the audit file is empty ", id="empty"),
    pytest.param(
        "notes.yaml", r"^notes\.yaml: the audit file is empty ", id="comments"
    ),
    pytest.param(
        "latin.yaml", r"^latin\.yaml:2: the audit file is not UTF-8", id="enc"
    ),
]


@pytest.mark.parametrize(("name", "match"), FILE_ERRORS)
def test_unusable_file_is_reported_with_fix(
    folder: Path, name: str, match: str
) -> None:
    """Check that folders, empty files and non-UTF-8 files fail with a clear fix."""
    (folder / "empty.yaml").write_text("")
    (folder / "notes.yaml").write_text("# nothing yet\n\n# still nothing\n")
    (folder / "latin.yaml").write_bytes(
        "auditkit: 1\nname: caf\xe9\n".encode("latin-1")
    )

    with pytest.raises(SpecError, match=match):
        load_audit(name)


# -- semantic checks ---------------------------------------------------------

CHECK_ERRORS = [
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          size: 50
          fields:
            first: {provider: person.frist_name}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:7:13: population\.fields\.first\.provider: "
        r".*'person\.first_name'",
        id="typo-provider",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected:
          gender:
            values: [male, female]
            linked:
              first:
                male: {provider: person.first_name}
                female: {provider: person.frist_name}
        """,
        r"^audit\.yaml:11:18: protected\.gender\.linked\.first\.female\.provider: "
        r".*'person\.first_name'",
        id="typo-linked-provider",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model:
          type: sklearn
          path: models/tree.pkl
        population: {size: 50, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:3:1: model\.trust: loading a pickled model runs any code "
        r"stored in the file \(set `trust: true` only for files you trust, or save "
        r"the model with skops and use `type: skops`\)$",
        id="untrusted-pickle",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model:
          type: skops
          path: models/tree.skops
        population: {size: 50, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:5:3: model\.path: model file not found: /.+/models/tree\.skops "
        r"\(paths are relative to the audit's folder ",
        id="missing-model-file",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.credit:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:3:23: model\.target: module 'models\.credit' not found: "
        r"looked for /.+/models/credit\.py and /.+/models/credit/__init__\.py",
        id="missing-target-module",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build, features: [a, b, a]}
        population: {size: 50, fields: {a: {value: 1}, b: {value: 2}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:3:67: model\.features\[2\]: feature 'a' is listed twice, "
        r"also as item \[0\]",
        id="duplicate-feature",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          data: data/applicants.csv
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:5:3: population\.data: records file not found: "
        r"/.+/data/applicants\.csv \(paths are relative to the audit's folder ",
        id="missing-data-file",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          data: models/loan.py
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:5:3: population\.data: unsupported records file: '\.py' "
        r"\(use one of \.csv, \.jsonl, \.ndjson, \.parquet, \.pq\)$",
        id="unsupported-data-file",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        criteria:
          - metric: flip_rate
            attribute: gendr
            max: 0.1
        """,
        r"^audit\.yaml:8:5: criteria\[0\]\.attribute: no protected attribute "
        r"'gendr' \(did you mean 'gender'\? valid: gender\)$",
        id="unknown-criterion-attribute",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected: {gender: {values: {Male: 1, Female: 0}}}
        criteria:
          - metric: selection_rate
            attribute: gender
            group: female
            min: 0.1
        """,
        r"^audit\.yaml:9:5: criteria\[0\]\.group: 'female' is not a value of "
        r"'gender' \(did you mean 'Female'\? valid: Female, Male\)$",
        id="unknown-criterion-group",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected: {gender: {values: {Female: 0, Male: 1}}}
        criteria:
          - {metric: selection_rate, attribute: gender, group: male, min: 0.1}
        """,
        r"^audit\.yaml:7:49: criteria\[0\]\.group: 'male' is not a value of "
        r"'gender' \(did you mean 'Male'\? valid: Female, Male\)$",
        id="criterion-group-in-other-case",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build, features: [incme]}
        population: {size: 50, fields: {income: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:3:61: model\.features\[0\]: feature 'incme' is not a column "
        r"the audit makes \(did you mean 'income'\? valid: gender, income\)$",
        id="feature-not-a-column",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build, features: [id]}
        population: {size: 50, fields: {id: {value: 1, input: false}}}
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:3:61: model\.features\[0\]: feature 'id' is a field with "
        r"`input: false` ",
        id="feature-kept-from-model",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population:
          data: models/empty.csv
        protected: {gender: {values: [a, b]}}
        """,
        r"^audit\.yaml:5:3: population\.data: cannot read csv records: ",
        id="unreadable-records",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected:
          gender:
            values: {Male: 1, Female: 0}
            reference: Mal
        """,
        r"^audit\.yaml:8:5: protected\.gender\.reference: reference 'Mal' is not "
        r"one of the values \(did you mean 'Male'\? valid: Female, Male\)$",
        id="reference-not-a-label",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected:
          gender:
            values: [male, female]
            linked:
              first:
                male: {value: Tom}
                femal: {value: Ann}
        """,
        r"^audit\.yaml:9:7: protected\.gender\.linked\.first: no spec for 'female' "
        r"\(a linked field needs one spec per value: male, female\)$",
        id="linked-label-missing",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected:
          gender:
            values: [male, female]
            linked:
              first:
                male: {value: Tom}
                femal: {value: Ann}
        """,
        r"^audit\.yaml:11:9: protected\.gender\.linked\.first\.femal: 'femal' is not "
        r"a value of 'gender' \(did you mean 'female'\?",
        id="linked-label-unknown",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected:
          joint: {values: [a, b]}
        """,
        r"^audit\.yaml:6:3: protected\.joint: 'joint' cannot name a protected "
        r"attribute \(the results use 'joint' ",
        id="attribute-named-joint",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected:
          gender: {values: [a, b]}
          sex: {values: [m, f], column: gender}
        """,
        r"^audit\.yaml:7:25: protected\.sex\.column: column 'gender' already carries "
        r"attribute 'gender' ",
        id="shared-column",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {gender: {value: 1}}}
        protected:
          gender: {values: [a, b]}
        """,
        r"^audit\.yaml:6:3: protected\.gender: column 'gender' is also a population "
        r"field \(every clone overwrites this column",
        id="column-is-a-field",
    ),
    pytest.param(
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build}
        population: {size: 50, fields: {a: {value: 1}}}
        protected: {gender: {values: [a, b]}}
        report: {templates: my-templates}
        """,
        r"^audit\.yaml:6:10: report\.templates: templates folder not found: "
        r"/.+/my-templates ",
        id="missing-templates",
    ),
]


@pytest.mark.parametrize(("text", "match"), CHECK_ERRORS)
def test_check_reports_semantic_problem(folder: Path, text: str, match: str) -> None:
    """Check that each audit that loads but does not hold together fails the check."""
    (folder / "models" / "empty.csv").write_text("")
    path = _write(folder, text)
    load_audit(path)

    with pytest.raises(SpecError, match=f"(?m){match}"):
        check_audit(path)


def test_existing_files_and_trusted_pickle_pass_the_check(folder: Path) -> None:
    """Check that files that exist, a trusted pickle and a templates folder pass."""
    (folder / "data").mkdir()
    (folder / "data" / "people.jsonl").write_text('{"a": 1}\n')
    (folder / "models" / "tree.pkl").write_bytes(b"not read by the check")
    (folder / "templates").mkdir()
    path = _write(
        folder,
        """\
        auditkit: 1
        name: loan
        model: {type: sklearn, path: models/tree.pkl, trust: true}
        population: {data: data/people.jsonl}
        protected: {gender: {values: [a, b]}}
        report: {templates: templates}
        """,
    )

    assert check_audit(path).spec.model.type == "sklearn"


def test_target_in_a_package_folder_passes_the_check(folder: Path) -> None:
    """Check that a target module that is a package (folder with __init__) passes."""
    (folder / "models" / "credit").mkdir()
    (folder / "models" / "credit" / "__init__.py").write_text("build = None\n")
    path = _write(folder, VALID.replace("models.loan:build", "models.credit:build"))

    assert validate_audit(load_audit(path)) == []


def test_installed_target_module_passes_without_import(folder: Path) -> None:
    """Check that a target in an installed package is accepted, not imported."""
    path = _write(folder, VALID.replace("models.loan:build", "sklearn.dummy:Dummy"))

    assert validate_audit(load_audit(path)) == []


def test_example_audits_pass_the_check() -> None:
    """Check that every shipped example audit is sound."""
    examples = sorted((Path(__file__).parents[1] / "audits").glob("*.yaml"))

    assert examples
    for path in examples:
        assert validate_audit(load_audit(path)) == [], path


def test_expressions_may_use_record_columns(folder: Path) -> None:
    """Check that an expression over columns of the records passes the check."""
    (folder / "people.csv").write_text("debt,income\n1,10\n2,20\n")
    path = _write(
        folder,
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build, features: [debt, ratio]}
        population:
          data: people.csv
          fields: {ratio: {expression: debt / income}}
        protected: {gender: {values: [a, b]}}
        """,
    )

    assert validate_audit(load_audit(path)) == []


def test_missing_records_file_is_the_only_problem(folder: Path) -> None:
    """Check that expressions and features are not blamed when records are missing."""
    path = _write(
        folder,
        """\
        auditkit: 1
        name: loan
        model: {type: python, target: models.loan:build, features: [debt]}
        population:
          data: people.csv
          fields: {ratio: {expression: debt / income}}
        protected: {gender: {values: [a, b]}}
        """,
    )

    problems = validate_audit(load_audit(path))

    assert [(problem.key, problem.message.split(":")[0]) for problem in problems] == [
        ("population.data", "records file not found")
    ]
