"""LReDDPM's ``region="auto"``: the region and tau chosen by inner CV.

Every single region with every schedule of :data:`AUTO_TAUS` is fitted on
the inner training part of each stratified fold and scored by a decision
tree on the inner test part; the pair with the best mean score guides.
"""

from __future__ import annotations

import tempfile

import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from ..regions import REGION_NAMES

__all__ = ["AUTO_TAUS", "choose_guide"]

#: The tau schedules ``region="auto"`` tries (the paper's section 5.3).
AUTO_TAUS: tuple[str, ...] = ("1", "60", "1/sqrt(beta)", "60/sqrt(beta)")


def choose_guide(sampler, frame, y, label, seed, nominal) -> tuple[dict, pd.DataFrame]:
    """Inner stratified CV over (region, tau): the best mean ``auto_metric``.

    The inner fits get the nominal columns as resolved on the whole
    training set, so that a part of it is never read otherwise.

    Returns
    -------
    choice : dict
        The chosen ``region`` and ``tau``.
    table : DataFrame
        Every candidate's mean score and its number of scored folds.
    """
    from ..evaluation import score_classifiers

    folds = StratifiedKFold(
        n_splits=int(sampler.auto_folds), shuffle=True, random_state=seed % 2**31
    )
    rows = []
    minority = y == label
    # Inner fits of the same fold share their DDPM through a model cache.
    with tempfile.TemporaryDirectory(prefix="lreddpm-auto-") as cache:
        for fold, (train, test) in enumerate(folds.split(frame, minority)):
            # imbalanced-learn reads a dict as the class's total after
            # resampling: the inner part's rows plus a proportional share
            # of the rows this fit adds.
            add = round(sampler.sampling_strategy_[label] * len(train) / len(y))
            total = int(minority[train].sum()) + int(add)
            for region in REGION_NAMES:
                for tau in AUTO_TAUS:
                    inner = _inner_sampler(
                        sampler,
                        region,
                        tau,
                        {label: total},
                        seed + fold,
                        cache,
                        nominal,
                    )
                    try:
                        X_res, y_res = inner.fit_resample(frame.iloc[train], y[train])
                    except ValueError as error:
                        if "too few to guide" not in str(error):
                            raise
                        continue
                    score = score_classifiers(
                        X_res,
                        (y_res == label).astype(int),
                        frame.iloc[test],
                        minority[test].astype(int),
                        names=["decision_tree"],
                        seed=seed % 2**31,
                        pos_label=1,
                        categorical_features=list(nominal),
                    )["decision_tree"][sampler.auto_metric]
                    rows.append(
                        {"region": region, "tau": tau, "fold": fold, "score": score}
                    )
    return _best(sampler, rows, label)


def _inner_sampler(sampler, region, tau, strategy, random_state, cache, nominal):
    """A copy of ``sampler`` fitting one candidate on an inner training part."""
    return clone(sampler).set_params(
        region=region,
        tau=tau,
        sampling_strategy=strategy,
        random_state=random_state,
        model_cache=cache,
        # Inner fits score candidates; the filter is the outer fit's business.
        neighbour_filter=False,
        categorical_features=list(nominal),
        verbose=False,
    )


def _best(sampler, rows: list[dict], label) -> tuple[dict, pd.DataFrame]:
    """The candidate of the best mean score among those scored on every fold
    (on fewer if none was), and the table of every candidate's mean."""
    if not rows:
        raise ValueError(
            f"region='auto': no region of class {label!r} has 2 or more "
            "examples in every inner training part; name a list of regions."
        )
    table = (
        pd.DataFrame(rows)
        .groupby(["region", "tau"], sort=False)
        .agg(score=("score", "mean"), folds=("fold", "nunique"))
        .reset_index()
    )
    complete = table[table["folds"] == int(sampler.auto_folds)]
    best = (complete if len(complete) else table).sort_values(
        "score", ascending=False, kind="stable"
    )
    choice = {"region": best.iloc[0]["region"], "tau": best.iloc[0]["tau"]}
    return choice, table.rename(columns={"score": f"mean_{sampler.auto_metric}"})
