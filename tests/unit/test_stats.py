"""`core.stats` against textbook values, scipy cross-checks and seeded simulations.

In: small hand-made samples and seeded random ones. Out: assertions on every statistic's value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from core.stats import (
    ArmEstimate,
    Moments,
    RatioMoments,
    arm_estimate,
    benjamini_hochberg,
    bootstrap_percentile_lift,
    compare,
    percentile_from_histogram,
    sample_size_per_arm,
    sequential_halfwidth,
    srm_p_value,
)


def moments(values: np.ndarray) -> Moments:
    return Moments(n=len(values), total=float(values.sum()), total_sq=float((values**2).sum()))


def ratio_moments(x: np.ndarray, y: np.ndarray) -> RatioMoments:
    return RatioMoments(
        n=len(x),
        x=float(x.sum()),
        x_sq=float((x**2).sum()),
        y=float(y.sum()),
        y_sq=float((y**2).sum()),
        xy=float((x * y).sum()),
    )


def test_mean_and_ci_of_one_arm() -> None:
    estimate = arm_estimate(moments(np.array([1.0, 2, 3, 4, 5])))
    assert estimate is not None
    assert estimate.mean == 3
    assert estimate.variance == pytest.approx(2.5 / 5)  # sample variance 2.5, over n = 5
    half = 1.959964 * math.sqrt(0.5)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((3 - half, 3 + half))


def test_empty_arm_has_no_estimate() -> None:
    assert arm_estimate(Moments(0, 0, 0)) is None
    assert arm_estimate(RatioMoments(3, 0, 0, 0, 0, 0)) is None


def test_ratio_with_unit_denominators_is_the_plain_mean() -> None:
    x = np.random.default_rng(1).normal(10, 2, 500)
    ratio = arm_estimate(ratio_moments(x, np.ones_like(x)))
    plain = arm_estimate(moments(x))
    assert ratio is not None and plain is not None
    assert ratio.mean == pytest.approx(plain.mean)
    assert ratio.variance == pytest.approx(plain.variance)


def test_delta_method_variance_matches_the_spread_of_the_ratio_over_many_samples() -> None:
    rng = np.random.default_rng(2)
    ratios, variances = [], []
    for _ in range(400):
        y = rng.integers(1, 8, 300).astype(float)  # interactions per user
        x = rng.binomial(y.astype(int), 0.8).astype(float)  # thumbs up among them
        estimate = arm_estimate(ratio_moments(x, y))
        assert estimate is not None
        ratios.append(estimate.mean)
        variances.append(estimate.variance)
    assert np.mean(variances) == pytest.approx(np.var(ratios), rel=0.15)


def test_lift_p_value_matches_scipy_when_the_control_is_constant() -> None:
    # With a constant control, the relative lift's t statistic is the one-sample t of the treatment.
    treatment = np.random.default_rng(3).normal(4.2, 1.0, 200)
    control = ArmEstimate(n=200, mean=4.0, variance=0.0, ci_low=4.0, ci_high=4.0)
    t_arm = arm_estimate(moments(treatment))
    assert t_arm is not None
    result = compare(control, t_arm)
    assert result.lift == pytest.approx(treatment.mean() / 4.0 - 1)
    assert result.p_value == pytest.approx(sps.ttest_1samp(treatment, 4.0).pvalue, rel=1e-6)
    half = sps.t.ppf(0.975, 199) * treatment.std(ddof=1) / math.sqrt(200) / 4.0
    assert (result.ci_low, result.ci_high) == pytest.approx((result.lift - half, result.lift + half))


def test_lift_by_hand_delta_method() -> None:
    control = ArmEstimate(n=1000, mean=0.80, variance=0.0004, ci_low=0, ci_high=0)
    treatment = ArmEstimate(n=1000, mean=0.88, variance=0.0004, ci_low=0, ci_high=0)
    result = compare(control, treatment)
    se = math.sqrt(0.0004 / 0.8**2 + 0.88**2 * 0.0004 / 0.8**4)
    assert result.lift == pytest.approx(0.1)
    assert result.ci_high - result.lift == pytest.approx(sps.t.ppf(0.975, 1998) * se, rel=1e-3)
    assert result.p_value == pytest.approx(2 * sps.norm.sf(0.1 / se), rel=1e-2)
    assert result.chance_to_win == pytest.approx(sps.norm.cdf(0.1 / se))
    lower_is_better = compare(control, treatment, higher_is_better=False)
    assert lower_is_better.chance_to_win == pytest.approx(1 - result.chance_to_win)
    assert result.seq_ci_low < result.ci_low and result.seq_ci_high > result.ci_high


def test_equal_arms_have_even_chances() -> None:
    arm = ArmEstimate(n=500, mean=4.0, variance=0.01, ci_low=0, ci_high=0)
    result = compare(arm, arm)
    assert result.lift == 0
    assert result.p_value == pytest.approx(1.0)
    assert result.chance_to_win == pytest.approx(0.5)


def test_srm_chi_square() -> None:
    assert srm_p_value([5000, 5000], [0.5, 0.5]) == pytest.approx(1.0)
    # (5200 - 5000)² / 5000 · 2 = 16 on one degree of freedom
    assert srm_p_value([5200, 4800], [0.5, 0.5]) == pytest.approx(sps.chi2.sf(16, 1))
    assert srm_p_value([5200, 4800], [0.5, 0.5]) < 0.001
    assert srm_p_value([2000, 8000], [0.2, 0.8]) == pytest.approx(1.0)
    assert srm_p_value([0, 0], [0.5, 0.5]) == 1.0


def test_benjamini_hochberg_matches_scipy() -> None:
    p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.5]
    assert benjamini_hochberg(p) == pytest.approx(list(sps.false_discovery_control(p)))
    assert benjamini_hochberg([]) == []


def test_sample_size_textbook_value() -> None:
    # Two-sided 5%, power 80%, effect of half a standard deviation: 63 per arm.
    assert sample_size_per_arm(mean=1.0, std=1.0, relative_mde=0.5) == 63
    assert sample_size_per_arm(mean=1.0, std=1.0, relative_mde=0.25) == 252
    with pytest.raises(ValueError):
        sample_size_per_arm(mean=1.0, std=1.0, relative_mde=0.0)


def test_percentile_from_histogram_is_percentile_cont() -> None:
    rng = np.random.default_rng(4)
    rows = rng.integers(100, 3000, 2001)
    values, counts = np.unique(rows, return_counts=True)
    for q in (0.0, 0.5, 0.95, 0.99, 1.0):
        assert percentile_from_histogram(values, counts, q) == pytest.approx(np.percentile(rows, q * 100))


def test_bootstrap_percentile_lift_finds_a_real_latency_cut() -> None:
    rng = np.random.default_rng(5)
    control = np.unique(rng.lognormal(math.log(900), 0.5, 20_000).astype(int), return_counts=True)
    treatment = np.unique(rng.lognormal(math.log(800), 0.5, 20_000).astype(int), return_counts=True)
    result = bootstrap_percentile_lift(control, treatment, 0.5, seed=1)
    assert result.lift == pytest.approx(800 / 900 - 1, abs=0.02)
    assert result.ci_low < result.lift < result.ci_high < 0
    assert result.p_value < 0.01
    assert result.chance_to_win > 0.99  # lower latency wins
    same = bootstrap_percentile_lift(control, control, 0.95, seed=1)
    assert same.ci_low < 0 < same.ci_high
    assert same.p_value > 0.05


def test_bootstrap_spread_matches_the_row_bootstrap() -> None:
    rng = np.random.default_rng(6)
    rows = rng.lognormal(6.8, 0.5, 3000).astype(int)
    histogram = np.unique(rows, return_counts=True)
    resampled = [np.percentile(rng.choice(rows, rows.size), 95, method="lower") for _ in range(1000)]
    result = bootstrap_percentile_lift(histogram, histogram, 0.95, resamples=4000, seed=2)
    # lift of an arm against itself: its spread is √2 times one percentile's relative spread
    relative_sd = np.std(resampled) / np.percentile(rows, 95)
    assert (result.ci_high - result.ci_low) / (2 * 1.96) == pytest.approx(relative_sd * math.sqrt(2), rel=0.2)


def test_sequential_peeking_keeps_false_positives_near_alpha() -> None:
    """A/A tests looked at 20 times: the fixed-horizon CI cries wolf often, the confidence sequence doesn't."""
    rng = np.random.default_rng(7)
    simulations, per_look, looks, alpha = 2000, 50, 20, 0.05
    a = rng.normal(0, 1, (simulations, per_look * looks)).cumsum(axis=1)
    b = rng.normal(0, 1, (simulations, per_look * looks)).cumsum(axis=1)
    naive = np.zeros(simulations, dtype=bool)
    sequential = np.zeros(simulations, dtype=bool)
    for look in range(1, looks + 1):
        n = look * per_look
        difference = (a[:, n - 1] - b[:, n - 1]) / n
        se = math.sqrt(2 / n)
        naive |= np.abs(difference) > 1.959964 * se
        sequential |= np.abs(difference) > sequential_halfwidth(se, 2 * n, tuning_n=1000)
    assert naive.mean() > 2 * alpha  # peeking at a fixed-horizon CI inflates false positives
    assert sequential.mean() <= alpha + 0.01
