"""``make install`` compiles the engine's kernels (labourlink.gravity.warmup): nothing is left to
compile at a user's fit."""

from __future__ import annotations

import numpy as np
import pytest
from panels import gravity_panel

from labourlink.gravity import demean as dm
from labourlink.gravity import irls, model, ppml, separation


def _signatures() -> dict[str, set]:
    from numba.core.registry import CPUDispatcher

    out = {}
    for mod in (dm, irls, separation):
        for name in dir(mod):
            f = getattr(mod, name)
            if isinstance(f, CPUDispatcher):
                out[f"{mod.__name__}.{name}"] = set(f.signatures)
    return out


def test_fits_after_the_warm_up_compile_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from labourlink.gravity.warmup import warm_up

    warm_up(verbose=False)
    before = _signatures()
    # the kernels called from Python ran (those called only from other kernels are compiled
    # into their callers)
    for k in ("demean._sc_pcg", "irls._update_blocks", "irls._finish_moments",
              "separation._fe_checks_kernel", "separation._fit_certificate_kernel",
              "demean._fixef_gauss_seidel"):
        assert before[f"labourlink.gravity.{k}"], k
    df = gravity_panel(15, 6, seed=2, zero_pairs=4, singletons=3)
    df["w"] = np.random.default_rng(0).uniform(0.5, 2.0, len(df))
    df["lmig2"] = df["lmig"] ** 2
    # the multi-threaded path of large fits uses the same kernels
    monkeypatch.setattr(model, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(dm, "PARALLEL_MIN_CELLS", 0)
    monkeypatch.setattr(irls, "PARALLEL_MIN_CELLS", 0)
    for fml, kw in [
        ("trade ~ lmig + rta | exp^year + imp^year + pair", {"vcov": {"CRV1": "pair"}}),
        ("trade ~ lmig + rta + lmig2 + ldist | exp + imp + year", {"weights": "w"}),
        ("trade ~ lmig | exp^year + imp^year", {"vcov": "hetero"}),
        ("trade ~ lmig + rta + ldist", {}),
    ]:
        r = ppml(df.sample(frac=1.0, random_state=1), fml, **kw)  # type: ignore[arg-type]
        r.tidy()
        if r._r.fe is not None:
            r.fixef()
    after = _signatures()
    new = {k: after[k] - before.get(k, set()) for k in after if after[k] - before.get(k, set())}
    assert not new, f"compiled after the warm-up: {new}"
