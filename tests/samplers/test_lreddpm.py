"""LReDDPM: guidance that works, its exact off switch, options and bad input."""

import numpy as np
import pandas as pd
import pytest
import torch

from imbdiff import LReDDPM
from imbdiff.diffusion.guidance import (
    GuidanceClassifier,
    classifier_guidance,
    tau_values,
)
from imbdiff.regions import REGION_NAMES

ALL_REGIONS = list(REGION_NAMES)
TINY = {
    "n_timesteps": 20,
    "train_steps": 10,
    "batch_size": 64,
    "classifier_options": {"steps": 10},
    "n_reference": 32,
    "random_state": 0,
}
SAFE = np.array([6.0, 6.0])
MIXED = np.array([1.0, 0.0])


@pytest.fixture(scope="module")
def two_clusters():
    """A majority around the origin; a minority of 15 isolated (safe) rows
    near (6, 6) and 45 rows inside the majority near (1, 0)."""
    rng = np.random.default_rng(0)
    X = np.vstack(
        [
            rng.normal(0.0, 1.0, (300, 2)),
            SAFE + rng.normal(0.0, 0.3, (15, 2)),
            MIXED + rng.normal(0.0, 0.5, (45, 2)),
        ]
    )
    y = np.array([0] * 300 + [1] * 60)
    return X, y


@pytest.fixture(scope="module")
def guided(two_clusters):
    X, y = two_clusters
    # The paper's guidance scale; imbdiff's default is 60 times weaker and
    # moves fewer rows, under twice as many on this data.
    sampler = LReDDPM(
        region="safe",
        tau="60/sqrt(beta)",
        final_step="none",
        numeric_encoding="standard",
        train_steps=600,
        batch_size=64,
        classifier_options={"steps": 300},
        random_state=0,
    )
    sampler.fit_resample(X, y)
    return sampler


def _share_near_safe(rows: np.ndarray) -> float:
    to_safe = np.linalg.norm(rows - SAFE, axis=1)
    to_mixed = np.linalg.norm(rows - MIXED, axis=1)
    return float((to_safe < to_mixed).mean())


def test_two_cluster_data_types_as_intended(guided):
    sizes = guided.region_sizes_[1]
    assert sizes["safe"] >= 15
    assert sizes["border"] + sizes["rare"] + sizes["outlier"] >= 30


def _share_guided_by(sampler, hook) -> float:
    """The share of 300 drawn rows nearer the safe region, with ``hook`` as
    the class's guidance (None: unguided) for this draw only."""
    fitted = sampler.models_[1]
    kept = fitted.guidance
    try:
        fitted.guidance = hook
        return _share_near_safe(sampler.sample(300, random_state=1))
    finally:
        fitted.guidance = kept


def test_guidance_moves_rows_towards_the_region_and_away_when_flipped(guided):
    fitted = guided.models_[1]
    taus = tau_values(guided.tau, guided.diffusion_.betas)
    plain = _share_guided_by(guided, None)
    towards = _share_guided_by(guided, fitted.guidance)
    away = _share_guided_by(
        guided,
        classifier_guidance(
            fitted.classifier, taus, max_norm=guided.max_grad_norm, sign=-1.0
        ),
    )
    assert 0.05 < plain < 0.5  # the DDPM alone reproduces both clusters
    assert towards >= 2 * plain
    assert away < plain


def test_guidance_through_x0_hat_moves_rows_towards_the_region(guided):
    fitted = guided.models_[1]
    taus = tau_values(guided.tau, guided.diffusion_.betas)
    # The same clean-row classifier, asked about x0_hat(x_t) instead of x_t.
    through_x0 = classifier_guidance(
        fitted.classifier,
        taus,
        max_norm=guided.max_grad_norm,
        denoiser=fitted.model,
        diffusion=guided.diffusion_,
    )
    assert _share_guided_by(guided, through_x0) >= 2 * _share_guided_by(guided, None)


@pytest.mark.parametrize(
    ("solver", "eta"), [("ddim", 0.0), ("ddim", 1.0), ("dpm-solver++", 0.0)]
)
def test_few_step_solvers_are_guided_as_the_ancestral_sampler_is(guided, solver, eta):
    fitted = guided.models_[1]
    taus = tau_values(guided.tau, guided.diffusion_.betas)
    kept = guided.get_params()
    guided.set_params(sampling_method=solver, sampling_steps=50, ddim_eta=eta)
    try:
        zero = classifier_guidance(fitted.classifier, np.zeros_like(taus))
        unguided = guided.sample(300, random_state=1)
        fitted.guidance, hook = zero, fitted.guidance
        try:
            scale_zero = guided.sample(300, random_state=1)
        finally:
            fitted.guidance = hook
        np.testing.assert_array_equal(scale_zero, _draw_unguided(guided))
        plain = _share_near_safe(_draw_unguided(guided))
        towards = _share_near_safe(unguided)
        away = _share_guided_by(
            guided,
            classifier_guidance(
                fitted.classifier, taus, max_norm=guided.max_grad_norm, sign=-1.0
            ),
        )
    finally:
        guided.set_params(**kept)
    assert 0.05 < plain < 0.5
    assert towards >= 2 * plain
    assert away < plain


def _draw_unguided(sampler) -> np.ndarray:
    fitted = sampler.models_[1]
    kept, fitted.guidance = fitted.guidance, None
    try:
        return sampler.sample(300, random_state=1)
    finally:
        fitted.guidance = kept


def test_region_x0_guidance_fits_saves_and_loads(two_clusters, tmp_path):
    X, y = two_clusters
    sampler = LReDDPM(region="safe", guidance="region_x0", **TINY)
    X_res, _ = sampler.fit_resample(X, y)
    assert np.isfinite(X_res).all()
    assert sampler.models_[1].guidance.denoiser is sampler.models_[1].model
    sampler.save(tmp_path / "model")
    loaded = LReDDPM.load(tmp_path / "model")
    np.testing.assert_array_equal(
        loaded.sample(20, random_state=3), sampler.sample(20, random_state=3)
    )


def test_tau_zero_without_final_step_is_plain_ddpm_sampling(two_clusters):
    X, y = two_clusters
    sampler = LReDDPM(region="safe", tau=0, final_step="none", **TINY)
    sampler.fit_resample(X, y)
    fitted = sampler.models_[1]
    device = torch.device("cpu")
    guided = sampler._draw(fitted, sampler.diffusion_, 50, device, 7)
    plain = sampler.diffusion_.sample(
        fitted.model,
        50,
        fitted.encoder.n_encoded_,
        generator=torch.Generator().manual_seed(7),
    )
    assert np.array_equal(guided, plain.numpy().astype(np.float64))
    # The same model with tau = 1 moves the rows: the comparison can fail.
    fitted.guidance = classifier_guidance(
        fitted.classifier, tau_values(1, sampler.diffusion_.betas)
    )
    moved = sampler._draw(fitted, sampler.diffusion_, 50, device, 7)
    assert not np.array_equal(guided, moved)


def test_fitted_attributes_and_counts(two_clusters):
    X, y = two_clusters
    sampler = LReDDPM(region=["safe", "border"], final_step="recentre", **TINY)
    _X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [300, 300]
    assert len(sampler.regions_) == 60
    assert set(sampler.regions_["region"]) <= set(REGION_NAMES)
    assert sampler.guide_regions_[1] == ["safe", "border"]
    scores = sampler.classifier_scores_[1]
    assert 0 <= scores["balanced_accuracy"] <= 1
    assert 0 <= scores["auc"] <= 1
    assert scores["n_negative"] == 300
    assert sampler.recentre_shift_[1].shape == (2,)
    assert np.abs(sampler.recentre_shift_[1]).sum() > 0
    plain = LReDDPM(region=["safe", "border"], **TINY)  # final_step="none"
    plain.fit_resample(X, y)
    assert not np.abs(plain.recentre_shift_[1]).any()
    assert plain.models_[1].shift is None


def test_n_samples_region_adds_as_many_rows_as_the_region(two_clusters):
    X, y = two_clusters
    sampler = LReDDPM(region="safe", n_samples="region", **TINY)
    _X_res, y_res = sampler.fit_resample(X, y)
    n_safe = sampler.region_sizes_[1]["safe"]
    assert len(y_res) - len(y) == n_safe
    assert sampler.sampling_strategy_ == {1: n_safe}


@pytest.mark.parametrize("guidance", ["region_noisy", "noisy"])
def test_noisy_classifiers(two_clusters, guidance):
    X, y = two_clusters
    sampler = LReDDPM(region="safe", guidance=guidance, **TINY)
    X_res, _ = sampler.fit_resample(X, y)
    assert np.isfinite(X_res).all()
    expected = 60 if guidance == "noisy" else sampler.region_sizes_[1]["safe"]
    assert sampler.classifier_scores_[1]["n_positive"] == expected


def test_train_on_region_trains_the_ddpm_on_the_region(two_clusters, tmp_path):
    X, y = two_clusters
    minority = LReDDPM(region="safe", model_cache=tmp_path, **TINY)
    region = LReDDPM(region="safe", train_on="region", model_cache=tmp_path, **TINY)
    minority.fit_resample(X, y)
    region.fit_resample(X, y)
    # Two different training sets: two cached models.
    assert len(list(tmp_path.glob("*.safetensors"))) == 2


def test_model_cache_gives_the_same_rows_without_training(two_clusters, tmp_path):
    X, y = two_clusters
    first = LReDDPM(region="safe", model_cache=tmp_path, **TINY)
    X1, _ = first.fit_resample(X, y)
    (cached,) = tmp_path.glob("*.safetensors")
    stamp = cached.stat().st_mtime_ns
    second = LReDDPM(region="safe", model_cache=tmp_path, **TINY)
    X2, _ = second.fit_resample(X, y)
    assert np.array_equal(X1, X2)
    assert cached.stat().st_mtime_ns == stamp
    assert second.models_[1].history.steps == first.models_[1].history.steps


def test_pandas_and_nominal_columns(mixed_data_complete):
    X, y = mixed_data_complete
    sampler = LReDDPM(region=ALL_REGIONS, **TINY)
    X_res, _y_res = sampler.fit_resample(X, y)
    assert list(X_res.columns) == list(X.columns)
    new = X_res.iloc[len(X) :]
    for column in ("nom_c", "nom_d"):
        assert set(new[column]) <= set(X[column])
    composition = sampler.synthetic_region_composition(X, y, random_state=0)
    assert list(composition.index) == ALL_REGIONS
    assert composition["count"].sum() == (y == 1).sum()
    assert composition["share"].sum() == pytest.approx(1.0)


def test_synthetic_region_composition_of_given_rows(two_clusters):
    X, y = two_clusters
    sampler = LReDDPM(region="safe", **TINY)
    sampler.fit_resample(X, y)
    rng = np.random.default_rng(1)
    near_safe = SAFE + rng.normal(0, 0.3, (30, 2))
    composition = sampler.synthetic_region_composition(X, y, near_safe)
    assert composition.loc["safe", "count"] == 30
    with pytest.raises(ValueError, match="training data"):
        sampler.synthetic_region_composition(X[:100], y[:100], near_safe)


def test_auto_picks_a_region_and_tau_by_inner_cv(two_clusters):
    X, y = two_clusters
    sampler = LReDDPM(region="auto", auto_folds=2, **TINY)
    sampler.fit_resample(X, y)
    choice = sampler.auto_choice_[1]
    assert choice["region"] in REGION_NAMES
    assert choice["tau"] in {"1", "60", "1/sqrt(beta)", "60/sqrt(beta)"}
    table = sampler.auto_scores_
    assert {"region", "tau", "mean_f1", "folds", "label"} <= set(table.columns)
    complete = table[table["folds"] == 2]
    best = complete.loc[complete["mean_f1"].idxmax()]
    assert (best["region"], best["tau"]) == (choice["region"], choice["tau"])
    assert sampler.guide_regions_[1] == [choice["region"]]


@pytest.mark.parametrize("strategy", ["auto", 0.9])
def test_auto_with_a_low_imbalance_ratio(strategy):
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(0, 1, (150, 2)), rng.normal(1.5, 1, (100, 2))])
    y = np.array([0] * 150 + [1] * 100)
    sampler = LReDDPM(region="auto", auto_folds=2, **TINY)
    sampler.set_params(sampling_strategy=strategy)
    _, y_res = sampler.fit_resample(X, y)
    assert (y_res == 1).sum() == 100 + sampler.sampling_strategy_[1]
    assert sampler.auto_choice_[1]["region"] in REGION_NAMES


def test_multiclass_string_labels_and_their_save(tmp_path):
    rng = np.random.default_rng(5)
    X = np.vstack(
        [
            rng.normal(0, 1, (120, 2)),
            rng.normal(3, 1, (40, 2)),
            rng.normal(-3, 1, (30, 2)),
        ]
    )
    y = np.array(["big"] * 120 + ["mid"] * 40 + ["small"] * 30, dtype=object)
    sampler = LReDDPM(region=ALL_REGIONS, **TINY)
    _, y_res = sampler.fit_resample(X, y)
    assert pd.Series(y_res).value_counts().to_dict() == {
        "big": 120,
        "mid": 120,
        "small": 120,
    }
    assert set(sampler.regions_["label"]) == {"mid", "small"}
    sampler.save(tmp_path / "model")
    loaded = LReDDPM.load(tmp_path / "model")
    assert np.array_equal(
        loaded.sample(5, label="small", random_state=0),
        sampler.sample(5, label="small", random_state=0),
    )


def test_save_with_array_tau_and_path_cache(two_clusters, tmp_path):
    X, y = two_clusters
    taus = np.linspace(0.0, 2.0, TINY["n_timesteps"])
    sampler = LReDDPM(region="safe", **{**TINY, "model_cache": tmp_path / "cache"})
    sampler.set_params(tau=taus)
    sampler.fit_resample(X, y)
    sampler.save(tmp_path / "model")
    loaded = LReDDPM.load(tmp_path / "model")
    assert np.array_equal(loaded.taus_[1], taus)
    assert loaded.model_cache == str(tmp_path / "cache")


# -- bad input -------------------------------------------------------------------


def test_a_region_too_small_names_every_size_and_suggests_one():
    rng = np.random.default_rng(0)
    # Ten minority rows far from the majority: all safe, no border example.
    X = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(8, 0.3, (10, 2))])
    y = np.array([0] * 100 + [1] * 10)
    with pytest.raises(ValueError, match="too few to guide") as error:
        LReDDPM(region="border", **TINY).fit_resample(X, y)
    message = str(error.value)
    assert "region 'border' of class 1 has 0 training example(s)" in message
    assert "safe 10, border 0, rare 0, outlier 0" in message
    assert "try region='safe'" in message


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"region": "middle"}, "unknown region 'middle'"),
        ({"region": ["safe", "edge"]}, "unknown region 'edge'"),
        ({"region": []}, "region must be"),
        ({"tau": -1}, "must be >= 0"),
        ({"tau": "-2/sqrt(beta)"}, "unknown tau|must be >= 0"),
        ({"tau": "fast"}, "unknown tau 'fast'"),
        ({"tau": float("nan")}, "finite"),
        ({"tau": [1, 2]}, "one value per step"),
        ({"tau": {"t": 1}}, "must be a number"),
        ({"tau": ["a"] * 20}, "must be a number"),
        ({"tau": lambda t: -t}, "must be >= 0"),
        ({"guidance": "both"}, "'guidance' parameter of LReDDPM must be"),
        ({"final_step": "mean"}, "'final_step' parameter of LReDDPM must be"),
        ({"train_on": "all"}, "'train_on' parameter of LReDDPM must be"),
        ({"n_samples": 10}, "'n_samples' parameter of LReDDPM must be"),
        ({"max_grad_norm": 0}, "max_grad_norm"),
        ({"classifier_options": {"epochs": 3}}, "unknown classifier option"),
        ({"auto_metric": "loss"}, "unknown auto_metric"),
        ({"sampling_method": "euler"}, "'sampling_method' parameter of LReDDPM"),
    ],
)
def test_bad_parameters_are_clear_errors(two_clusters, params, match):
    X, y = two_clusters
    with pytest.raises(ValueError, match=match):
        LReDDPM(**{**TINY, "region": "safe", **params}).fit_resample(X, y)


def test_an_infinite_clip_is_the_raw_gradient(two_clusters):
    X, y = two_clusters
    params = {**TINY, "region": "safe", "random_state": 0}
    raw = LReDDPM(**params, max_grad_norm=None).fit_resample(X, y)[0]
    infinite = LReDDPM(**params, max_grad_norm=float("inf")).fit_resample(X, y)[0]
    clipped = LReDDPM(**params, max_grad_norm=1e-3).fit_resample(X, y)[0]
    assert np.array_equal(raw, infinite)
    assert not np.array_equal(raw, clipped)


class _NaNClassifier(GuidanceClassifier):
    def forward(self, x, t=None):
        return super().forward(x, t) * float("nan")


def test_non_finite_guidance_stops_sampling(two_clusters):
    X, y = two_clusters
    sampler = LReDDPM(region="safe", **TINY)
    sampler.fit_resample(X, y)
    fitted = sampler.models_[1]
    taus = tau_values(sampler.tau, sampler.diffusion_.betas)
    fitted.guidance = classifier_guidance(_NaNClassifier(2, hidden=(4,)), taus)
    with pytest.raises(ValueError, match="guidance produced non-finite values"):
        sampler.sample(10, random_state=0)


@pytest.mark.parametrize("tau", ["60/sqrt(beta)", lambda t: 0.5 * t])
def test_save_and_load_keep_the_guidance(mixed_data_complete, tmp_path, tau):
    X, y = mixed_data_complete
    sampler = LReDDPM(region=ALL_REGIONS, tau=tau, **TINY)
    sampler.fit_resample(X, y)
    sampler.save(tmp_path / "model")
    loaded = LReDDPM.load(tmp_path / "model")
    expected = sampler.sample(30, random_state=4)
    pd.testing.assert_frame_equal(loaded.sample(30, random_state=4), expected)
    assert np.array_equal(loaded.taus_[1], sampler.taus_[1])
    assert loaded.guide_regions_ == sampler.guide_regions_
    assert loaded.classifier_scores_ == sampler.classifier_scores_
    assert np.array_equal(loaded.recentre_shift_[1], sampler.recentre_shift_[1])
    pd.testing.assert_frame_equal(
        loaded.regions_, sampler.regions_, check_index_type=False
    )
    composition = loaded.synthetic_region_composition(X, y, expected)
    assert composition["count"].sum() == 30


def test_sample_keeps_guidance_and_shift(two_clusters):
    X, y = two_clusters
    sampler = LReDDPM(region="safe", **TINY)
    sampler.fit_resample(X, y)
    rows = sampler.sample(40, random_state=3)
    again = sampler.sample(40, random_state=3)
    assert np.array_equal(rows, again)
    assert isinstance(rows, np.ndarray)
    assert rows.shape == (40, 2)


def test_dataframe_round_trip_types(two_clusters):
    X, y = two_clusters
    frame = pd.DataFrame(X, columns=["a", "b"])
    X_res, _y_res = LReDDPM(region="safe", **TINY).fit_resample(frame, pd.Series(y))
    assert isinstance(X_res, pd.DataFrame)
    assert list(X_res.columns) == ["a", "b"]


def test_the_default_region_falls_back_and_says_which_guides():
    from imbdiff.samplers import REGION_FALLBACK, RegionFallbackWarning

    # A minority scattered through the majority: no safe or border example.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.uniform(0, 1, (200, 2)), rng.uniform(0, 1, (20, 2))])
    y = np.array([0] * 200 + [1] * 20)
    sampler = LReDDPM(**TINY)
    assert sampler.region is None
    with pytest.warns(RegionFallbackWarning, match="0 safe training example") as caught:
        _, y_res = sampler.fit_resample(X, y)
    assert "safe+border+rare+outlier (20 examples) guides it" in str(caught[0].message)
    assert np.bincount(y_res).tolist() == [200, 200]
    assert sampler.region_sizes_[1]["safe"] == 0
    assert sampler.guide_regions_[1] == list(REGION_FALLBACK[-1])


def test_the_default_region_is_safe_where_it_is_large_enough(two_clusters):
    import warnings

    X, y = two_clusters
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback, no warning
        sampler = LReDDPM(**TINY)
        sampler.fit_resample(X, y)
    assert sampler.guide_regions_[1] == ["safe"]


def test_a_named_region_too_small_is_still_an_error():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.uniform(0, 1, (200, 2)), rng.uniform(0, 1, (20, 2))])
    y = np.array([0] * 200 + [1] * 20)
    with pytest.raises(ValueError, match="region 'safe' of class 1 has 0 training"):
        LReDDPM(**TINY, region="safe").fit_resample(X, y)


def test_fit_resample_chunks_are_the_guided_rows_of_fit_resample(two_clusters):
    X, y = two_clusters
    params = {**TINY, "region": "safe", "final_step": "recentre"}
    X_res, _ = LReDDPM(**params).fit_resample(X, y)
    chunks = list(LReDDPM(**params).fit_resample_chunks(X, y))
    np.testing.assert_array_equal(
        np.vstack([rows for rows, _ in chunks]), X_res[len(X) :]
    )
    smaller = LReDDPM(**params).fit_resample_chunks(X, y, chunk_rows=100)
    assert [len(rows) for rows, _ in smaller] == [100, 100, 40]


def test_the_guidance_classifier_sees_at_most_so_many_other_rows(
    two_clusters, monkeypatch
):
    from imbdiff.samplers import _lreddpm

    X, y = two_clusters
    full = LReDDPM(**TINY, region="safe")
    full.fit_resample(X, y)
    monkeypatch.setattr(_lreddpm, "GUIDANCE_NEGATIVES", 120)
    capped = LReDDPM(**TINY, region="safe")
    capped.fit_resample(X, y)
    full_scores, capped_scores = (
        full.classifier_scores_[1],
        capped.classifier_scores_[1],
    )
    assert full_scores["n_positive"] == capped_scores["n_positive"]
    assert (full_scores["n_negative"], capped_scores["n_negative"]) == (300, 120)
