"""Evaluation of oversamplers: metrics, classifiers, protocols and distances.

- :mod:`~imbdiff.evaluation.metrics`: classification metrics with the minority
  class as positive (two distinct G-means) and memorisation checks (distance to
  closest record);
- :mod:`~imbdiff.evaluation.classifiers`: the nine downstream classifiers behind
  one feature encoding;
- :mod:`~imbdiff.evaluation.protocols`: the hold-out protocol of the LReDDPM
  paper and the stratified cross-validation of the SEMRes-DDPM paper;
- :mod:`~imbdiff.evaluation.distances`: Jensen-Shannon, Wasserstein and MMD
  distances between real and synthetic rows;
- :mod:`~imbdiff.evaluation.comparison`: the corrected resampled t-test of
  repeated cross-validation and Holm's adjustment, to compare methods.
"""

from ._scoring import resample, resample_and_score, score_classifiers
from .classifiers import (
    ADJUSTMENTS,
    CLASSIFIER_NAMES,
    PAPER_CLASSIFIERS,
    BudgetedMLPClassifier,
    FeatureEncoder,
    NotApplicableError,
    adjust_classifier,
    check_classifiers,
    classifier_label,
    classifier_scores,
    make_classifier,
)
from .comparison import CorrectedTTest, corrected_resampled_ttest, holm
from .distances import js_distance, js_distance_per_column, mmd, wasserstein_distance
from .metrics import (
    METRIC_NAMES,
    classification_metrics,
    distance_to_closest_record,
    gmean_pr_score,
    gmean_score,
    memorisation_summary,
)
from .protocols import (
    RESULT_COLUMNS,
    evaluate_cv,
    evaluate_holdout,
    holdout_split,
    summarise,
)

__all__ = [
    "ADJUSTMENTS",
    "CLASSIFIER_NAMES",
    "METRIC_NAMES",
    "PAPER_CLASSIFIERS",
    "RESULT_COLUMNS",
    "BudgetedMLPClassifier",
    "CorrectedTTest",
    "FeatureEncoder",
    "NotApplicableError",
    "adjust_classifier",
    "check_classifiers",
    "classification_metrics",
    "classifier_label",
    "classifier_scores",
    "corrected_resampled_ttest",
    "distance_to_closest_record",
    "evaluate_cv",
    "evaluate_holdout",
    "gmean_pr_score",
    "gmean_score",
    "holdout_split",
    "holm",
    "js_distance",
    "js_distance_per_column",
    "make_classifier",
    "memorisation_summary",
    "mmd",
    "resample",
    "resample_and_score",
    "score_classifiers",
    "summarise",
    "wasserstein_distance",
]
