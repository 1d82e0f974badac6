import numpy as np
import pandas as pd
import pytest

from imbdiff.bench import TUNING_GROUP, apply_rule

# The rule judges on the tuning group's datasets only.
A, B, C, D, E = TUNING_GROUP[:5]


def _results(
    f1, *, copies=0.0, dcr=1.0, failed=(), seconds=1.0, folds=2, sample_seconds=0.5
):
    """Tidy results of one method: per dataset, the F1 of every fold, and the
    guard's figures (held-out rows: no copies, median distance 1)."""
    rows = []
    for dataset, value in f1.items():
        for fold in range(folds):
            base = {"dataset": dataset, "seed": 0, "fold": fold}
            timing = {
                "total_seconds": seconds,
                "sample_seconds": sample_seconds,
                "n_synthetic": 10,
            }
            if dataset in failed:
                rows.append({**base, **timing, "status": "failed", "classifier": ""})
                continue
            done = {**base, **timing, "status": "done"}
            rows.append({**done, "classifier": "tree", "metric": "f1", "value": value})
            for metric, v in (
                ("synthetic_exact_copy_share", copies),
                ("holdout_exact_copy_share", 0.0),
                ("synthetic_dcr_median", dcr),
                ("holdout_dcr_median", 1.0),
            ):
                rows.append({**done, "classifier": "", "metric": metric, "value": v})
    return pd.DataFrame(rows)


def test_counts_wins_over_the_datasets_a_change_touches():
    default = _results({A: 0.5, B: 0.5, C: 0.5, D: 0.5, E: 0.5})
    candidate = _results({A: 0.6, B: 0.6, C: 0.6, D: 0.4, E: 0.5})
    verdict = apply_rule(default, candidate)
    assert verdict.table["outcome"].tolist() == ["win", "win", "win", "loss", "tie"]
    assert (verdict.counted, verdict.wins) == (4, 3)
    assert verdict.quality  # 3 of 4 >= two thirds, mean higher
    assert not verdict.cost  # not cheaper


def test_a_failed_cell_or_guard_is_a_loss_and_fewer_than_4_counted_fail():
    default = _results({A: 0.5, B: 0.5, C: 0.5})
    candidate = _results({A: 0.9, B: 0.9, C: 0.9}, failed=(C,))
    verdict = apply_rule(default, candidate)
    assert verdict.table["outcome"].tolist() == ["win", "win", "loss"]
    assert not verdict.quality  # 3 counted < 4
    copying = _results({A: 0.9, B: 0.5, C: 0.5}, copies=0.2)
    assert apply_rule(default, copying).table.loc[A, "outcome"] == "loss"
    close = _results({A: 0.9, B: 0.5, C: 0.5}, dcr=0.4)
    assert not apply_rule(default, close).table.loc[A, "guard"]


def test_equal_means_do_not_count_even_where_the_guard_fails():
    default = _results({A: 0.5, B: 0.7})
    verdict = apply_rule(default, _results({A: 0.5, B: 0.7}, copies=0.3))
    assert verdict.table["outcome"].tolist() == ["tie", "tie"]
    assert verdict.counted == 0


def test_a_cheaper_candidate_passes_on_cost_within_the_tolerance():
    default = _results({A: 0.5, B: 0.5}, seconds=10.0)
    cheaper = _results({A: 0.504, B: 0.49}, seconds=1.0)
    verdict = apply_rule(default, cheaper)
    assert (verdict.counted, verdict.wins) == (2, 1)
    assert verdict.cost  # half the counted, mean 0.003 lower
    assert not apply_rule(default, _results({A: 0.5, B: 0.48}, seconds=1.0)).cost


def test_the_cost_clause_may_compare_sampling_seconds_alone():
    # The default's cells carry the training the candidate loads from the
    # model cache; only the sampling seconds compare like with like.
    default = _results({A: 0.5, B: 0.5}, seconds=10.0, sample_seconds=1.0)
    slower = _results({A: 0.504, B: 0.49}, seconds=2.0, sample_seconds=1.5)
    assert apply_rule(default, slower).cost
    assert not apply_rule(default, slower, seconds="sample_seconds").cost
    faster = _results({A: 0.504, B: 0.49}, seconds=12.0, sample_seconds=0.2)
    assert apply_rule(default, faster, seconds="sample_seconds").cost
    with pytest.raises(ValueError, match="seconds must be"):
        apply_rule(default, faster, seconds="fit_seconds")


def test_missing_folds_leave_the_verdict_open():
    default = _results({A: 0.5, B: 0.5})
    candidate = _results({A: 0.6, B: 0.6}, folds=1)
    verdict = apply_rule(default, candidate)
    assert (verdict.table["outcome"] == "missing").all()
    assert not verdict.complete
    assert np.isnan(verdict.candidate_mean)
