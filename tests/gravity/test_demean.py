"""Weighted demeaning against dense least squares; fixed-effect recovery."""

from __future__ import annotations

import numpy as np
import pytest

from labourlink.gravity.demean import FixedEffects, demean, recover_fixef
from labourlink.gravity.model import _single_threaded_blas


def _dense(fe: FixedEffects) -> np.ndarray:
    return np.hstack([np.eye(g)[fe.codes[q]] for q, g in enumerate(fe.n_groups)])


@pytest.fixture(scope="module")
def problem() -> tuple[FixedEffects, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    n = 600
    codes = np.vstack([rng.integers(0, 20, n), rng.integers(0, 30, n), rng.integers(0, 5, n)])
    return FixedEffects.from_codes(codes), rng.normal(size=(n, 3)), rng.uniform(0.1, 5, n)


def _exact(fe: FixedEffects, X: np.ndarray, w: np.ndarray) -> np.ndarray:
    D = _dense(fe)
    sw = np.sqrt(w)[:, None]
    with _single_threaded_blas():
        b = np.linalg.lstsq(D * sw, X * sw, rcond=None)[0]
    return X - D @ b


def test_demean_matches_dense_least_squares(problem) -> None:
    fe, X, w = problem
    Y, ok, it = demean(X, fe, w, tol=1e-12)
    assert ok and it > 1
    np.testing.assert_allclose(Y, _exact(fe, X, w), atol=1e-9)


def test_warm_start_from_any_point_of_the_affine_space(problem) -> None:
    fe, X, w = problem
    rng = np.random.default_rng(9)
    shift = sum(rng.normal(size=g)[fe.codes[q]] for q, g in enumerate(fe.n_groups))
    start = X + shift[:, None]
    Y, ok, _ = demean(X, fe, w, tol=1e-12, start=start.copy())
    assert ok
    np.testing.assert_allclose(Y, _exact(fe, X, w), atol=1e-9)
    # starting at the answer needs no iteration
    _, ok2, it2 = demean(X, fe, w, tol=1e-8, start=_exact(fe, X, w))
    assert ok2 and it2 == 0


def test_single_fixed_effect_is_one_projection() -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 7, 100)[None, :]
    fe = FixedEffects.from_codes(codes)
    x = rng.normal(size=(100, 1))
    w = rng.uniform(1, 2, 100)
    Y, ok, it = demean(x, fe, w)
    means = np.bincount(fe.codes[0], weights=w * x[:, 0]) / np.bincount(fe.codes[0], weights=w)
    np.testing.assert_allclose(Y[:, 0], x[:, 0] - means[fe.codes[0]], atol=1e-13)
    assert ok and it == 1


def test_codes_are_compacted() -> None:
    fe = FixedEffects.from_codes(np.array([[5, 5, 9, 2]]))
    assert fe.codes.tolist() == [[1, 1, 2, 0]]
    assert fe.n_groups.tolist() == [3]


def test_recover_fixef(problem) -> None:
    fe, _, _ = problem
    rng = np.random.default_rng(4)
    alpha = [rng.normal(size=g) for g in fe.n_groups]
    d = sum(a[fe.codes[q]] for q, a in enumerate(alpha))
    rec, ok = recover_fixef(d, fe)
    assert ok
    fitted = sum(a[fe.codes[q]] for q, a in enumerate(rec))
    np.testing.assert_allclose(fitted, d, atol=1e-9)
    assert rec[1][0] == 0.0 and rec[2][0] == 0.0


@pytest.mark.parametrize("n_chunks", [2, 3, 7])
def test_parallel_chunks_match_serial_and_dense(problem, n_chunks: int) -> None:
    # the parallel kernels (blocks split into row chunks, each with its own group sums) do the
    # same arithmetic as one chunk; uneven chunks (600 rows in 7) exercise the boundaries
    from labourlink.gravity.demean import SchurProjector

    fe, X, w = problem
    out = []
    for nch in (1, n_chunks):
        proj = SchurProjector(fe, nch)
        assert proj.n_chunks == nch
        Ys = proj.to_sorted(np.ascontiguousarray(X.copy()))
        a = np.zeros((proj.n_coef, X.shape[1]))
        proj.set_weights(proj.to_sorted(w))
        it, ok = proj.solve(Ys, a, 1e-12, 10_000)
        assert ok
        proj.finish(Ys, a, Ys)
        out.append((proj.from_sorted(Ys), it))
    (Ys, it_s), (Yp, it_p) = out
    assert abs(it_s - it_p) <= 1
    np.testing.assert_allclose(Yp, Ys, atol=1e-10)
    np.testing.assert_allclose(Yp, _exact(fe, X, w), atol=1e-9)


def test_rows_are_sorted_by_the_largest_fixed_effect(problem) -> None:
    # the projector works in the order of the blocks of the fixed effect with the most groups
    # and puts the rows back; already sorted rows are not copied
    from labourlink.gravity.demean import SchurProjector

    fe, X, w = problem
    proj = SchurProjector(fe, 1)
    assert proj.perm is not None  # random codes: not sorted
    big = int(np.argmax(fe.n_groups))
    assert np.all(np.diff(fe.codes[big][proj.perm]) >= 0)
    order = np.argsort(fe.codes[big], kind="stable")
    fe_sorted = FixedEffects(np.ascontiguousarray(fe.codes[:, order]), fe.n_groups)
    assert SchurProjector(fe_sorted, 1).perm is None
    Y1, ok1, _ = demean(X, fe, w, tol=1e-12)
    Y2, ok2, _ = demean(X[order], fe_sorted, w[order], tol=1e-12)
    assert ok1 and ok2
    np.testing.assert_allclose(Y1[order], Y2, atol=1e-10)


def test_large_problems_take_the_parallel_path(problem, monkeypatch: pytest.MonkeyPatch) -> None:
    from labourlink.gravity import demean as dm

    fe, X, w = problem
    chunks: list[int] = []
    real = dm.SchurProjector.__init__

    def spy(self, fe_, n_chunks=1):  # type: ignore[no-untyped-def]
        real(self, fe_, n_chunks)
        chunks.append(self.n_chunks)

    monkeypatch.setattr(dm.SchurProjector, "__init__", spy)
    monkeypatch.setattr(dm, "get_num_threads", lambda: 2)
    serial, _, _ = dm.demean(X, fe, w, tol=1e-12)
    assert chunks == [1]  # 600 x 3 cells: below PARALLEL_MIN_CELLS, one chunk
    monkeypatch.setattr(dm, "PARALLEL_MIN_CELLS", 100)
    par, ok, _ = dm.demean(X, fe, w, tol=1e-12)
    assert ok and chunks == [1, 2]
    np.testing.assert_allclose(par, serial, atol=1e-10)


@pytest.mark.parametrize("parallel", [False, True])
def test_concurrent_fits_from_threads_agree(parallel: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # the web server fits models from worker threads: parallel kernels launched from two
    # threads at once must neither crash nor mix their results
    import threading

    import pandas as pd

    from labourlink.gravity import demean as dm
    from labourlink.gravity import model, ppml

    if parallel:  # force the multi-threaded path on this small problem
        monkeypatch.setattr(model, "PARALLEL_MIN_ROWS", 0)
        monkeypatch.setattr(dm, "PARALLEL_MIN_CELLS", 0)

    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame({"a": rng.integers(0, 30, n), "b": rng.integers(0, 40, n),
                       "x": rng.normal(size=n)})
    df["y"] = rng.poisson(np.exp(0.3 * df["x"] + 0.02 * df["a"]))
    ref = ppml(df, "y ~ x | a + b").coef()["x"]
    out: list[float] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            out.append(float(ppml(df, "y ~ x | a + b").coef()["x"]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert out == [pytest.approx(ref, rel=1e-9)] * 4


@pytest.mark.parametrize("n_fe", [2, 4])
def test_two_and_four_fixed_effects_match_dense(n_fe: int) -> None:
    # the projector eliminates the largest fixed effect by blocks and iterates on the others:
    # one other (two fixed effects) and three others take the general kernels
    rng = np.random.default_rng(7 + n_fe)
    n = 800
    sizes = [40, 25, 9, 6][:n_fe]
    codes = np.vstack([rng.integers(0, g, n) for g in sizes])
    fe = FixedEffects.from_codes(codes)
    X = rng.normal(size=(n, 3))
    w = rng.uniform(0.2, 4.0, n)
    Y, ok, it = demean(X, fe, w, tol=1e-12)
    assert ok and it > 1
    np.testing.assert_allclose(Y, _exact(fe, X, w), atol=1e-9)


def test_weights_over_ten_orders_of_magnitude(problem) -> None:
    # IRLS weights are fitted means: on trade in dollars they span 1e-3 to 1e11
    fe, X, _ = problem
    rng = np.random.default_rng(11)
    w = 10.0 ** rng.uniform(-3, 8, X.shape[0])
    Y, ok, _ = demean(X, fe, w, tol=1e-12)
    ref = _exact(fe, X, w)
    assert ok
    err = np.sqrt(np.sum(w[:, None] * (Y - ref) ** 2, axis=0) / np.sum(w[:, None] * ref**2, axis=0))
    assert err.max() < 1e-9


def test_unattainable_tolerance_stops_near_the_solution(problem) -> None:
    # below the accuracy double precision allows, conjugate gradients used to wander off (1e-6 on
    # the WTO panel); restarts from the true residual keep the best iterate and stop
    fe, X, _ = problem
    rng = np.random.default_rng(12)
    w = 10.0 ** rng.uniform(-4, 9, X.shape[0])
    good, ok, _ = demean(X, fe, w, tol=1e-12)
    assert ok
    tight, _, it = demean(X, fe, w, tol=1e-18, maxiter=5_000)
    assert it < 5_000  # stopped by itself
    scale = np.sqrt(np.sum(w[:, None] * good**2, axis=0))
    err = np.sqrt(np.sum(w[:, None] * (tight - good) ** 2, axis=0)) / scale
    assert err.max() < 1e-10


def test_columns_absorbed_by_the_fixed_effects_converge(problem) -> None:
    # a column constant within the groups of one fixed effect is all fixed effect: its residual
    # is rounding noise, which counts as converged (it is then dropped as collinear)
    fe, X, w = problem
    big = int(np.argmax(fe.n_groups))
    other = int(np.argmin(fe.n_groups))
    col = np.random.default_rng(2).normal(size=fe.n_groups[big])[fe.codes[big]]
    col2 = np.random.default_rng(3).normal(size=fe.n_groups[other])[fe.codes[other]]
    Y, ok, _ = demean(np.column_stack([col, col2, X[:, 0]]), fe, w, tol=1e-10)
    assert ok
    assert np.abs(Y[:, :2]).max() < 1e-9
