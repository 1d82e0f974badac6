import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

from imbdiff import FinDiff, SEMResDDPM, TabDDPM

TINY = {"n_timesteps": 20, "train_steps": 20, "batch_size": 64}
SEMST_TINY = {"width": 8, "n_heads": 2, "n_blocks": 1}


def _numpy_state():
    _, keys, position, *_ = np.random.get_state()  # noqa: NPY002
    return keys.copy(), position


def _same(a, b):
    return np.array_equal(a[0], b[0]) and a[1] == b[1]


def _make(cls, **extra):
    options = {"denoiser_options": SEMST_TINY} if cls is SEMResDDPM else {}
    return cls(**TINY, **options, **extra)


@pytest.fixture
def mixed_frame():
    rng = np.random.default_rng(0)
    n = 120
    y = pd.Series(np.where(rng.random(n) < 0.25, "rare", "common"), name="label")
    X = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 50.0, n),
            "count": rng.integers(0, 9, n),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], n)),
            "flag": rng.random(n) < 0.5,
        }
    )
    return X, y


@pytest.mark.parametrize("cls", [TabDDPM, FinDiff, SEMResDDPM])
def test_pandas_in_pandas_out(cls, mixed_frame):
    X, y = mixed_frame
    X_res, y_res = _make(cls, random_state=0).fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame)
    assert list(X_res.columns) == list(X.columns)
    assert (X_res.dtypes == X.dtypes).all()
    majority = int(y.value_counts().max())
    assert y_res.value_counts().to_dict() == {"common": majority, "rare": majority}
    new = X_res.iloc[len(X) :]
    assert set(new["kind"]) <= set(X.loc[y == "rare", "kind"])
    assert list(X_res["kind"].cat.categories) == ["a", "b", "c"]
    rare = X[y == "rare"]
    assert new["amount"].between(rare["amount"].min(), rare["amount"].max()).all()
    assert new["count"].between(rare["count"].min(), rare["count"].max()).all()


@pytest.mark.parametrize("cls", [TabDDPM, SEMResDDPM])
def test_same_seed_same_rows_and_global_state_untouched(cls, mixed_frame):
    X, y = mixed_frame
    torch_state = torch.random.get_rng_state()
    numpy_state = _numpy_state()
    a = _make(cls, random_state=3).fit_resample(X, y)[0]
    b = _make(cls, random_state=3).fit_resample(X, y)[0]
    pd.testing.assert_frame_equal(a, b)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert _same(_numpy_state(), numpy_state)
    c = _make(cls, random_state=4).fit_resample(X, y)[0]
    assert not a.equals(c)


def test_no_seed_leaves_the_global_state_alone(mixed_frame):
    X, y = mixed_frame
    numpy_state = _numpy_state()
    torch_state = torch.random.get_rng_state()
    sampler = _make(TabDDPM)
    sampler.fit_resample(X, y)
    sampler.sample(5)
    assert _same(_numpy_state(), numpy_state)
    assert torch.equal(torch.random.get_rng_state(), torch_state)


@pytest.mark.parametrize("solver", ["ddim", "dpm-solver++"])
def test_few_step_sampling(mixed_frame, solver):
    X, y = mixed_frame
    X_res, _ = _make(
        TabDDPM, random_state=0, sampling_method=solver, sampling_steps=5
    ).fit_resample(X, y)
    assert len(X_res) == 2 * int(y.value_counts().max())


def test_stochastic_ddim_differs_from_deterministic(mixed_frame):
    X, y = mixed_frame
    params = {"random_state": 0, "sampling_method": "ddim", "sampling_steps": 5}
    sampler = _make(TabDDPM, **params)
    sampler.fit_resample(X, y)
    plain = sampler.sample(20, random_state=1)
    noisy = sampler.set_params(ddim_eta=1.0).sample(20, random_state=1)
    assert not plain.equals(noisy)
    assert plain.equals(sampler.set_params(ddim_eta=0.0).sample(20, random_state=1))


def test_in_a_pipeline_with_grid_search():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 3))
    y = (rng.random(90) < 0.3).astype(int)
    pipe = Pipeline(
        [
            ("over", _make(TabDDPM, random_state=0)),
            ("tree", DecisionTreeClassifier(random_state=0)),
        ]
    )
    search = GridSearchCV(pipe, {"tree__max_depth": [2, 3]}, cv=3, scoring="f1")
    search.fit(X, y)
    assert search.best_params_["tree__max_depth"] in (2, 3)


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.array([0] * 19 + [1])
    with pytest.raises(ValueError, match="at least 2 rows"):
        _make(TabDDPM).fit_resample(X, y)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="missing"):
        _make(TabDDPM).fit_resample(X_nan, np.array([0] * 14 + [1] * 6))
    with pytest.raises(ValueError, match=r"single class|more than 1 class"):
        _make(TabDDPM).fit_resample(X, np.zeros(20))
    with pytest.raises(ValueError, match="train_steps"):
        TabDDPM(train_steps=0).fit_resample(X, np.array([0] * 14 + [1] * 6))
    with pytest.raises(ValueError, match="'denoiser' parameter of TabDDPM"):
        TabDDPM(denoiser="gru").fit_resample(X, np.array([0] * 14 + [1] * 6))


def test_constant_column_is_reproduced():
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.normal(size=40), np.full(40, 7.0)])
    y = np.array([0] * 30 + [1] * 10)
    X_res, _ = _make(TabDDPM, random_state=0).fit_resample(X, y)
    assert (X_res[:, 1] == 7.0).all()


def test_one_hot_adapter_is_transparent_on_numbers_and_decodes_categories():
    from imblearn.over_sampling import SMOTE

    from imbdiff.samplers import OneHotOverSampler, make_sampler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = np.array([0] * 60 + [1] * 20)
    plain = SMOTE(random_state=0).fit_resample(X, y)
    adapted = OneHotOverSampler(sampler=SMOTE(), random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(plain[0], adapted[0])
    np.testing.assert_array_equal(plain[1], adapted[1])

    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["kind"] = pd.Categorical(rng.choice(["p", "q", "r"], 80))
    for method in ("smote", "adasyn", "borderline"):
        sampler = make_sampler(method, {"random_state": 0})
        X_res, y_res = sampler.fit_resample(frame, y)
        assert list(X_res.columns) == list(frame.columns)
        assert X_res["kind"].dtype == frame["kind"].dtype
        assert set(X_res["kind"]) <= {"p", "q", "r"}
        assert (y_res == 1).sum() > 20


@pytest.fixture
def training_draws(monkeypatch):
    """The rows drawn at each training step (one entry per step)."""
    from imbdiff.diffusion import GaussianDiffusion

    draws = []
    loss = GaussianDiffusion.training_loss

    def counting(self, model, x, *args, **kwargs):
        draws.append(x.shape[0])
        return loss(self, model, x, *args, **kwargs)

    monkeypatch.setattr(GaussianDiffusion, "training_loss", counting)
    return draws


def _sixteen_row_class():
    rng = np.random.default_rng(0)
    return rng.normal(size=(80, 3)), np.array([0] * 64 + [1] * 16)


@pytest.mark.parametrize(("cap_batch", "expected"), [(False, 64), (True, 16)])
def test_a_16_row_class_trains_on_batch_size_draws(training_draws, cap_batch, expected):
    sampler = _make(TabDDPM, random_state=0, cap_batch=cap_batch)
    sampler.fit_resample(*_sixteen_row_class())
    assert training_draws == [expected] * TINY["train_steps"]


@pytest.mark.parametrize(("conditional", "expected"), [(False, 16), (True, 30)])
def test_auto_budget_scales_with_the_rows_trained_on(
    monkeypatch, training_draws, conditional, expected
):
    from imbdiff.samplers import base

    # One step per row within (3, 30): the 16-row class trains 16 steps, the
    # conditional model on all 80 rows stops at the cap.
    monkeypatch.setattr(base, "AUTO_STEPS_PER_ROW", 1)
    monkeypatch.setattr(base, "AUTO_STEPS_BOUNDS", (3, 30))
    params = {**TINY, "train_steps": "auto", "conditional": conditional}
    TabDDPM(random_state=0, **params).fit_resample(*_sixteen_row_class())
    assert len(training_draws) == expected


def test_auto_budget_shares_the_cached_model_of_the_equal_number(tmp_path):
    X, y = _sixteen_row_class()
    # 16 rows x 10 steps is below the floor: "auto" trains 500 steps.
    params = {**TINY, "n_timesteps": 5, "model_cache": tmp_path}
    first = TabDDPM(random_state=0, **{**params, "train_steps": "auto"})
    first.fit_resample(X, y)
    (saved,) = tmp_path.iterdir()
    second = TabDDPM(random_state=0, **{**params, "train_steps": 500})
    second.fit_resample(X, y)
    assert list(tmp_path.iterdir()) == [saved]
    assert first.models_[1].history.steps == 500
    assert second.models_[1].history.steps == 500


def _two_clusters():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        np.vstack([rng.normal(0.0, 0.3, (80, 2)), rng.normal(5.0, 0.3, (20, 2))]),
        columns=["a", "b"],
    )
    return X, np.array([0] * 80 + [1] * 20)


def _planted(sampler, where):
    """Make ``sampler`` generate rows at ``where(call, n)`` instead of from its
    model; returns the list of row counts asked for."""
    asked = []

    def generate(fitted, diffusion, n, device, seed):
        asked.append(n)
        return pd.DataFrame(where(len(asked), n), columns=["a", "b"])

    sampler._generate = generate
    return asked


def test_neighbour_filter_drops_a_row_planted_among_the_majority():
    X, y = _two_clusters()
    sampler = _make(TabDDPM, random_state=0, neighbour_filter=True)

    def where(call, n):
        rows = np.full((n, 2), 5.0)
        if call == 1:
            rows[3] = 0.0  # among the majority: all 5 real neighbours are class 0
        return rows

    asked = _planted(sampler, where)
    X_res, y_res = sampler.fit_resample(X, y)
    assert asked == [60, 1]  # one replacement drawn for the dropped row
    assert sampler.filtered_ == {1: 1}
    new = X_res.iloc[len(X) :]
    assert len(new) == 60
    assert (new.to_numpy() == 5.0).all()
    assert (pd.Series(y_res).value_counts() == 80).all()


def test_neighbour_filter_keeps_what_passed_and_warns_after_its_rounds():
    from imbdiff.samplers import FILTER_ROUNDS, NeighbourFilterWarning

    X, y = _two_clusters()
    sampler = _make(TabDDPM, random_state=0, neighbour_filter=True)
    # Two of every draw land among the majority, again and again.
    asked = _planted(
        sampler,
        lambda call, n: np.where(np.arange(n)[:, None] < 2, 0.0, np.full((n, 2), 5.0)),
    )
    with pytest.warns(NeighbourFilterWarning, match="58 of the 60 rows"):
        X_res, _ = sampler.fit_resample(X, y)
    assert asked == [60] + [2] * (FILTER_ROUNDS - 1)
    assert sampler.filtered_ == {1: 2 * FILTER_ROUNDS}
    assert len(X_res) == len(X) + 58


def test_without_the_filter_nothing_is_dropped():
    X, y = _two_clusters()
    sampler = _make(TabDDPM, random_state=0)
    _planted(sampler, lambda call, n: np.zeros((n, 2)))
    X_res, _ = sampler.fit_resample(X, y)
    assert len(X_res) == 160
    assert sampler.filtered_ == {1: 0}


def _three_clusters():
    rng = np.random.default_rng(0)
    centres = {0: (0.0, 0.0), 1: (5.0, 5.0), 2: (-5.0, 5.0)}
    sizes = {0: 200, 1: 30, 2: 20}
    X = np.vstack([rng.normal(centres[c], 0.5, (sizes[c], 2)) for c in sizes])
    y = np.repeat(list(sizes), list(sizes.values()))
    return X, y, centres


# The class-2 share, 20 of 250 rows, is where a model that ignored its label
# would put 8% of its rows; guidance above 1 sharpens the class.
@pytest.mark.parametrize(("weight", "share"), [(1.0, 0.75), (2.0, 0.9)])
def test_class_conditional_sampling_returns_rows_of_the_asked_label(
    weight, share, tmp_path
):
    X, y, centres = _three_clusters()
    sampler = TabDDPM(
        conditional=True,
        cfg_weight=weight,
        train_steps=400,
        n_timesteps=50,
        random_state=0,
    )
    X_res, y_res = sampler.fit_resample(X, y)
    # One network for every class, drawn with each class's own label.
    assert sampler.models_[1].model is sampler.models_[2].model
    assert {sampler.models_[c].label_index for c in (1, 2)} == {1, 2}
    new, labels = X_res[len(X) :], y_res[len(X) :]
    for c in (1, 2):
        rows = new[labels == c]
        assert len(rows) == 170 + (c == 2) * 10
        nearest = np.argmin(
            [np.linalg.norm(rows - centres[k], axis=1) for k in centres], axis=0
        )
        assert (nearest == c).mean() > share
    sampler.save(tmp_path / "model")
    loaded = TabDDPM.load(tmp_path / "model")
    np.testing.assert_array_equal(
        loaded.sample(10, label=2, random_state=1),
        sampler.sample(10, label=2, random_state=1),
    )


def test_conditional_training_drops_labels_to_the_null_class(monkeypatch):
    from imbdiff.diffusion import GaussianDiffusion

    seen = []
    loss = GaussianDiffusion.training_loss

    def recording(self, model, x, y=None, **kwargs):
        seen.append(y.clone())
        return loss(self, model, x, y, **kwargs)

    monkeypatch.setattr(GaussianDiffusion, "training_loss", recording)
    X, y, _ = _three_clusters()
    _make(TabDDPM, conditional=True, label_dropout=0.5, random_state=0).fit_resample(
        X, y
    )
    labels = torch.cat(seen)
    assert set(labels.tolist()) == {0, 1, 2, 3}  # 3: "no class"
    assert 0.4 < (labels == 3).float().mean() < 0.6


def test_rows_are_generated_in_chunks(mixed_frame, monkeypatch):
    from imbdiff.samplers import base

    X, y = mixed_frame
    sampler = _make(TabDDPM, random_state=0, sampling_method="ddim", sampling_steps=5)
    sampler.fit_resample(X, y)
    whole = sampler.sample(20, label="rare", random_state=3)
    chunks = list(sampler.sample_chunks(20, label="rare", random_state=3))
    assert len(chunks) == 1
    pd.testing.assert_frame_equal(chunks[0], whole)
    monkeypatch.setattr(base, "GENERATION_CHUNK", 8)
    chunked = sampler.sample(20, label="rare", random_state=3)
    assert len(chunked) == 20
    # The first chunk is the draw of the seed itself; later chunks draw with
    # seeds of their own.
    first = sampler.sample(8, label="rare", random_state=3)
    pd.testing.assert_frame_equal(chunked.iloc[:8], first)
    assert not chunked.iloc[8:16].reset_index(drop=True).equals(first)
    parts = list(sampler.sample_chunks(20, label="rare", random_state=3))
    assert [len(p) for p in parts] == [8, 8, 4]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), chunked)
    assert [len(p) for p in sampler.sample_chunks(5, label="rare", chunk_rows=2)] == [
        2,
        2,
        1,
    ]
    with pytest.raises(ValueError, match="n must be"):
        sampler.sample_chunks(0, label="rare")  # at the call, not at iteration


@pytest.mark.parametrize("filtered", [False, True])
def test_fit_resample_chunks_are_the_rows_fit_resample_adds(
    mixed_frame, monkeypatch, filtered
):
    from imbdiff.samplers import base

    X, y = mixed_frame
    monkeypatch.setattr(base, "GENERATION_CHUNK", 16)
    params = {"random_state": 0, "sampling_method": "ddim", "sampling_steps": 5}
    params["neighbour_filter"] = filtered
    X_res, y_res = _make(TabDDPM, **params).fit_resample(X, y)
    chunks = list(_make(TabDDPM, **params).fit_resample_chunks(X, y))
    sizes = [len(rows) for rows, _ in chunks]
    added = len(X_res) - len(X)
    in_chunks = [min(16, added - start) for start in range(0, added, 16)]
    assert sizes == ([added] if filtered else in_chunks)
    rows = pd.concat([rows for rows, _ in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(rows, X_res.iloc[len(X) :].reset_index(drop=True))
    labels = np.concatenate([labels for _, labels in chunks])
    np.testing.assert_array_equal(labels, np.asarray(y_res)[len(X) :])
