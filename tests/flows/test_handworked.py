"""Hand-worked examples of every method on three-country systems (persons).

Countries A, B, C (index 0, 1, 2); stock tables have the place of birth in rows and the place of
residence in columns, the native-born on the diagonal. The expected numbers are worked out in the
comments, not computed by the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from labourlink.errors import EstimationError
from labourlink.flows import kernels

# ---------------------------------------------------------------------------------------------
# A system where the accounting identity holds exactly (built by hand):
#   start:  A-born (100, 10, 0)   B-born (0, 50, 5)   C-born (0, 0, 80)
#   deaths: A 10, B 6, C 8.5 -> split by start stock in each country:
#     in A: A-born 10;  in B: A-born 6*10/60 = 1, B-born 6*50/60 = 5;
#     in C: B-born 8.5*5/85 = 0.5, C-born 8.5*80/85 = 8
#   survivors: A-born (90, 9, 0) = 99;  B-born (0, 45, 4.5) = 49.5;  C-born (0, 0, 72) = 72
#   moves chosen: A-born 4 A->B; B-born 2 C->A; C-born 2 C->B
#   end net of births: A-born (86, 13, 0); B-born (2, 45, 2.5); C-born (0, 2, 70)
#   births A 12, B 6, C 9 -> end table below; world: 245 + 27 - 24.5 = 247.5 = end total.
# ---------------------------------------------------------------------------------------------
S0 = np.array([[100.0, 10, 0], [0, 50, 5], [0, 0, 80]])
S1 = np.array([[98.0, 13, 0], [2, 51, 2.5], [0, 2, 79]])
BIRTHS = np.array([12.0, 6, 9])
DEATHS = np.array([10.0, 6, 8.5])


def test_deaths_are_split_by_start_stock() -> None:
    d = kernels.deaths_by_birthplace(S0, DEATHS)
    expected = np.array([[10.0, 1, 0], [0, 5, 0.5], [0, 0, 8]])
    np.testing.assert_allclose(d, expected)


def test_exact_system_accounts_are_left_unchanged() -> None:
    acc = kernels.demographic_accounts(S0, S1, BIRTHS, DEATHS, closed=True)
    np.testing.assert_allclose(acc.start, [[90, 9, 0], [0, 45, 4.5], [0, 0, 72]], atol=1e-9)
    np.testing.assert_allclose(acc.end, [[86, 13, 0], [2, 45, 2.5], [0, 2, 70]], atol=1e-9)
    assert acc.notes["global_gap"] == pytest.approx(0.0)


@pytest.mark.parametrize("closed", [True, False])
def test_minimum_migration_exact_system(closed: bool) -> None:
    # stayers min(start, end): A-born 86 in A, 9 in B -> 4 leave A, 4 arrive in B: A->B 4;
    # B-born 45 in B, 2.5 in C -> 2 leave C for A: C->A 2; C-born 70 stay, 2 go C->B.
    acc = kernels.demographic_accounts(S0, S1, BIRTHS, DEATHS, closed=closed)
    f = (kernels.stayer_flows(acc.start, acc.end) if closed
         else kernels.open_flows(acc.start, acc.end).flows)
    expected = np.array([[0, 4, 0], [0, 0, 0], [2, 2, 0]], dtype=float)
    np.testing.assert_allclose(f, expected, atol=1e-9)
    # net flows = (end population - births) - (start population - deaths)
    net = f.sum(axis=0) - f.sum(axis=1)
    np.testing.assert_allclose(net, [88 - 90, 60 - 54, 72.5 - 76.5], atol=1e-9)


def test_open_system_moves_across_its_boundary() -> None:
    # As above but 2 more A-born in A at the end (88 + 12 births = 100): A-born 99 at the start,
    # 101 at the end -> 2 arrive from outside. Stayers: 88 in A, 9 in B; leavers: 2 from A and
    # the 2 from outside; arrivals: 4 in B, shared in proportion to the leavers: A->B 2,
    # outside->B 2.
    s1 = S1.copy()
    s1[0, 0] = 100.0
    acc = kernels.demographic_accounts(S0, s1, BIRTHS, DEATHS, closed=False)
    res = kernels.open_flows(acc.start, acc.end)
    np.testing.assert_allclose(res.flows, [[0, 2, 0], [0, 0, 0], [2, 2, 0]], atol=1e-9)
    np.testing.assert_allclose(res.from_outside, [0, 2, 0], atol=1e-9)
    np.testing.assert_allclose(res.to_outside, [0, 0, 0], atol=1e-9)
    net = (res.flows.sum(axis=0) - res.flows.sum(axis=1) + res.from_outside - res.to_outside)
    np.testing.assert_allclose(net, [(102 - 12) - 90, 60 - 54, 72.5 - 76.5], atol=1e-9)


def test_pseudo_bayes_exact_system() -> None:
    # Per place of birth: Q = stayer table, I = independence table start x end / N, and the
    # Bishop-Fienberg-Holland constant K = (N^2 - sum Q^2) / sum (Q - I)^2, weight of I
    # w = K / (N / scale + K).
    scale = 9.9
    # A-born: start (90, 9, 0), end (86, 13, 0), N = 99; Q = [[86, 4], [0, 9]];
    # I = [[90*86, 90*13], [9*86, 9*13]] / 99; Q - I = +-774/99 in all four cells.
    n_a = 99.0
    i_a = np.array([[90 * 86, 90 * 13], [9 * 86, 9 * 13]]) / 99.0
    k_a = (99.0 ** 2 - (86 ** 2 + 4 ** 2 + 9 ** 2)) / (4 * (774 / 99) ** 2)
    w_a = k_a / (n_a / scale + k_a)
    # B-born: start (0, 45, 4.5), end (2, 45, 2.5), N = 49.5; Q: 45 stay in B, 2.5 in C, C->A 2.
    n_b = 49.5
    q_b = np.array([[0, 0, 0], [0, 45, 0], [2, 0, 2.5]])
    i_b = np.outer([0, 45, 4.5], [2, 45, 2.5]) / n_b
    k_b = (n_b ** 2 - (q_b ** 2).sum()) / ((q_b - i_b) ** 2).sum()
    w_b = k_b / (n_b / scale + k_b)
    # C-born: start (0, 0, 72), end (0, 2, 70): Q equals I (one start country): weight 0.
    acc = kernels.demographic_accounts(S0, S1, BIRTHS, DEATHS, closed=True)
    f, w = kernels.pseudo_bayes_flows(acc.start, acc.end, scale)
    np.testing.assert_allclose(w, [w_a, w_b, 0.0], rtol=1e-12)
    expected = np.zeros((3, 3))
    expected[0, 1] += (1 - w_a) * 4 + w_a * i_a[0, 1]      # A-born A->B
    expected[1, 0] += w_a * i_a[1, 0]                      # A-born B->A
    expected[1, 0] += w_b * i_b[1, 0]                      # B-born B->A
    expected[1, 2] += w_b * i_b[1, 2]                      # B-born B->C
    expected[2, 0] += (1 - w_b) * 2 + w_b * i_b[2, 0]      # B-born C->A
    expected[2, 1] += w_b * i_b[2, 1] + 2                  # B-born and C-born C->B
    np.testing.assert_allclose(f, expected, rtol=1e-12, atol=1e-12)
    # same margins as the stayer table: the accounting identity still holds
    np.testing.assert_allclose(f.sum(axis=0) - f.sum(axis=1), [-2, 6, -4], atol=1e-9)


def test_pseudo_bayes_counting_every_person_gives_the_minimum() -> None:
    acc = kernels.demographic_accounts(S0, S1, BIRTHS, DEATHS, closed=True)
    f, w = kernels.pseudo_bayes_flows(acc.start, acc.end, 1e-9)
    assert w.max() < 1e-6
    np.testing.assert_allclose(f, kernels.stayer_flows(acc.start, acc.end), atol=1e-5)


def test_stock_differencing_three_countries() -> None:
    # off-diagonal changes: A->B +5, A->C -3, B->A 0, B->C +6, C->A +3, C->B -4
    s0 = np.array([[900.0, 10, 5], [20, 800, 0], [0, 8, 700]])
    s1 = np.array([[950.0, 15, 2], [20, 790, 6], [3, 4, 720]])
    drop = kernels.stock_difference(s0, s1, "drop")
    np.testing.assert_array_equal(drop, [[0, 5, 0], [0, 0, 6], [3, 0, 0]])
    # reversed: the fall of 3 A-born in C is 3 moving C->A; the fall of 4 C-born in B is 4
    # moving B->C
    rev = kernels.stock_difference(s0, s1, "reverse")
    np.testing.assert_array_equal(rev, [[0, 5, 0], [0, 0, 10], [6, 0, 0]])
    assert drop.sum() == 14 and rev.sum() == 21


def test_migration_rates_three_countries() -> None:
    # foreign-born at the start: A->B 10, A->C 5, B->A 20, C->B 8 (43); 86 moves double them
    s0 = np.array([[900.0, 10, 5], [20, 800, 0], [0, 8, 700]])
    f = kernels.rate_flows(s0, 86.0)
    np.testing.assert_allclose(f, [[0, 20, 10], [40, 0, 0], [0, 16, 0]])


def test_global_gap_is_split_between_the_tables() -> None:
    # end table 10 persons larger than start + births - deaths: start scaled up by 5/245,
    # end down by 5/257.5; the world account then closes
    s1 = S1.copy()
    s1[1, 1] += 10.0
    acc = kernels.demographic_accounts(S0, s1, BIRTHS, DEATHS, closed=True)
    assert acc.notes["global_gap"] == pytest.approx(10.0)
    assert acc.start.sum() == pytest.approx(245 * (1 + 5 / 245) - DEATHS.sum())
    assert acc.end.sum() == pytest.approx(acc.start.sum())
    np.testing.assert_allclose(acc.start.sum(axis=1), acc.end.sum(axis=1), rtol=1e-9)


def test_births_above_native_born_reduce_every_group() -> None:
    # 60 births in B but only 51 B-born in B at the end: every group in B is scaled by
    # (66 - 60) / 66 instead
    b = BIRTHS.copy()
    b[1] = 60.0
    acc = kernels.demographic_accounts(S0, S1, b, DEATHS, closed=False)
    np.testing.assert_allclose(acc.end[:, 1], S1[:, 1] * 6 / 66)
    assert acc.notes["births_over_native"] == pytest.approx(9.0)


def test_bad_inputs_raise_clear_errors() -> None:
    with pytest.raises(EstimationError, match="negative"):
        kernels.stock_difference(-S0, S1)
    with pytest.raises(EstimationError, match="shape"):
        kernels.stock_difference(S0, S1[:2, :2])
    with pytest.raises(EstimationError, match="births"):
        kernels.demographic_accounts(S0, S1, BIRTHS[:2], DEATHS, closed=True)
    with pytest.raises(EstimationError, match="no foreign-born"):
        kernels.rate_flows(np.diag([1.0, 2.0]), 10.0)
    with pytest.raises(EstimationError, match="scale"):
        kernels.pseudo_bayes_weights(S0, S1, 0.0)
