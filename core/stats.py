"""Statistics for A/B experiments (DESIGN.md §6), as pure functions over sufficient statistics.

In: per-arm sufficient statistics that the database computed — `Moments` (n, Σx, Σx²) for a per-user mean,
`RatioMoments` (n, Σx, Σx², Σy, Σy², Σxy) for a per-interaction metric analysed per user (x = numerator,
y = denominator of each user) — or value histograms for percentiles. Out: frozen dataclasses and floats:
- `arm_estimate()` — the arm's mean (or ratio), the variance of that estimate, and its confidence interval;
- `compare()` — relative lift with its delta-method CI and Welch-t p-value (GrowthBook's frequentist
  engine), the Bayesian chance to win (normal approximation on the lift, flat prior), and the always-valid
  confidence sequence of the lift (`sequential_halfwidth()`, Howard et al.'s normal mixture);
- `srm_p_value()` — the sample-ratio-mismatch chi-square test (alarm below `SRM_ALARM_P`);
- `benjamini_hochberg()` — adjusted p-values across metrics;
- `sample_size_per_arm()` — units per arm needed to detect a relative minimum detectable effect;
- `bootstrap_percentile_lift()` — percentile lift (latency p50/p95) with a bootstrap CI over the arms'
  value histograms (the bootstrap of the underlying rows, drawn without loading them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

SRM_ALARM_P = 0.001
DEFAULT_ALPHA = 0.05
SEQUENTIAL_TUNING_N = 10_000  # the sample size at which the confidence sequence is tightest


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of one value per unit: count, sum and sum of squares."""

    n: int
    total: float
    total_sq: float


@dataclass(frozen=True)
class RatioMoments:
    """Per-unit numerator x and denominator y, summed over the units of one arm."""

    n: int
    x: float
    x_sq: float
    y: float
    y_sq: float
    xy: float


@dataclass(frozen=True)
class ArmEstimate:
    """The arm's estimate (a mean, or a ratio Σx/Σy), the variance of that estimate, and its CI."""

    n: int
    mean: float
    variance: float  # of the estimate, not of one unit
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Comparison:
    """Treatment against control: relative lift (treatment / control - 1) and what to make of it."""

    lift: float
    ci_low: float
    ci_high: float
    p_value: float
    chance_to_win: float
    seq_ci_low: float
    seq_ci_high: float


def _unit_variance(n: int, total: float, total_sq: float) -> float:
    """Sample variance (n - 1 denominator) from sums; 0 for fewer than two units."""
    if n < 2:
        return 0.0
    return max(0.0, (total_sq - total * total / n) / (n - 1))


def arm_estimate(moments: Moments | RatioMoments, *, alpha: float = DEFAULT_ALPHA) -> ArmEstimate | None:
    """The arm's mean with a normal CI; for ratio moments the ratio Σx/Σy with its delta-method variance.

    None when the arm has no unit (or, for a ratio, a zero denominator).
    """
    if isinstance(moments, Moments):
        if moments.n == 0:
            return None
        mean = moments.total / moments.n
        variance = _unit_variance(moments.n, moments.total, moments.total_sq) / moments.n
    else:
        if moments.n == 0 or moments.y == 0:
            return None
        mean, variance = _ratio_estimate(moments)
    half = sps.norm.ppf(1 - alpha / 2) * math.sqrt(variance)
    return ArmEstimate(n=moments.n, mean=mean, variance=variance, ci_low=mean - half, ci_high=mean + half)


def _ratio_estimate(m: RatioMoments) -> tuple[float, float]:
    """Delta method for R = mean(x) / mean(y) over n units (Deng et al. 2018)."""
    n = m.n
    mx, my = m.x / n, m.y / n
    var_x = _unit_variance(n, m.x, m.x_sq)
    var_y = _unit_variance(n, m.y, m.y_sq)
    cov_xy = (m.xy - m.x * m.y / n) / (n - 1) if n > 1 else 0.0
    ratio = mx / my
    variance = (var_x / my**2 - 2 * mx * cov_xy / my**3 + mx**2 * var_y / my**4) / n
    return ratio, max(0.0, variance)


def compare(
    control: ArmEstimate,
    treatment: ArmEstimate,
    *,
    higher_is_better: bool = True,
    alpha: float = DEFAULT_ALPHA,
    tuning_n: int = SEQUENTIAL_TUNING_N,
) -> Comparison:
    """Relative lift of treatment over control with the delta-method CI and the Welch-t p-value."""
    mc, mt = control.mean, treatment.mean
    if mc == 0:
        raise ValueError("relative lift is undefined when the control mean is 0")
    lift = mt / mc - 1
    var_t, var_c = treatment.variance / mc**2, control.variance * mt**2 / mc**4
    se = math.sqrt(var_t + var_c)
    dof = _welch_dof(var_t, treatment.n, var_c, control.n)
    if se == 0:
        p_value = 1.0 if lift == 0 else 0.0
        half = seq_half = 0.0
        win = 0.5 if lift == 0 else float((lift > 0) == higher_is_better)
    else:
        t = lift / se
        p_value = float(2 * sps.t.sf(abs(t), dof))
        half = float(sps.t.ppf(1 - alpha / 2, dof)) * se
        seq_half = sequential_halfwidth(se, control.n + treatment.n, alpha=alpha, tuning_n=tuning_n)
        up = float(sps.norm.cdf(t))
        win = up if higher_is_better else 1 - up
    return Comparison(
        lift=lift,
        ci_low=lift - half,
        ci_high=lift + half,
        p_value=p_value,
        chance_to_win=win,
        seq_ci_low=lift - seq_half,
        seq_ci_high=lift + seq_half,
    )


def _welch_dof(var_a: float, n_a: int, var_b: float, n_b: int) -> float:
    """Welch-Satterthwaite degrees of freedom for two variances of means."""
    denominator = (var_a**2 / (n_a - 1) if n_a > 1 else 0.0) + (var_b**2 / (n_b - 1) if n_b > 1 else 0.0)
    if denominator == 0:
        return float(max(1, n_a + n_b - 2))
    return float((var_a + var_b) ** 2 / denominator)


def sequential_halfwidth(
    se: float, n: int, *, alpha: float = DEFAULT_ALPHA, tuning_n: int = SEQUENTIAL_TUNING_N
) -> float:
    """Half-width of the two-sided asymptotic confidence sequence (normal mixture, Howard et al. 2021).

    `se` is the fixed-horizon standard error of the estimate at `n` units; the per-unit standard deviation
    is `se * sqrt(n)`. The mixing parameter rho is chosen so the sequence is tightest at `tuning_n` units,
    as GrowthBook does. Unlike the fixed-horizon CI, it stays valid however often one looks.
    """
    if n <= 0:
        return math.inf
    sigma = se * math.sqrt(n)
    rho_sq = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning_n
    return sigma * math.sqrt(
        2 * (n * rho_sq + 1) / (n**2 * rho_sq) * math.log(math.sqrt(n * rho_sq + 1) / alpha)
    )


def srm_p_value(observed: Sequence[int], expected_shares: Sequence[float]) -> float:
    """Chi-square goodness-of-fit p-value of the units per arm against the planned split (1.0 if empty)."""
    total = sum(observed)
    if total == 0:
        return 1.0
    shares = np.asarray(expected_shares, dtype=float)
    expected = shares / shares.sum() * total
    return float(sps.chisquare(np.asarray(observed, dtype=float), expected).pvalue)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), in the input order."""
    m = len(p_values)
    if m == 0:
        return []
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = running
    return adjusted


def sample_size_per_arm(
    mean: float, std: float, relative_mde: float, *, alpha: float = DEFAULT_ALPHA, power: float = 0.8
) -> int:
    """Units per arm for a two-sided test to detect a relative change `relative_mde` of `mean`."""
    delta = abs(mean * relative_mde)
    if delta == 0:
        raise ValueError("the minimum detectable effect must be non-zero")
    z = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power)
    return math.ceil(2 * (z * std / delta) ** 2)


def percentile_from_histogram(values: np.ndarray, counts: np.ndarray, q: float) -> float:
    """The `q` percentile (0..1) with linear interpolation (`percentile_cont`) of sorted, counted values."""
    total = int(counts.sum())
    if total == 0:
        return math.nan
    position = (total - 1) * q
    cumulative = np.cumsum(counts)
    low = int(np.searchsorted(cumulative, math.floor(position), side="right"))
    high = int(np.searchsorted(cumulative, math.ceil(position), side="right"))
    fraction = position - math.floor(position)
    return float(values[low] + (values[high] - values[low]) * fraction)


@dataclass(frozen=True)
class PercentileLift:
    control: float
    treatment: float
    lift: float
    ci_low: float
    ci_high: float
    p_value: float
    chance_to_win: float


def bootstrap_percentile_lift(
    control: tuple[np.ndarray, np.ndarray],
    treatment: tuple[np.ndarray, np.ndarray],
    q: float,
    *,
    higher_is_better: bool = False,
    resamples: int = 2000,
    alpha: float = DEFAULT_ALPHA,
    seed: int = 0,
) -> PercentileLift:
    """Relative lift of the `q` percentile with a percentile-bootstrap CI.

    Each arm is a (sorted values, counts) histogram, as `GROUP BY value` returns it. The p-value is twice the smaller tail of the bootstrap lifts at 0.
    """
    rng = np.random.default_rng(seed)
    point_c = percentile_from_histogram(*control, q)
    point_t = percentile_from_histogram(*treatment, q)
    lifts = (
        _bootstrap_percentiles(treatment, q, resamples, rng)
        / _bootstrap_percentiles(control, q, resamples, rng)
        - 1
    )
    below = float(np.mean(lifts < 0))
    above = float(np.mean(lifts > 0))
    return PercentileLift(
        control=point_c,
        treatment=point_t,
        lift=point_t / point_c - 1,
        ci_low=float(np.quantile(lifts, alpha / 2)),
        ci_high=float(np.quantile(lifts, 1 - alpha / 2)),
        p_value=min(1.0, 2 * min(below, above) + float(np.mean(lifts == 0))),
        chance_to_win=above if higher_is_better else below,
    )


def _bootstrap_percentiles(
    histogram: tuple[np.ndarray, np.ndarray], q: float, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap draws of the arm's `q` percentile without materialising resamples.

    The k-th order statistic of n draws from the empirical distribution F is F⁻¹(U₍ₖ₎) with
    U₍ₖ₎ ~ Beta(k, n + 1 - k), so one beta draw per resample gives the bootstrap percentile exactly
    (nearest rank k = floor((n - 1) q) + 1).
    """
    values, counts = histogram
    total = int(counts.sum())
    k = math.floor((total - 1) * q) + 1
    uniforms = rng.beta(k, total + 1 - k, size=resamples)
    cumulative = np.cumsum(counts) / total
    index = np.minimum(np.searchsorted(cumulative, uniforms, side="left"), len(values) - 1)
    return values[index].astype(float)
