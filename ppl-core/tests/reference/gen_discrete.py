"""Reference log masses of the discrete distributions (Bernoulli, Binomial, Poisson,
NegativeBinomial2, Categorical and their logit/log forms).

Run: python3 ppl-core/tests/reference/gen_discrete.py  (needs scipy and mpmath)

Values are computed with mpmath at 100 digits from the defining formulas, at the exact
binary values of the parameters (so huge counts, where the terms k ln λ, ln k! ... cancel
to 20 digits, are still exact). Every case is also evaluated with scipy.stats
(bernoulli, binom, poisson, nbinom with n = φ, p = φ/(μ+φ)); the script asserts agreement
to 1e-12 relative wherever scipy's own evaluation is well conditioned, and prints the
cases where scipy loses digits (huge counts, huge φ) so the reader can see why mpmath is
the reference there.
"""
import math

import mpmath as mp
import numpy as np
from scipy import special, stats

from refgen import case as _case, write


def case(params, x, value, scale=None):
    """refgen.case with the parameters written as decimal strings (Python's shortest
    round-trip repr): serde_json's default float parser is not correctly rounded (it can
    read 0.9999999999999999 as 1.0), while the test harness parses strings with Rust's
    correctly rounded `str::parse`."""
    c = _case(params, x, value, scale)
    c["params"] = [p if isinstance(p, str) else repr(p) for p in c["params"]]
    return c

mp.mp.dps = 100
NEG_INF = float("-inf")
# Cases where scipy's formula cancels large terms: its value is only compared loosely.
SCIPY_LOOSE = 1e-6


def m(x):
    return mp.mpf(float(x))


def lgam(x):
    return mp.loggamma(x)


def check_scipy(key, params, k, ref, sp, loose=False):
    if loose == "skip":
        print(f"  note: {key}{params} at {k}: scipy gives {sp!r} (mpmath {ref!r}), not compared")
        return
    if ref == NEG_INF or sp == NEG_INF:
        assert ref == sp, (key, params, k, ref, sp)
        return
    tol = (SCIPY_LOOSE if loose else 1e-12) * max(abs(ref), 1.0)
    if abs(ref - sp) > tol:
        raise AssertionError(f"{key}{params} at {k}: mpmath {ref!r} vs scipy {sp!r}")
    if abs(ref - sp) > 1e-12 * max(abs(ref), 1.0):
        print(f"  note: {key}{params} at {k}: scipy off by {abs(ref - sp) / max(abs(ref), 1.0):.1e} relative")


tables = {}

# ---------------------------------------------------------------- Bernoulli
def bernoulli_ref(theta, k):
    t = m(theta)
    p = t if k == 1 else 1 - t
    return NEG_INF if p == 0 else float(mp.log(p))


rows = []
for theta, k in [
    (0.3, 0), (0.3, 1), (0.5, 1), (1e-300, 1), (1e-300, 0), (1e-20, 0), (1e-20, 1),
    (0.9999999999999999, 0), (0.9999999999999999, 1), (0.0, 0), (1.0, 1), (0.0, 1), (1.0, 0),
]:
    ref = bernoulli_ref(theta, k)
    check_scipy("bernoulli", [theta], k, ref, float(stats.bernoulli.logpmf(k, theta)))
    rows.append(case([theta], k, ref))
tables["bernoulli"] = rows


def bernoulli_logit_ref(alpha, k):
    a = m(alpha)
    return float(-mp.log1p(mp.exp(-a)) if k == 1 else -mp.log1p(mp.exp(a)))


rows = []
for alpha in [-800.0, -40.0, -1.0, 0.0, 0.3, 2.5, 40.0, 800.0]:
    for k in [0, 1]:
        ref = bernoulli_logit_ref(alpha, k)
        theta = float(special.expit(alpha))
        if abs(alpha) < 30:
            check_scipy("bernoulli_logit", [alpha], k, ref, float(stats.bernoulli.logpmf(k, theta)))
        rows.append(case([alpha], k, ref))
tables["bernoulli_logit"] = rows

# ---------------------------------------------------------------- Binomial
def binomial_ref(n, theta, k):
    n, k = int(n), int(k)
    if k < 0 or k > n:
        return NEG_INF
    t = m(theta)
    if (t == 0 and k > 0) or (t == 1 and k < n):
        return NEG_INF
    lp = lgam(mp.mpf(n + 1)) - lgam(mp.mpf(k + 1)) - lgam(mp.mpf(n - k + 1))
    if k > 0:
        lp += k * mp.log(t)
    if n - k > 0:
        lp += (n - k) * mp.log1p(-t)
    return float(lp)


rows = []
for n, theta, k, loose in [
    (10, 0.3, 3, False), (1, 0.5, 1, False), (20, 0.01, 0, False), (20, 0.99, 20, False),
    (20, 0.99, 19, False), (40, 0.6, 13, False), (100, 0.5, 0, False), (7, 0.0, 0, False),
    (7, 0.0, 1, False), (7, 1.0, 7, False), (7, 1.0, 6, False), (5, 0.5, 6, False),
    (0, 0.4, 0, False), (50, 1 - 1e-12, 49, True), (1_000_000, 1e-6, 1, True),
    (1_000_000, 0.3, 0, False), (1_000_000, 0.5, 500_000, True),
    (1_000_000, 0.5, 501_234, True), (1_000_000, 1e-300, 3, False),
    (1_000_000_000, 0.25, 250_000_000, True), (1_000_000_000, 0.25, 250_030_000, True),
    (1_000_000_000, 0.999, 999_999_000, True),
]:
    ref = binomial_ref(n, theta, k)
    check_scipy("binomial", [n, theta], k, ref, float(stats.binom.logpmf(k, n, theta)), loose)
    rows.append(case([n, theta], k, ref))
tables["binomial"] = rows


def binomial_logit_ref(n, alpha, k):
    n, k = int(n), int(k)
    a = m(alpha)
    lp = lgam(mp.mpf(n + 1)) - lgam(mp.mpf(k + 1)) - lgam(mp.mpf(n - k + 1))
    lp -= k * mp.log1p(mp.exp(-a)) + (n - k) * mp.log1p(mp.exp(a))
    return float(lp)


rows = []
for n, alpha, k in [
    (10, 0.3, 6), (10, -800.0, 0), (10, -800.0, 1), (10, 800.0, 10), (10, 40.0, 10),
    (10, 40.0, 9), (100, -5.0, 3), (1_000_000, 0.0, 500_000), (1_000_000, 35.0, 999_999),
    (1_000_000_000, -1.1, 249_705_500), (3, -0.7, 0), (0, 2.0, 0),
]:
    ref = binomial_logit_ref(n, alpha, k)
    if abs(alpha) < 30 and n < 1000:
        sp = float(stats.binom.logpmf(k, n, special.expit(alpha)))
        check_scipy("binomial_logit", [n, alpha], k, ref, sp)
    rows.append(case([n, alpha], k, ref))
tables["binomial_logit"] = rows

# ---------------------------------------------------------------- Poisson
def poisson_ref(lam, k):
    lam = m(lam)
    k = int(k)
    if lam == 0:
        return 0.0 if k == 0 else NEG_INF
    return float(k * mp.log(lam) - lam - lgam(mp.mpf(k + 1)))


rows = []
for lam, k, loose in [
    (1.0, 0, False), (1.0, 1, False), (3.5, 2, False), (0.01, 0, False), (0.01, 3, False),
    (1e-300, 1, False), (0.0, 0, False), (0.0, 1, False), (50.0, 0, False),
    (1e6, 0, False), (20.5, 16, False), (15.5, 15, False), (100.0, 80, False),
    (100.0, 125, False), (100.0, 133, False), (100.0, 75, False), (1e300, 5, False),
    (2.5e-5, 100_000, False), (1e6, 1_000_000, True), (1e6, 999_000, True),
    (1e9, 1_000_000_000, True), (1e9 + 12345.0, 1_000_000_000, True),
    (1.1e9, 1_000_000_000, True), (1e-300, 1_000_000_000, True),
    (4e18, 4_000_000_000_000_000_000, "skip"),
]:
    ref = poisson_ref(lam, k)
    check_scipy("poisson", [lam], k, ref, float(stats.poisson.logpmf(k, lam)), loose)
    rows.append(case([lam], k, ref))
tables["poisson"] = rows


def poisson_log_ref(alpha, k):
    a = m(alpha)
    return float(k * a - mp.exp(a) - lgam(mp.mpf(k + 1)))


rows = []
ln1e9 = math.log(1e9)
for alpha, k in [
    (0.0, 0), (0.0, 1), (math.log(3.5), 2), (-1000.0, 1), (-1000.0, 0), (5.0, 100),
    (5.0, 148), (30.0, 5), (700.0, 10), (ln1e9, 1_000_000_000),
    (ln1e9 + 1e-4, 1_000_000_000), (ln1e9 - 0.5, 1_000_000_000), (-20.0, 40),
]:
    ref = poisson_log_ref(alpha, k)
    if k < 1000 and abs(alpha) < 50:
        check_scipy("poisson_log", [alpha], k, ref, float(stats.poisson.logpmf(k, math.exp(alpha))))
    rows.append(case([alpha], k, ref))
tables["poisson_log"] = rows

# ---------------------------------------------------------------- NegativeBinomial2
def nb2_ref_mp(mu, phi, k):
    k = mp.mpf(int(k))
    return (
        lgam(k + phi) - lgam(phi) - lgam(k + 1)
        + k * mp.log(mu / (mu + phi)) + phi * mp.log(phi / (mu + phi))
    )


rows = []
for mu, phi, k, loose in [
    (3.0, 1.0, 2, False), (0.5, 0.1, 0, False), (0.5, 0.1, 10, False), (10.0, 2.0, 7, False),
    (10.0, 2.0, 0, False), (1e-3, 1e-3, 1, False), (2.0, 1e-8, 0, False), (2.0, 1e-8, 5, False),
    (1e8, 3.0, 0, False), (1e8, 3.0, 12, False), (100.0, 1e10, 90, "skip"),
    (4.0, 1e15, 6, "skip"), (50.0, 1e20, 50, "skip"), (0.1, 1e25, 3, "skip"), (1e6, 5.0, 1_000_000, True),
    (1e6, 1e6, 999_000, True), (1e4, 1e-6, 1_000_000, True), (7.5, 30.0, 9, False),
    (1e9, 1e9, 1_000_000_000, True), (1e9, 1e14, 1_000_050_000, "skip"),
]:
    ref = float(nb2_ref_mp(m(mu), m(phi), k))
    sp = float(stats.nbinom.logpmf(k, phi, phi / (mu + phi)))
    check_scipy("neg_binomial_2", [mu, phi], k, ref, sp, loose)
    rows.append(case([mu, phi], k, ref))
tables["neg_binomial_2"] = rows

# Partials of NegativeBinomial2 (the φ-derivatives are where cancellation lurks), first
# and second order, at points where a finite-difference check cannot resolve them (huge
# counts, huge φ). `scale` is the size of the two terms the implementation adds:
# ∂φ = log1pmx(t) + E with t = (k-μ)/(μ+φ), E = ψ(k+φ) - ψ(φ) - ln(1 + k/φ).
NB2_PARTIAL_POINTS = [
    (3.0, 1.0, 2), (0.5, 0.1, 10), (1e-3, 1e-3, 1), (7.5, 30.0, 9), (4.0, 1e15, 6),
    (50.0, 1e20, 50), (100.0, 1e10, 90), (1e6, 5.0, 1_000_000), (1e6, 0.19, 1_000_000),
    (1001123.6643004311, 15159475.996650185, 1_000_000), (1e4, 1e-6, 1_000_000),
    (2.0, 1e-8, 0), (1e8, 3.0, 12), (1e9, 1e14, 1_000_050_000),
]
for name in ["dmu", "dphi", "dmu_dphi", "dphi_dphi"]:
    tables["neg_binomial_2_" + name] = []
for mu, phi, k in NB2_PARTIAL_POINTS:
    M, P, K = m(mu), m(phi), mp.mpf(k)
    t = (K - M) / (M + P)
    lm1 = mp.log1p(t) - t
    e = mp.digamma(K + P) - mp.digamma(P) - mp.log1p(K / P)
    dlm1 = t * t / ((1 + t) * (M + P))
    de = mp.psi(1, K + P) - mp.psi(1, P) + K / (P * (K + P))
    values = {
        "dmu": (P * (K - M) / (M * (M + P)), None),
        "dphi": (lm1 + e, abs(lm1) + abs(e)),
        "dmu_dphi": ((K - M) / (M + P) ** 2, None),
        "dphi_dphi": (dlm1 + de, abs(dlm1) + abs(de)),
    }
    for name, (v, scale) in values.items():
        scale = None if scale is None or scale <= abs(v) else float(scale)
        tables["neg_binomial_2_" + name].append(case([mu, phi], k, float(v), scale))

rows = []
for eta, phi, k in [
    (1.5, 2.0, 4), (0.0, 1.0, 0), (-800.0, 1.0, 3), (-800.0, 1.0, 0), (math.log(1e6), 10.0, 1_000_000),
    (0.0, 1e12, 3), (5.0, 0.01, 0), (5.0, 0.01, 1000), (-3.0, 0.5, 2), (12.0, 1e-4, 7),
]:
    ref = float(nb2_ref_mp(mp.exp(m(eta)), m(phi), k))
    if abs(eta) < 50 and phi < 1e6 and k < 1e5:
        mu = math.exp(eta)
        sp = float(stats.nbinom.logpmf(k, phi, phi / (mu + phi)))
        check_scipy("neg_binomial_2_log", [eta, phi], k, ref, sp)
    rows.append(case([eta, phi], k, ref))
tables["neg_binomial_2_log"] = rows

# ---------------------------------------------------------------- Categorical (0-based)
rows = []
for theta, ks in [
    ([0.2, 0.5, 0.3], [0, 1, 2]),
    ([1.0], [0]),
    ([0.0, 1.0], [0, 1]),
    ([1e-300, 1.0 - 1e-16, 0.0], [0, 1]),
    ([0.1] * 10, [9]),
]:
    for k in ks:
        ref = float(mp.log(m(theta[k]))) if theta[k] > 0 else NEG_INF
        rows.append(case(theta, k, ref))
tables["categorical"] = rows

rows = []
for beta, ks in [
    ([0.0, 1.0, -1.0], [0, 1, 2]),
    ([3.5], [0]),
    ([1000.0, -1000.0, 0.0], [0, 1, 2]),
    ([-745.0, -746.0], [0, 1]),
    ([0.0] * 7, [3]),
    ([1e-8, 2e-8, -3e-8], [1]),
]:
    bm = [m(b) for b in beta]
    lse = mp.log(mp.fsum(mp.exp(b) for b in bm))
    for k in ks:
        ref = float(bm[k] - lse)
        if max(beta) - min(beta) < 700:
            sp = float(special.log_softmax(np.array(beta))[k])
            check_scipy("categorical_logit", beta, k, ref, sp)
        rows.append(case(beta, k, ref))
tables["categorical_logit"] = rows

write("discrete", tables)
