"""Drawing rows from a diffusion sampler's fitted models.

The generation of ``fit_resample`` (a class's rows, with the neighbour
filter, or noted for :meth:`fit_resample_chunks` to make in chunks), the
reverse process itself, and the draws of a fitted sampler (``sample``,
``sample_chunks``), as methods that
:class:`~imbdiff.samplers.DiffusionOverSampler` inherits.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import NotFittedError
from tqdm.auto import tqdm

from .._validation import check_positive_int
from ..diffusion.guidance import ClassifierFree
from ._filter import keep_agreeing
from ._tabular import random_state_of

__all__ = ["DiffusionGeneration"]


class DiffusionGeneration:
    """The generation steps of a diffusion sampler.

    Mixed into :class:`~imbdiff.samplers.DiffusionOverSampler`, which gives
    the parameters read here, ``_generate`` and ``_generate_chunks`` (the
    chunks of ``GENERATION_CHUNK`` rows), ``_threads`` and ``_torch_device``.
    """

    #: Set by :meth:`fit_resample_chunks` while it fits: the generation that
    #: fit_resample would do, noted to be done in chunks afterwards.
    _deferred: list | None = None

    def fit_resample_chunks(self, X, y, *, chunk_rows: int | None = None):
        """Fit as :meth:`fit_resample` does, then generate its new rows in
        chunks: a generator of ``(rows, labels)`` pairs, so that a caller can
        write millions of rows without holding them.

        The models are trained before this returns; each chunk is made when
        asked for. Together the chunks are the rows that ``fit_resample``
        returns after ``X``, in the same order (with ``neighbour_filter``,
        which judges every row of a class at once, one chunk per class).

        Parameters
        ----------
        X, y
            As for :meth:`fit_resample`.
        chunk_rows : int, optional
            Rows per chunk (default :data:`GENERATION_CHUNK`).

        Examples
        --------
        >>> import numpy as np
        >>> from imbdiff import TabDDPM
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(60, 2)), np.array([0] * 45 + [1] * 15)
        >>> sampler = TabDDPM(train_steps=5, n_timesteps=10, random_state=0)
        >>> chunks = sampler.fit_resample_chunks(X, y, chunk_rows=20)
        >>> [(len(rows), labels.tolist().count(1)) for rows, labels in chunks]
        [(20, 20), (10, 10)]
        """
        check_positive_int(chunk_rows, "chunk_rows", allow_none=True)
        self._deferred = []
        try:
            self.fit_resample(X, y)
            deferred = self._deferred
        finally:
            self._deferred = None
        return self._deferred_chunks(deferred, chunk_rows)

    def _deferred_chunks(self, deferred, chunk_rows):
        for fitted, diffusion, n, device, seed, label, reference in deferred:
            if n == 0:
                continue
            if self.neighbour_filter:
                # The filter judges the class's rows together: one chunk.
                parts = iter(
                    (
                        self._generate_kept(
                            fitted,
                            diffusion,
                            n,
                            device,
                            seed,
                            label=label,
                            reference=reference,
                        ),
                    )
                )
            else:
                parts = self._generate_chunks(
                    fitted, diffusion, n, device, seed, chunk_rows
                )
            for rows in self._outputs(parts):
                yield rows, np.full(len(rows), label, dtype=reference[1].dtype)

    def _add_generated(
        self, out, fitted, diffusion, n, device, seed, *, label, reference
    ) -> None:
        """Append ``n`` new rows of ``label`` (those the filter keeps) and
        their labels to the lists ``out``; count the time as sampling. Under
        :meth:`fit_resample_chunks`, note what to generate instead."""
        if self._deferred is not None:
            self._deferred.append(
                (fitted, diffusion, n, device, seed, label, reference)
            )
            return
        start = time.perf_counter()
        rows = self._generate_kept(
            fitted, diffusion, n, device, seed, label=label, reference=reference
        )
        if len(rows):
            out[0].append(rows)
            out[1].append(np.full(len(rows), label, dtype=reference[1].dtype))
        self.sample_seconds_ += time.perf_counter() - start

    def _generate_kept(
        self, fitted, diffusion, n, device, seed, *, label, reference
    ) -> pd.DataFrame:
        """``n`` new rows of class ``label``; with ``neighbour_filter``, those
        that pass it against the real rows ``reference`` (frame, labels,
        nominal columns), drawn again (with seeds ``seed + 1``, ...) for the
        rows it dropped, for at most :data:`FILTER_ROUNDS` rounds. Records
        ``filtered_[label]``."""
        self.filtered_[label] = 0
        if n == 0:
            return pd.DataFrame(columns=reference[0].columns)
        rows = self._generate(fitted, diffusion, n, device, seed)
        if not self.neighbour_filter:
            return rows
        kept, self.filtered_[label] = keep_agreeing(
            rows,
            lambda short, round_: self._generate(
                fitted, diffusion, short, device, seed + 1 + round_
            ),
            label=label,
            reference=reference,
        )
        return kept

    def _draw(self, fitted, diffusion, n, device, seed) -> np.ndarray:
        """``n`` encoded rows from the reverse process (guided if the class
        model has guidance), as float64."""
        generator = torch.Generator(device=device).manual_seed(seed)
        width = fitted.encoder.n_encoded_
        model, labels = fitted.model, None
        if fitted.label_index is not None:
            model = ClassifierFree(
                fitted.model, null_label=fitted.null_label, weight=self.cfg_weight
            )
            labels = torch.full((n,), fitted.label_index, device=device)
        solver = self.sampling_method
        steps = None
        if solver != "ancestral":
            steps = min(int(self.sampling_steps), diffusion.n_steps)
        bar = tqdm(
            total=diffusion.network_calls(solver, steps),
            desc="sampling",
            unit="step",
            disable=not self.verbose,
        )
        with bar:
            z = diffusion.generate(
                model,
                n,
                width,
                solver=solver,
                steps=steps,
                eta=float(self.ddim_eta),
                y=labels,
                generator=generator,
                device=device,
                guidance=fitted.guidance,
                progress=bar.update,
            )
        z = z.cpu().numpy().astype(np.float64)
        if not np.isfinite(z).all():
            raise ValueError(
                "sampling produced non-finite values; the model is not usable "
                "(train longer or with a smaller learning_rate)."
            )
        return z

    # -- after fitting ---------------------------------------------------------------
    def sample(self, n: int, *, label=None, random_state=None):
        """Draw ``n`` new rows of one oversampled class without refitting.

        The neighbour filter does not apply here: it needs the training rows,
        which a fitted sampler does not keep.

        Parameters
        ----------
        n : int
            Rows to draw.
        label : optional
            The class; may be left out when a single class was oversampled.
        random_state : int or None
            Seed of this draw (None: a fresh one).

        Returns
        -------
        DataFrame or ndarray
            A DataFrame with the training columns and dtypes if the sampler was
            fitted on one, else an array.
        """
        chunks = list(self.sample_chunks(n, label=label, random_state=random_state))
        if isinstance(chunks[0], np.ndarray):
            return np.concatenate(chunks)
        return pd.concat(chunks, ignore_index=True)

    def sample_chunks(
        self, n: int, *, label=None, random_state=None, chunk_rows: int | None = None
    ):
        """:meth:`sample`, as a generator of chunks of at most ``chunk_rows``
        rows (default :data:`GENERATION_CHUNK`), each made and decoded in
        turn, so that a caller can write a large draw without holding it.

        With the default ``chunk_rows`` the chunks together are the rows
        :meth:`sample` returns for the same ``random_state``.

        Examples
        --------
        >>> import numpy as np
        >>> from imbdiff import TabDDPM
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(60, 2)), np.array([0] * 45 + [1] * 15)
        >>> sampler = TabDDPM(train_steps=5, n_timesteps=10, random_state=0)
        >>> _ = sampler.fit_resample(X, y)
        >>> [len(c) for c in sampler.sample_chunks(25, chunk_rows=10, random_state=0)]
        [10, 10, 5]
        """
        # Checked now, not when the first chunk is asked for.
        label = self._fitted_label(label)
        check_positive_int(n, "n")
        check_positive_int(chunk_rows, "chunk_rows", allow_none=True)
        seed = random_state_of(random_state).randint(np.iinfo(np.int32).max)
        chunks = self._generate_chunks(
            self.models_[label],
            self.diffusion_,
            int(n),
            self._torch_device(),
            int(seed),
            chunk_rows,
        )
        return self._outputs(chunks)

    def _outputs(self, chunks):
        while True:
            # Threads are limited while a chunk is made, not while the caller
            # holds it.
            with self._threads():
                rows = next(chunks, None)
            if rows is None:
                return
            yield self._as_output(rows)

    def _fitted_label(self, label):
        """``label``, or the one fitted class when it is None; checks both."""
        if not hasattr(self, "models_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted; call fit_resample first."
            )
        if label is None:
            if len(self.models_) != 1:
                raise ValueError(
                    f"name the class with label=; fitted classes: {list(self.models_)}."
                )
            return next(iter(self.models_))
        if label not in self.models_:
            raise ValueError(
                f"no model for class {label!r}; fitted: {list(self.models_)}."
            )
        return label

    def _as_output(self, rows: pd.DataFrame):
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return rows.to_numpy()
        rows = rows.set_axis(list(names), axis=1)
        if self.feature_dtypes_ is not None:
            rows = rows.astype(dict(zip(rows.columns, self.feature_dtypes_)))
        return rows
