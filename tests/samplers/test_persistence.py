import hashlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from imbdiff import FinDiff, SEMResDDPM, TabDDPM

TINY = {"n_timesteps": 20, "train_steps": 20, "batch_size": 64, "random_state": 0}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 80
    y = np.where(rng.random(n) < 0.3, 1, 0)
    X = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 50.0, n),
            "count": rng.integers(0, 9, n),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        }
    )
    return X, y


@pytest.mark.parametrize(
    ("cls", "options"),
    [
        (TabDDPM, {}),
        (FinDiff, {}),
        (SEMResDDPM, {"denoiser_options": {"width": 8, "n_heads": 2, "n_blocks": 1}}),
    ],
)
def test_save_load_sample_reproduces_the_saved_model(cls, options, data, tmp_path):
    X, y = data
    sampler = cls(**TINY, **options)
    sampler.fit_resample(X, y)
    expected = sampler.sample(15, random_state=7)
    sampler.save(tmp_path / "model")
    loaded = cls.load(tmp_path / "model", device="cpu")
    got = loaded.sample(15, random_state=7)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got["kind"].cat.categories) == ["a", "b", "c"]
    assert (got.dtypes == X.dtypes).all()
    assert loaded.get_params()["train_steps"] == 20


def test_a_loaded_model_refuses_categories_unseen_in_training(data, tmp_path):
    X, y = data
    sampler = TabDDPM(**TINY)
    sampler.fit_resample(X, y)
    sampler.save(tmp_path / "model")
    loaded = TabDDPM.load(tmp_path / "model")
    encoder = loaded.models_[1].encoder
    # The sampler's encoders see the columns by position.
    known = X.iloc[:3].set_axis(encoder.columns_, axis=1)
    assert encoder.transform(known).shape == (3, encoder.n_encoded_)
    unseen = known.copy()
    unseen[encoder.columns_[2]] = pd.Categorical(["a", "zebra", "b"])
    with pytest.raises(ValueError, match=r"unseen in training: \['zebra'\]"):
        encoder.transform(unseen)
    with pytest.raises(ValueError, match="no model for class"):
        loaded.sample(3, label="fraud")


def test_sample_needs_a_fitted_sampler_and_a_known_class(data):
    X, y = data
    with pytest.raises(ValueError, match="not fitted"):
        TabDDPM().sample(3)
    sampler = TabDDPM(**TINY)
    sampler.fit_resample(X, y)
    with pytest.raises(ValueError, match="no model for class"):
        sampler.sample(3, label=5)
    assert len(sampler.sample(4)) == 4


def test_corrupt_foreign_and_newer_files(data, tmp_path):
    X, y = data
    sampler = TabDDPM(**TINY)
    sampler.fit_resample(X, y)
    folder = tmp_path / "model"
    sampler.save(folder)
    config = json.loads((folder / "model.json").read_text())

    with pytest.raises(ValueError, match="not a saved imbdiff model"):
        TabDDPM.load(tmp_path / "nothing")

    (folder / "weights.safetensors").write_bytes(b"\x00garbage")
    with pytest.raises(ValueError, match="corrupt"):
        TabDDPM.load(folder)

    sampler.save(folder, overwrite=True)
    (folder / "model.json").write_text(json.dumps({**config, "library": "other"}))
    with pytest.raises(ValueError, match="not written by imbdiff"):
        TabDDPM.load(folder)

    (folder / "model.json").write_text(json.dumps({**config, "version": "99.0.0"}))
    with pytest.raises(ValueError, match="newer than this"):
        TabDDPM.load(folder)

    (folder / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt"):
        TabDDPM.load(folder)

    (folder / "model.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="holds a TabDDPM, not a SEMResDDPM"):
        SEMResDDPM.load(folder)


@pytest.mark.parametrize(
    ("version", "then", "tokens"),
    [
        # imbdiff 0.1.0 gave SEMST one token per attribute however many;
        ("0.1.0", {"max_tokens": None}, 70),
        # 0.2.0 grouped a table over the bound into as many tokens as the bound.
        ("0.2.0", {"grouped_tokens": None}, 64),
    ],
)
def test_a_wide_semst_model_keeps_the_tokens_it_was_saved_with(
    tmp_path, version, then, tokens
):
    # A file saved by an older imbdiff must not be rebuilt with today's
    # grouping of wide tables.
    from imbdiff.samplers import UncheckedModelWarning
    from imbdiff.samplers._persistence import _canonical

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 70))
    y = np.array([0] * 45 + [1] * 15)
    options = {"width": 4, "n_heads": 1, "n_blocks": 1}
    sampler = SEMResDDPM(**TINY, denoiser_options={**options, **then})
    sampler.fit_resample(X, y)
    assert sampler.models_[1].model.n_tokens == tokens
    sampler.save(tmp_path / "model")
    config_file = tmp_path / "model" / "model.json"
    config = json.loads(config_file.read_text())
    config["params"]["denoiser_options"] = options  # as that version saved them
    config["version"] = version
    if version == "0.1.0":  # format 2, without checksums
        config["format"] = 2
        for key in ("config_sha256", "weights_sha256"):
            config.pop(key)
    else:
        config["config_sha256"] = hashlib.sha256(_canonical(config)).hexdigest()
    config_file.write_text(json.dumps(config))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = SEMResDDPM.load(tmp_path / "model")
    unchecked = [w for w in caught if w.category is UncheckedModelWarning]
    assert len(unchecked) == (version == "0.1.0")
    assert loaded.models_[1].model.n_tokens == tokens
    np.testing.assert_array_equal(
        loaded.sample(5, random_state=3), sampler.sample(5, random_state=3)
    )
    # Fitted today, the same options group the table into 32 tokens.
    today = SEMResDDPM(**TINY, denoiser_options=options)
    today.fit_resample(X, y)
    assert today.models_[1].model.n_tokens == 32


def test_every_diffusion_sampler_class_is_registered_under_its_name():
    from imbdiff.samplers import DiffusionOverSampler
    from imbdiff.samplers._persistence import _CLASSES

    def family(cls):
        return {cls}.union(*(family(c) for c in cls.__subclasses__()))

    classes = family(DiffusionOverSampler)
    ours = {c for c in classes if c.__module__.startswith("imbdiff.")}
    assert len(ours) >= 5
    assert {c.__name__: c for c in ours}.items() <= _CLASSES.items()


def test_a_second_class_under_a_registered_name_is_refused():
    from imbdiff.samplers import DiffusionOverSampler
    from imbdiff.samplers._persistence import register_sampler

    class TabDDPM(DiffusionOverSampler):
        pass

    with pytest.raises(ValueError, match="named 'TabDDPM' is registered already"):
        register_sampler(TabDDPM)


def test_a_fresh_process_loads_a_model_through_the_base_class(data, tmp_path):
    import subprocess
    import sys

    X, y = data
    sampler = SEMResDDPM(**TINY, denoiser_options={"width": 8, "n_blocks": 1})
    sampler.fit_resample(X, y)
    sampler.save(tmp_path / "model")
    code = (
        "import sys; from imbdiff.samplers.base import DiffusionOverSampler as D; "
        "print(type(D.load(sys.argv[1], device='cpu')).__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "model")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "SEMResDDPM"


def test_a_reloaded_module_registers_its_classes_again(monkeypatch):
    from imbdiff.samplers import DiffusionOverSampler, _persistence

    monkeypatch.setattr(_persistence, "_CLASSES", dict(_persistence._CLASSES))

    def define():  # as a module's reload defines the class again
        attributes = {"__module__": "elsewhere", "__qualname__": "Twice"}
        return type("Twice", (DiffusionOverSampler,), attributes)

    _persistence.register_sampler(define())
    again = _persistence.register_sampler(define())
    assert _persistence._CLASSES["Twice"] is again


def test_a_model_whose_class_does_not_use_its_guidance_is_refused(data, tmp_path):
    from imbdiff.samplers._persistence import _canonical

    X, y = data
    sampler = TabDDPM(**TINY)
    sampler.fit_resample(X, y)
    sampler.save(tmp_path / "model")
    config_file = tmp_path / "model" / "model.json"
    config = json.loads(config_file.read_text())
    config["classes"][0]["guide"] = {"taus": [1.0]}  # what LReDDPM saves
    config["config_sha256"] = hashlib.sha256(_canonical(config)).hexdigest()
    config_file.write_text(json.dumps(config))
    with pytest.raises(ValueError, match="carries guidance, which a TabDDPM has not"):
        TabDDPM.load(tmp_path / "model")
