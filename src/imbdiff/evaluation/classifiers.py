"""The classifiers of the evaluation protocols, each behind the same encoding.

Every classifier is a scikit-learn :class:`~sklearn.pipeline.Pipeline` of two
steps: ``encode`` one-hot encodes nominal columns (unknown categories at predict
time become all-zero rows) and standardises numeric columns; ``model`` is the
classifier itself, with fixed hyper-parameters and a fixed seed, so that every
oversampler is judged by the same downstream models.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    TransformerMixin,
    clone,
    is_classifier,
)
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    AdaBoostClassifier,
    GradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._validation import as_frame, resolve_categorical

__all__ = [
    "ADJUSTMENTS",
    "CLASSIFIER_NAMES",
    "PAPER_CLASSIFIERS",
    "BudgetedMLPClassifier",
    "FeatureEncoder",
    "NotApplicableError",
    "adjust_classifier",
    "check_classifiers",
    "classifier_label",
    "classifier_scores",
    "make_classifier",
]

#: The nine classifiers of the SEMRes protocol, by name.
CLASSIFIER_NAMES: tuple[str, ...] = (
    "logistic_regression",
    "decision_tree",
    "random_forest",
    "svm",
    "knn",
    "gaussian_nb",
    "adaboost",
    "gradient_boosting",
    "mlp",
)

#: The two classifiers of the LReDDPM protocol.
PAPER_CLASSIFIERS: tuple[str, ...] = ("decision_tree", "logistic_regression")


class FeatureEncoder(TransformerMixin, BaseEstimator):
    """One-hot encode nominal columns and standardise numeric ones.

    The column split is decided at ``fit`` time from the data, so the same
    encoder works on DataFrames (nominal columns found by dtype) and on numpy
    arrays (all numeric unless ``categorical_features`` names columns).

    Parameters
    ----------
    categorical_features : "auto", None or sequence, default="auto"
        Which columns are nominal: ``"auto"`` takes pandas category, object,
        string and bool columns; ``None`` means all numeric; a sequence of
        column labels, positions or a boolean mask names them.

    Attributes
    ----------
    nominal_columns_ : list
        Labels of the columns that were one-hot encoded.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> from imbdiff.evaluation import FeatureEncoder
    >>> X = pd.DataFrame({"size": [1.0, 3.0], "colour": ["red", "blue"]})
    >>> FeatureEncoder().fit_transform(X)
    array([[ 0.,  1., -1.],
           [ 1.,  0.,  1.]])
    """

    def __init__(self, *, categorical_features="auto"):
        self.categorical_features = categorical_features

    def fit(self, X, y=None):
        """Learn the categories and the scaling statistics of ``X``."""
        frame = as_frame(X)
        if frame.shape[1] == 0:
            raise ValueError("X has no columns; there is nothing to learn from.")
        nominal = resolve_categorical(frame, self.categorical_features)
        columns = list(frame.columns)
        nominal_pos = [columns.index(c) for c in nominal]
        numeric_pos = [i for i in range(len(columns)) if i not in set(nominal_pos)]
        parts = []
        if nominal_pos:
            parts.append(
                (
                    "nominal",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    nominal_pos,
                )
            )
        if numeric_pos:
            parts.append(("numeric", StandardScaler(), numeric_pos))
        self.columns_ = columns if isinstance(X, pd.DataFrame) else None
        self.nominal_columns_ = nominal
        self.n_features_in_ = len(columns)
        self.transformer_ = ColumnTransformer(parts, sparse_threshold=0.0)
        self.transformer_.fit(self._positional(frame))
        return self

    def transform(self, X) -> np.ndarray:
        """Encode ``X`` with what ``fit`` learned."""
        check_is_fitted(self, "transformer_")
        frame = as_frame(X)
        if self.columns_ is not None and isinstance(X, pd.DataFrame):
            missing = [c for c in self.columns_ if c not in frame.columns]
            if missing:
                raise ValueError(
                    f"X lacks the columns {missing} that the encoder was fitted on."
                )
            frame = frame[self.columns_]
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {frame.shape[1]} columns but the encoder was fitted on "
                f"{self.n_features_in_}."
            )
        return self.transformer_.transform(self._positional(frame))

    @staticmethod
    def _positional(frame: pd.DataFrame) -> pd.DataFrame:
        # Columns are selected by position; positional labels also keep
        # scikit-learn from rejecting frames whose labels mix strings and numbers.
        return frame.set_axis(range(frame.shape[1]), axis=1)


class BudgetedMLPClassifier(MLPClassifier):
    """:class:`~sklearn.neural_network.MLPClassifier` with a fixed epoch budget.

    The evaluation protocols give every classifier fixed hyper-parameters, and
    the multi-layer perceptron's ``max_iter`` is one of them: stopping at the
    budget is part of the classifier's definition, not a fault. On small
    training sets (a fold of a dataset with a few dozen minority rows) the
    optimiser often reaches the budget while the training loss still creeps
    down, and scikit-learn then emits a ``ConvergenceWarning`` for every fit,
    hundreds per benchmark. This class silences that one warning during ``fit``
    and records the outcome in ``converged_`` instead, so a user can still see
    it. Other warnings pass through unchanged.

    Parameters are those of :class:`~sklearn.neural_network.MLPClassifier`.

    Attributes
    ----------
    converged_ : bool
        False when ``fit`` stopped because it reached ``max_iter``.

    Examples
    --------
    >>> from imbdiff.evaluation import BudgetedMLPClassifier
    >>> clf = BudgetedMLPClassifier(max_iter=5, random_state=0)
    >>> clf.fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]).converged_
    False
    """

    def fit(self, X, y, **fit_params):
        """Fit the network; see :meth:`MLPClassifier.fit`."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            super().fit(X, y, **fit_params)
        self.converged_ = True
        for w in caught:
            if issubclass(w.category, ConvergenceWarning):
                self.converged_ = False
            else:
                warnings.warn_explicit(
                    w.message, w.category, w.filename, w.lineno, source=w.source
                )
        return self


def check_classifiers(classifiers) -> list:
    """``classifiers`` as a list, each entry checked: a name of
    :data:`CLASSIFIER_NAMES`, or a ``(label, estimator)`` pair of the
    user's own scikit-learn classifier (:func:`make_classifier` puts it
    behind the shared encoding). Labels must be unique.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> check_classifiers("svm")
    ['svm']
    >>> check_classifiers(["knn", ("knn3", KNeighborsClassifier(3))])[1][0]
    'knn3'
    """
    entries = [classifiers] if isinstance(classifiers, str) else list(classifiers)
    if not entries:
        raise ValueError("classifiers is empty; name at least one classifier.")
    for entry in entries:
        if isinstance(entry, str):
            if entry not in CLASSIFIER_NAMES:
                raise ValueError(
                    f"unknown classifier {entry!r}; valid names are "
                    f"{', '.join(CLASSIFIER_NAMES)}, or give (label, estimator)."
                )
            continue
        if not (
            isinstance(entry, tuple)
            and len(entry) == 2
            and isinstance(entry[0], str)
            and entry[0]
            and "|" not in entry[0]
        ):
            raise ValueError(
                "a classifier is a name or a (label, estimator) pair with a "
                f"non-empty label without '|'; got {entry!r}."
            )
        if not (hasattr(entry[1], "fit") and is_classifier(entry[1])):
            raise ValueError(
                f"classifier {entry[0]!r} is not a scikit-learn classifier; "
                f"got {entry[1]!r}."
            )
    labels = [classifier_label(entry) for entry in entries]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"classifier labels must be unique; repeated: {repeated}.")
    return entries


def classifier_label(classifier) -> str:
    """The name results are stored under: the name itself, or a pair's label."""
    return classifier if isinstance(classifier, str) else classifier[0]


def make_classifier(
    name,
    *,
    random_state: int | None = 0,
    categorical_features: str | Sequence | None = "auto",
) -> Pipeline:
    """Build one of the protocol classifiers behind the shared feature encoding.

    Parameters
    ----------
    name : str or (str, estimator)
        One of :data:`CLASSIFIER_NAMES`: ``logistic_regression``
        (``max_iter=5000``), ``decision_tree``, ``random_forest`` (100 trees),
        ``svm`` (RBF kernel, ``probability=False``; scores come from its
        decision function), ``knn`` (5 neighbours), ``gaussian_nb``,
        ``adaboost``, ``gradient_boosting`` or ``mlp`` (one hidden layer of
        100 units, ``max_iter=1000``, see :class:`BudgetedMLPClassifier`).
        Other settings are scikit-learn's defaults. Or a ``(label,
        estimator)`` pair: a clone of the user's own classifier, its
        ``random_state`` set to ``random_state`` where it has one left at
        None.
    random_state : int or None, default=0
        Seed of every random part of the classifier.
    categorical_features : "auto", None or sequence, default="auto"
        Nominal columns, as for :class:`FeatureEncoder`.

    Returns
    -------
    Pipeline
        Steps ``encode`` (:class:`FeatureEncoder`) and ``model``; unfitted.

    Examples
    --------
    >>> from imbdiff.evaluation import make_classifier
    >>> clf = make_classifier("decision_tree", random_state=0)
    >>> clf.fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]).predict([[2.5]])
    array([1])
    """
    (name,) = check_classifiers([name])
    encode = FeatureEncoder(categorical_features=categorical_features)
    if not isinstance(name, str):
        model = clone(name[1])
        if model.get_params(deep=False).get("random_state", 0) is None:
            model.set_params(random_state=random_state)
        return Pipeline([("encode", encode), ("model", model)])
    rs = random_state
    models = {
        # A generous budget so lbfgs converges on standardised data.
        "logistic_regression": lambda: LogisticRegression(
            max_iter=5000, random_state=rs
        ),
        "decision_tree": lambda: DecisionTreeClassifier(random_state=rs),
        "random_forest": lambda: RandomForestClassifier(
            n_estimators=100, random_state=rs
        ),
        "svm": lambda: SVC(kernel="rbf", random_state=rs),
        "knn": lambda: KNeighborsClassifier(n_neighbors=5),
        "gaussian_nb": lambda: GaussianNB(),
        "adaboost": lambda: AdaBoostClassifier(random_state=rs),
        "gradient_boosting": lambda: GradientBoostingClassifier(random_state=rs),
        "mlp": lambda: BudgetedMLPClassifier(
            hidden_layer_sizes=(100,), max_iter=1000, random_state=rs
        ),
    }
    return Pipeline([("encode", encode), ("model", models[name]())])


#: How a method may change the classifier instead of the rows: weight the
#: classes, or tune the decision threshold.
ADJUSTMENTS: tuple[str, ...] = ("balanced", "threshold")


class NotApplicableError(ValueError):
    """The classifier cannot be changed as asked (it takes no class weights)."""


def _estimator_has(method: str):
    """Whether the wrapped estimator (fitted, or else as given) has ``method``:
    an SVM without probabilities scores through its decision function."""

    def check(wrapper) -> bool:
        return hasattr(getattr(wrapper, "estimator_", wrapper.estimator), method)

    return check


class _IntegerLabels(ClassifierMixin, BaseEstimator):
    """``estimator`` fitted on the labels' integer codes, answering in the
    labels. scikit-learn's random forest with class weights fails on labels
    such as the strings "0" and "1" (it looks their integer values up among
    the weights' keys); the codes give every classifier the same weights."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        """Fit ``estimator`` on ``X`` and the codes of ``y``."""
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        self.estimator_ = clone(self.estimator).fit(X, codes)
        return self

    def predict(self, X):
        """The labels ``estimator`` predicts."""
        return self.classes_[np.asarray(self.estimator_.predict(X), dtype=int)]

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, in the order of ``classes_``."""
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """The estimator's decision function (binary: positive towards
        ``classes_[1]``, whose code is 1)."""
        return self.estimator_.decision_function(X)


def adjust_classifier(clf: Pipeline, how: str | None, *, pos_label, random_state=0):
    """``clf`` changed for cost-sensitive learning, the alternative to resampling.

    Parameters
    ----------
    clf : Pipeline
        A :func:`make_classifier` pipeline (unfitted).
    how : {None, "balanced", "threshold"}
        ``None`` returns ``clf``; ``"balanced"`` sets the model's
        ``class_weight="balanced"``; ``"threshold"`` wraps ``clf`` in
        scikit-learn's ``TunedThresholdClassifierCV``, which picks the decision
        threshold that maximises the F1 of ``pos_label`` by stratified 5-fold
        cross-validation on the training rows, then refits on all of them.
    pos_label : label
        The minority class.
    random_state : int or None, default=0

    Raises
    ------
    NotApplicableError
        For ``"balanced"`` with a model that has no ``class_weight`` (k-NN,
        naive Bayes, AdaBoost, gradient boosting, MLP): running it unweighted
        would report the plain classifier under another name.

    Examples
    --------
    >>> tree = make_classifier("decision_tree")
    >>> clf = adjust_classifier(tree, "balanced", pos_label=1)
    >>> clf.estimator.named_steps["model"].class_weight
    'balanced'
    >>> adjust_classifier(make_classifier("knn"), "balanced", pos_label=1)
    Traceback (most recent call last):
    ...
    imbdiff.evaluation.classifiers.NotApplicableError: ...
    """
    if how is None:
        return clf
    if how == "balanced":
        model = clf.named_steps["model"]
        if "class_weight" not in model.get_params(deep=False):
            raise NotApplicableError(
                f"{type(model).__name__} takes no class weights, so 'balanced' "
                "does not apply to it."
            )
        return _IntegerLabels(clf.set_params(model__class_weight="balanced"))
    if how == "threshold":
        from sklearn.metrics import f1_score, make_scorer
        from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

        return TunedThresholdClassifierCV(
            clf,
            scoring=make_scorer(f1_score, pos_label=pos_label, zero_division=0.0),
            cv=StratifiedKFold(5, shuffle=True, random_state=random_state),
            random_state=random_state,
        )
    raise ValueError(f"how must be one of {ADJUSTMENTS} or None; got {how!r}.")


def classifier_scores(fitted, X, *, pos_label=None) -> np.ndarray:
    """Scores that grow with the confidence in the positive class.

    Uses ``predict_proba`` when the classifier has it, otherwise
    ``decision_function`` (the SVM of :func:`make_classifier`).

    Parameters
    ----------
    fitted : fitted binary classifier
        For example a fitted :func:`make_classifier` pipeline.
    X : array-like of shape (n_samples, n_features)
        Rows to score.
    pos_label : label, optional
        The positive class; by default the second entry of ``classes_``,
        scikit-learn's convention for binary problems.

    Returns
    -------
    ndarray of shape (n_samples,)
        Probabilities of ``pos_label`` or signed decision values.

    Examples
    --------
    >>> from imbdiff.evaluation import classifier_scores, make_classifier
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    >>> clf = make_classifier("decision_tree").fit(X, y)
    >>> classifier_scores(clf, [[0.5], [2.5]])
    array([0., 1.])
    """
    classes = getattr(fitted, "classes_", None)
    if classes is None:
        raise NotFittedError("the classifier is not fitted (it has no classes_).")
    classes = np.asarray(classes)
    if classes.size != 2:
        raise ValueError(
            f"classifier_scores needs a binary classifier; it knows {classes.size} "
            f"classes: {classes.tolist()}."
        )
    if pos_label is None:
        pos_index = 1
    else:
        matches = np.flatnonzero(classes == pos_label)
        if matches.size == 0:
            raise ValueError(
                f"pos_label={pos_label!r} is not one of the classifier's classes "
                f"{classes.tolist()}."
            )
        pos_index = int(matches[0])
    if hasattr(fitted, "predict_proba"):
        return np.asarray(fitted.predict_proba(X))[:, pos_index]
    if hasattr(fitted, "decision_function"):
        # A binary decision function is positive towards classes_[1].
        score = np.asarray(fitted.decision_function(X), dtype=float).reshape(-1)
        return score if pos_index == 1 else -score
    raise ValueError(
        "the classifier has neither predict_proba nor decision_function, so it "
        "gives no score to rank rows by."
    )
