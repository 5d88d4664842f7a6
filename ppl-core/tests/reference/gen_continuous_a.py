"""Reference log densities of the first group of continuous distributions, from scipy.stats.

Run: python3 ppl-core/tests/reference/gen_continuous_a.py  (needs scipy and mpmath)

"normal" comes from scipy directly. The other tables are evaluated with mpmath at 50
significant digits from the closed-form density, and every case is cross-checked against
the scipy.stats log density named in its table (which fixes the parameterisation); scipy
itself loses accuracy in some extreme cases (e.g. `t.logpdf` for huge `df` subtracts two
huge `gammaln` values), so the mpmath value is the one recorded, and the cross-check
tolerance of each table is stated next to it. Where the implementation's result is a sum
of terms larger than the result (cancellation), the case records `scale` = the largest
such term, so the tolerance is relative to it (see `distribution_checks`).
"""
import math

import mpmath as mp
import numpy as np
from scipy import stats

from refgen import case, write

mp.mp.dps = 50
np.seterr(over="ignore", divide="ignore")
tables = {}

tables["normal"] = [
    case([mu, sigma], y, stats.norm.logpdf(y, mu, sigma))
    for (mu, sigma, y) in [
        (0.0, 1.0, 0.0), (0.0, 1.0, 1.0), (1.5, 2.0, -3.0), (0.0, 1e-8, 1e-8),
        (0.0, 1e-8, 0.0), (-3.0, 1e6, 2e6), (0.0, 1.0, 30.0), (0.0, 1.0, -38.0),
        (100.0, 0.1, 100.05), (0.0, 1e300, 1.0),
    ]
]


def mpf(x):
    return mp.mpf(float(x))


def table(name, cases, terms, scipy_logpdf, rel, out_of_support=lambda p, y: False):
    """Builds the table `name`: `terms(p, y)` lists (in mpmath) the additive terms of the
    log density, grouped as the implementation sums them; `scipy_logpdf(p, y)` must agree to `rel` relative (or 1e-300
    absolute, for values rounding to 0)."""
    rows = []
    for (*p, y) in cases:
        if out_of_support(p, y):
            value, scale = -math.inf, None
        else:
            ts = terms([mpf(v) for v in p], mpf(y))
            total = mp.fsum(ts)
            value = float(total)
            big = max(abs(t) for t in ts)
            scale = float(big) if big > abs(total) * 2 else None
        ref = float(scipy_logpdf(p, y))
        tol = rel(p) if callable(rel) else rel
        if ref == -math.inf and -math.inf < value < -745:
            # scipy evaluates log(pdf) here and the pdf underflows: nothing to compare.
            print(f"  {name}{p} at {y}: scipy gives -inf, mpmath {value}")
        elif math.isinf(value) or math.isinf(ref):
            assert value == ref, (name, p, y, value, ref)
        else:
            assert abs(value - ref) <= tol * max(abs(value), scale or 0.0, 1e-300), (
                name, p, y, value, ref)
        rows.append(case(p, y, value, scale))
    tables[name] = rows


def log1p_sq(w):
    return mp.log1p(w * w)


# --- Cauchy(mu, sigma): -ln π - ln σ - ln(1 + z²)
table(
    "cauchy",
    [(0, 1, 0), (0, 1, 1), (1.5, 2, -3), (0, 1e-8, 1e-8), (0, 1e-8, 0), (-3, 1e6, 2e6),
     (0, 1, 1e10), (0, 1, -1e200), (0, 1e-150, 1e150), (100, 0.1, 100.05), (0, 1e300, 1),
     (0, 1e-300, 1e300), (1, 1e-300, -1e300), (0, 2, 2), (0, 2, 2.0000000000000004),
     (0, 1, 1e-5), (2, 3, 1e154), (0, 1, 1.5)],
    lambda p, y: [-mp.log(mp.pi), -mp.log(p[1]), -log1p_sq((y - p[0]) / p[1])],
    lambda p, y: stats.cauchy.logpdf(y, p[0], p[1]),
    1e-13,
)

# --- Laplace(mu, sigma) = Stan double_exponential: -ln 2 - ln σ - |y - μ|/σ
table(
    "laplace",
    [(0, 1, 0), (0, 1, 1), (1.5, 2, -3), (2, 0.5, 2), (0, 1e-8, 1e-8), (-3, 1e6, 2e6),
     (0, 1, 700), (0, 1, -1e5), (100, 0.1, 100.05), (0, 1e300, 1), (0, 1e-300, 1e-290),
     (0, 1, 1e-12)],
    lambda p, y: [-mp.log(2), -mp.log(p[1]), -abs(y - p[0]) / p[1]],
    lambda p, y: stats.laplace.logpdf(y, p[0], p[1]),
    1e-13,
)

# --- Logistic(mu, sigma): -|z| - 2 ln(1 + e^(-|z|)) - ln σ
table(
    "logistic",
    [(0, 1, 0), (0, 1, 1), (1.5, 2, -3), (0, 1, 40), (0, 1, -40), (0, 1, 750),
     (0, 1, -1e5), (0, 1e-8, 1e-8), (-3, 1e6, 2e6), (0, 1e300, 1), (0, 1, 1e-10),
     (0, 0.25, 0.0), (5, 1e-300, 6e-300 + 5)],
    lambda p, y: [-abs((y - p[0]) / p[1]), -2 * mp.log1p(mp.exp(-abs((y - p[0]) / p[1]))),
                  -mp.log(p[1])],
    lambda p, y: stats.logistic.logpdf(y, p[0], p[1]),
    1e-13,
)

# --- Gumbel(mu, beta) (maxima) = scipy gumbel_r: -z - e^(-z) - ln β
table(
    "gumbel",
    [(0, 1, 0), (0, 1, 1), (1.5, 2, -3), (0, 1, -5), (0, 1, -700), (0, 1, -710),
     (0, 1, 50), (0, 1, 800), (0, 1, 1e5), (0, 1e-8, 1e-8), (-3, 1e6, 2e6), (0, 1e300, 1),
     (0, 1, 1e-9), (0, 1, -1e-9)],
    lambda p, y: [-(y - p[0]) / p[1], -mp.exp(-(y - p[0]) / p[1]), -mp.log(p[1])],
    lambda p, y: stats.gumbel_r.logpdf(y, p[0], p[1]),
    1e-13,
)

# --- HalfNormal(sigma) = scipy halfnorm(scale = σ): ½ ln(2/π) - ln σ - z²/2, y ≥ 0
table(
    "half_normal",
    [(1, 0), (1, 1), (2, 3), (1e-8, 1e-8), (1e-8, 0), (1e6, 2e6), (1, 30), (0.1, 100),
     (1e300, 1), (1, 1e-300), (1, 1e150), (1, -1), (1, -1e-300),
     (math.sqrt(2 / math.pi), 0)],
    lambda p, y: [mp.log(2 / mp.pi) / 2, -mp.log(p[0]), -(y / p[0]) ** 2 / 2],
    lambda p, y: stats.halfnorm.logpdf(y, 0, p[0]),
    1e-13,
    out_of_support=lambda p, y: y < 0,
)

# --- HalfCauchy(sigma) = scipy halfcauchy(scale = σ): ln(2/π) - ln σ - ln(1 + z²), y ≥ 0
table(
    "half_cauchy",
    [(5, 0), (5, 5), (1, 1e10), (1e-8, 1e-8), (1e-150, 1e150), (1e300, 1), (2, -1),
     (1, 1e-5), (5, 1e300), (2 / math.pi, 0.1), (1e-300, 1e300), (3, 3)],
    lambda p, y: [mp.log(2 / mp.pi), -mp.log(p[0]), -log1p_sq(y / p[0])],
    lambda p, y: stats.halfcauchy.logpdf(y, 0, p[0]),
    1e-13,
    out_of_support=lambda p, y: y < 0,
)

# --- StudentT(nu, mu, sigma) = scipy t(df = ν, loc = μ, scale = σ)
NU_ASYMPTOTIC = 25


def student_t_terms(p, y):
    nu, mu, sigma = p
    # ln Γ((ν+1)/2) - ln Γ(ν/2) cancels ~log10(ν ln ν) digits: work with that many more.
    with mp.extradps(int(mp.log10(nu * mp.log(nu + 2)) + 1) if nu > 1 else 0):
        t = ((y - mu) / sigma) ** 2 / nu
        if nu >= NU_ASYMPTOTIC:
            # evaluated as one asymptotic series: no cancelling lgamma terms
            norm = [mp.loggamma((nu + 1) / 2) - mp.loggamma(nu / 2) - mp.log(nu * mp.pi) / 2]
        else:
            norm = [mp.loggamma((nu + 1) / 2), -mp.loggamma(nu / 2), -mp.log(nu * mp.pi) / 2]
        return [+x for x in norm + [-mp.log(sigma), -(nu + 1) / 2 * mp.log1p(t)]]


def scipy_t_rel(p):
    # scipy's t.logpdf subtracts gammaln values of size ν ln ν: it loses ~ ε ν ln ν.
    return max(1e-13, 1e-15 * p[0] * math.log(p[0] + 2))


STUDENT_T_CASES = [
    (1, 0, 1, 0), (1, 0, 1, 1), (3, 1.5, 2, -3), (0.5, 0, 1, 2), (0.05, 0, 1, 1),
    (2.5, 0, 1, 1e3), (10, 0, 1, -7), (24.9, 0, 1, 1.5), (25, 0, 1, 1.5), (30, 0, 1, 1.5),
    (100, 1, 3, 4), (1e3, 0, 1, 2), (1e6, 0, 1, 3), (1e10, 0, 1, 3), (1e15, 0, 1, 1),
    (1e300, 0, 1, 2), (1, 0, 1, 1e10), (3, 0, 1, -1e100), (0.5, 0, 1, 1e300),
    (4, 0, 1e-8, 1e-8), (4, 1, 1e6, -2e6), (5, 0, 1e300, 1), (4, 0, 1e-150, 1e150),
    (1e6, 0, 1, 1e3), (50, 0, 1, 40),
]
table("student_t", STUDENT_T_CASES, student_t_terms,
      lambda p, y: stats.t.logpdf(y, p[0], p[1], p[2]), scipy_t_rel)


# ∂/∂ν of the Student-t log density, exact to 50 digits:
#   ½ [ψ((ν+1)/2) - ψ(ν/2) - 1/ν - ln(1 + t) + (ν+1) t/(ν(1 + t))],   t = z²/ν.
def student_t_dnu_terms(nu, mu, sigma, y):
    t = ((y - mu) / sigma) ** 2 / nu
    q = t / (1 + t)
    gap = mp.digamma((nu + 1) / 2) - mp.digamma(nu / 2) - 1 / nu
    if nu >= NU_ASYMPTOTIC:
        terms = [gap / 2]
    else:
        terms = [mp.digamma((nu + 1) / 2) / 2, -mp.digamma(nu / 2) / 2, -1 / (2 * nu)]
    if q <= 0.1:
        terms.append((q - mp.log1p(t)) / 2)  # evaluated by its series: no cancellation
    else:
        terms += [q / 2, -mp.log1p(t) / 2]
    terms.append(q / (2 * nu))
    value = gap / 2 + (q - mp.log1p(t)) / 2 + q / (2 * nu)
    return terms, value


rows = []
for nu in [0.3, 1, 3, 10, 24.9, 25, 60, 1e3, 1e6, 1e10]:
    for y in [0.5, 2.5, 6.5, 60.5]:
        p = [nu, 0.5, 2.0]
        terms, value = student_t_dnu_terms(*[mpf(v) for v in p], mpf(y))
        # cross-check the closed form against numerical differentiation
        lp = lambda n: mp.fsum(student_t_terms([n, mpf(0.5), mpf(2)], mpf(y)))
        assert abs(mp.diff(lp, mpf(nu)) - value) <= mp.mpf(10) ** -25 * abs(value)
        # Always record the scale (the largest term), also when it is below 1: these values
        # are O(1/ν²) and the default scale 1 would make the check absolute.
        big = max(abs(t) for t in terms)
        rows.append(case(p, y, value, float(max(big, abs(value)))))
tables["student_t_dnu"] = rows

# --- HalfStudentT(nu, sigma): ln 2 + StudentT(y | ν, 0, σ), y ≥ 0 (scipy: ln 2 + t.logpdf)
table(
    "half_student_t",
    [(1, 5, 0), (1, 5, 5), (3, 2, 3), (0.5, 1, 2), (0.05, 1, 1), (10, 1, 7), (24.9, 1, 1.5),
     (25, 1, 1.5), (100, 3, 4), (1e6, 1, 3), (1e10, 1, 3), (1e300, 1, 2), (1, 1, 1e10),
     (3, 1, 1e100), (4, 1e-8, 1e-8), (5, 1e300, 1), (3, 1, -1), (3, 1, -1e-300)],
    lambda p, y: [mp.log(2)] + student_t_terms([p[0], 0, p[1]], y),
    lambda p, y: math.log(2) + stats.t.logpdf(y, p[0], 0, p[1]) if y >= 0 else -math.inf,
    scipy_t_rel,
    out_of_support=lambda p, y: y < 0,
)

# --- SkewNormal(xi, omega, alpha) = scipy skewnorm(a = α, loc = ξ, scale = ω):
#     ½ ln(2/π) - ln ω - z²/2 + ln Φ(αz)
table(
    "skew_normal",
    [(0, 1, 0, 0), (0, 1, 0, 1), (0, 1, 2, 1), (0, 1, -3, 1), (1, 2, 5, -3), (0, 1, 10, -5),
     (0, 1, 1e3, -1), (0, 1, -1e4, 1e-2), (0, 1, 5, 40), (0, 1e-8, 1, 1e-8),
     (0, 1e6, 0.5, 2e6), (0, 1, 20, 0.1), (0, 1, 1e-10, 3), (0, 1, 1, -38), (0, 1, 1e5, -1e3),
     (0, 1e300, 3, 1), (0, 1, -2, 1e-300), (2, 0.5, 1.5, 2.25), (0, 1, 0.5, 60)],
    lambda p, y: [mp.log(2 / mp.pi) / 2, -mp.log(p[1]), -((y - p[0]) / p[1]) ** 2 / 2,
                  mp.log(mp.ncdf(p[2] * (y - p[0]) / p[1]))],
    lambda p, y: stats.skewnorm.logpdf(y, p[2], p[0], p[1]),
    1e-12,
)

write("continuous_a", tables)
