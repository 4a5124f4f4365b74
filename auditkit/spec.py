"""The audit file, as Pydantic models: what a user declares, not how it runs.

Every model forbids unknown keys and documents each field; the JSON Schema in
``schemas/audit.schema.json`` is generated from these classes, so editors can
complete and check audit files while they are typed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

__all__ = [
    "FIELD_KINDS",
    "METRICS",
    "Audit",
    "ChoiceField",
    "Criterion",
    "DistributionField",
    "ExpressionField",
    "FieldSpec",
    "ModelSpec",
    "PopulationSpec",
    "ProtectedAttribute",
    "ProviderField",
    "PythonModel",
    "ReportSpec",
    "SklearnModel",
    "SkopsModel",
    "ValueField",
]

Scalar = str | int | float | bool

#: Metrics a criterion can name; the keys of ``results.json``'s ``metrics``.
METRICS: dict[str, str] = {
    "flip_rate": "joint or per attribute; has a Wilson interval",
    "score_gap_mean": "joint; mean over profiles of the largest score difference",
    "score_gap_max": "joint; largest score difference of any profile",
    "selection_rate": "per attribute and group; has a Wilson interval",
    "mean_score": "per attribute and group",
    "demographic_parity_difference": "per attribute; max - min selection rate",
    "demographic_parity_ratio": "per attribute; min / max selection rate",
}
JOINT_METRICS = ("flip_rate", "score_gap_mean", "score_gap_max")
GROUP_METRICS = ("selection_rate", "mean_score")
ATTRIBUTE_METRICS = (
    "flip_rate",
    "demographic_parity_difference",
    "demographic_parity_ratio",
)
INTERVAL_METRICS = ("flip_rate", "selection_rate")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- population fields -------------------------------------------------------


class _FieldBase(_Spec):
    input: bool = Field(
        True,
        description="Pass the column to the model; false keeps it for the report only.",
    )


class ProviderField(_FieldBase):
    """A value drawn from a Mimesis provider method."""

    provider: str = Field(
        description="Mimesis `provider.method`, e.g. `person.first_name`; "
        "`auditkit providers` lists them.",
        examples=["person.first_name", "numeric.integer_number", "address.city"],
    )
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="Keyword arguments of the method; strings become Mimesis enums "
        "where the method expects one (gender: female).",
    )


class ChoiceField(_FieldBase):
    """A value drawn from a list, uniformly or with weights."""

    choice: list[Scalar] = Field(min_length=1, description="The values to draw from.")
    weights: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, description="Relative weight of each value; normalised to sum to 1."
    )

    @model_validator(mode="after")
    def _weights_match(self) -> ChoiceField:
        if self.weights is not None:
            if len(self.weights) != len(self.choice):
                raise ValueError(
                    f"weights has {len(self.weights)} entries but choice has "
                    f"{len(self.choice)}; give one weight per value"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self


class DistributionField(_FieldBase):
    """A number drawn from a numpy random Generator method."""

    distribution: str = Field(
        description="Method of numpy.random.Generator, e.g. normal, integers, "
        "lognormal.",
        examples=["normal", "integers", "uniform", "lognormal", "poisson"],
    )
    args: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments of the method (not size)."
    )
    clip: tuple[float, float] | None = Field(
        None, description="Lower and upper bound applied after drawing."
    )
    round: int | None = Field(
        None, ge=0, description="Decimals to round to; 0 gives whole numbers."
    )


class ValueField(_FieldBase):
    """The same constant for every profile."""

    value: Scalar | None = Field(description="The constant.")


class ExpressionField(_FieldBase):
    """A value computed from other fields of the same profile."""

    expression: str = Field(
        description="A pandas expression over other field names, e.g. `debt / income`.",
        min_length=1,
    )


FIELD_KINDS: dict[str, type[_FieldBase]] = {
    "provider": ProviderField,
    "choice": ChoiceField,
    "distribution": DistributionField,
    "value": ValueField,
    "expression": ExpressionField,
}


def _field_kind(data: Any) -> str | None:
    if isinstance(data, dict):
        kinds = [kind for kind in FIELD_KINDS if kind in data]
        return kinds[0] if len(kinds) == 1 else None
    for kind, cls in FIELD_KINDS.items():
        if isinstance(data, cls):
            return kind
    return None


FieldSpec = Annotated[
    Annotated[ProviderField, Tag("provider")]
    | Annotated[ChoiceField, Tag("choice")]
    | Annotated[DistributionField, Tag("distribution")]
    | Annotated[ValueField, Tag("value")]
    | Annotated[ExpressionField, Tag("expression")],
    Discriminator(
        _field_kind,
        custom_error_type="field_kind",
        custom_error_message="a field needs exactly one of the keys provider, choice, "
        "distribution, value or expression",
    ),
]


class PopulationSpec(_Spec):
    """The base profiles: synthetic, or real records with optional extra fields."""

    size: int | None = Field(
        None, gt=0, description="Number of synthetic base profiles (not with `data`)."
    )
    locale: str = Field(
        "en", description="Mimesis locale for providers, e.g. en, de, fr."
    )
    data: str | None = Field(
        None,
        description="CSV, Parquet or JSONL file of real records, relative to the "
        "audit.",
    )
    sample: int | None = Field(
        None,
        gt=0,
        description="Records drawn from `data` with the seed; all when absent.",
    )
    fields: dict[str, FieldSpec] = Field(
        default_factory=dict,
        description="Columns to generate, in order; with `data`, added to each record.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> PopulationSpec:
        if self.data is None and self.size is None:
            raise ValueError("give `size` for synthetic profiles or `data` for records")
        if self.data is not None and self.size is not None:
            raise ValueError(
                "`size` goes with synthetic profiles; with `data` use `sample`"
            )
        if self.sample is not None and self.data is None:
            raise ValueError(
                "`sample` draws from `data`; for synthetic profiles use `size`"
            )
        if self.data is None and not self.fields:
            raise ValueError("synthetic profiles need at least one entry in `fields`")
        return self


# -- protected attributes ----------------------------------------------------


class ProtectedAttribute(_Spec):
    """A protected attribute: the values every profile is cloned over."""

    column: str | None = Field(
        None, description="Model column that carries the attribute (default: its name)."
    )
    values: list[Scalar] | dict[str, Scalar] = Field(
        description="The values: a list when label and encoding agree, else a mapping "
        "label -> encoded value, e.g. {Male: 1, Female: 0}."
    )
    reference: str | None = Field(
        None, description="Label of the baseline group (default: the first value)."
    )
    linked: dict[str, dict[str, FieldSpec]] = Field(
        default_factory=dict,
        description="Proxy fields regenerated with the attribute: "
        "field -> label -> field spec.",
    )

    @field_validator("values")
    @classmethod
    def _at_least_two(cls, values: list[Scalar] | dict[str, Scalar]):
        if len(values) < 2:
            raise ValueError(
                "a protected attribute needs at least two values to compare"
            )
        if isinstance(values, list) and len({str(v) for v in values}) != len(values):
            raise ValueError("values must be distinct")
        return values

    @property
    def labels(self) -> list[str]:
        """The group labels, in declaration order."""
        if isinstance(self.values, dict):
            return list(self.values)
        return [str(value) for value in self.values]

    @property
    def encodings(self) -> list[Scalar]:
        """The encoded value passed to the model for each label."""
        if isinstance(self.values, dict):
            return list(self.values.values())
        return list(self.values)

    @property
    def reference_label(self) -> str:
        return self.reference if self.reference is not None else self.labels[0]


# -- model -------------------------------------------------------------------


class _ModelBase(_Spec):
    favorable: Scalar = Field(
        1, description="The label that counts as selected / approved."
    )
    features: list[str] | None = Field(
        None,
        description="Columns passed to the model, in order (default: the model's "
        "feature_names_in_, else every model-input column).",
    )
    threshold: float | None = Field(
        None,
        description="Decide by score >= threshold instead of predict(); needs scores.",
    )


class PythonModel(_ModelBase):
    """A model built by Python code importable from the audit's folder."""

    type: Literal["python"] = Field(
        "python", description="The kind of model: python, a model built by Python code."
    )
    target: str = Field(
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$",
        description="`module:attr`: an estimator, a zero-argument factory returning "
        "one, or a function from a DataFrame to predictions.",
        examples=["models.loan:train_biased_tree"],
    )


class SklearnModel(_ModelBase):
    """A scikit-learn estimator saved with joblib or pickle."""

    type: Literal["sklearn"] = Field(
        "sklearn",
        description="The kind of model: sklearn, a pickled scikit-learn estimator.",
    )
    path: str = Field(description="The .joblib or .pkl file, relative to the audit.")
    trust: bool = Field(
        False,
        description="Loading a pickle runs code stored in it: set true only for "
        "files you trust, or save the model with skops instead.",
    )


class SkopsModel(_ModelBase):
    """A scikit-learn estimator saved with skops, loaded without running code."""

    type: Literal["skops"] = Field(
        "skops", description="The kind of model: skops, an estimator saved with skops."
    )
    path: str = Field(description="The .skops file, relative to the audit.")
    trusted: list[str] = Field(
        default_factory=list,
        description="Types the file may contain beyond skops' defaults "
        "(skops.io.get_untrusted_types lists them).",
    )


ModelSpec = Annotated[
    PythonModel | SklearnModel | SkopsModel, Field(discriminator="type")
]


# -- criteria and report -----------------------------------------------------


class Criterion(_Spec):
    """A pass criterion on one metric."""

    metric: Literal[
        "flip_rate",
        "score_gap_mean",
        "score_gap_max",
        "selection_rate",
        "mean_score",
        "demographic_parity_difference",
        "demographic_parity_ratio",
    ] = Field(description="The metric judged; see the Semantics section of the docs.")
    attribute: str | None = Field(
        None,
        description="Protected attribute it applies to; none means joint, over all "
        "attributes (flip_rate, score gaps).",
    )
    group: str | None = Field(
        None, description="Group label, for selection_rate and mean_score."
    )
    min: float | None = Field(None, description="Lowest passing value.")
    max: float | None = Field(None, description="Highest passing value.")
    bound: Literal["interval", "point"] = Field(
        "interval",
        description="interval: judge the whole confidence interval (inconclusive when "
        "it straddles a threshold); point: judge the estimate alone.",
    )
    severity: Literal["error", "warning"] = Field(
        "error", description="error fails the run; warning is reported only."
    )
    confidence: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="Confidence level of this criterion's interval (default: the "
        "audit's `confidence`).",
    )

    @model_validator(mode="after")
    def _shape(self) -> Criterion:
        if self.min is None and self.max is None:
            raise ValueError("give `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.metric in ("score_gap_mean", "score_gap_max") and self.attribute:
            raise ValueError(f"{self.metric} is joint; remove `attribute`")
        needs_attribute = self.metric not in JOINT_METRICS
        if needs_attribute and self.attribute is None:
            raise ValueError(f"{self.metric} is per attribute; add `attribute`")
        if (self.metric in GROUP_METRICS) != (self.group is not None):
            if self.group is None:
                raise ValueError(f"{self.metric} is per group; add `group`")
            raise ValueError("`group` applies to selection_rate and mean_score only")
        return self

    @property
    def label(self) -> str:
        """A short readable name, e.g. ``flip_rate[gender]``."""
        scope = ".".join(part for part in (self.attribute, self.group) if part)
        return f"{self.metric}[{scope}]" if scope else self.metric


ReportFormat = Literal["html", "markdown", "json", "junit"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("html", "markdown", "json", "junit")


class ReportSpec(_Spec):
    """What the run writes, and where."""

    formats: list[ReportFormat] = Field(
        default_factory=lambda: list(REPORT_FORMATS),
        description="Report files to write.",
    )
    directory: str = Field(
        "reports", description="Folder for reports/<name>/, relative to the audit."
    )
    examples: int = Field(10, ge=0, description="Flipped profiles shown in the report.")
    matrix: bool | Literal["csv", "parquet"] = Field(
        False, description="Also write the counterfactual matrix (true means csv)."
    )
    templates: str | None = Field(
        None, description="Folder of Jinja2 templates that replace the built-in ones."
    )


class Audit(_Spec):
    """An audit file."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="auditkit audit file",
    )

    auditkit: Literal[1] = Field(description="Version of the audit file format.")
    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        max_length=100,
        description="Slug that names the report folder: lower case, digits, . _ -",
    )
    title: str | None = Field(None, description="Human title for the report.")
    description: str | None = Field(None, description="What the audit asks, in words.")
    seed: int = Field(0, ge=0, description="One seed makes the whole run reproducible.")
    confidence: float = Field(
        0.95, gt=0, lt=1, description="Confidence level of the Wilson intervals."
    )
    model: ModelSpec = Field(description="The model under audit.")
    population: PopulationSpec = Field(description="The base profiles.")
    protected: dict[str, ProtectedAttribute] = Field(
        min_length=1, description="Protected attributes and their values."
    )
    criteria: list[Criterion] = Field(
        default_factory=list, description="Pass criteria."
    )
    report: ReportSpec = Field(default_factory=ReportSpec, description="Outputs.")
