"""Random streams of replicates: replicate ``r`` of a run with seed ``S`` always draws the same
numbers, whichever process computes it and in whatever order."""

from __future__ import annotations

import numpy as np

from labourlink.errors import InvalidArgumentError

__all__ = ["replicate_rng"]


def replicate_rng(seed: int, replicate: int) -> np.random.Generator:
    """``numpy.random.Generator`` (PCG64) seeded by ``SeedSequence([seed, replicate])``.

    Streams of different ``(seed, replicate)`` are statistically independent (NumPy's
    ``SeedSequence`` mixes the whole entropy list); the stream of one pair never depends on any
    other replicate.
    """
    for name, v in (("seed", seed), ("replicate", replicate)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise InvalidArgumentError(name, v, "an integer >= 0")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(replicate)])))
