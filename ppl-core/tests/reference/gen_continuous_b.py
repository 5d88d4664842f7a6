"""Reference log densities of the second group of continuous distributions.

Run: python3 ppl-core/tests/reference/gen_continuous_b.py  (needs scipy and mpmath)

Every value is the density formula evaluated in mpmath at 50 significant digits, and is
cross-checked against scipy.stats (the independent statement of the parameterisation:
expon(scale=1/rate), gamma(a, scale=1/rate), invgamma(a, scale=scale), lognorm(s=sigma,
scale=exp(mu)), weibull_min(c=alpha, scale=sigma), chi2(nu), beta(a, b),
uniform(loc=alpha, scale=beta-alpha), dirichlet(alpha)). scipy evaluates the textbook
formula in double precision, which loses digits where large terms cancel (huge shapes:
alpha·ln(x) against lgamma(alpha)); there the agreement required is the size of those
terms times 1e-14, and the mpmath value is the one written.
"""
import math

import mpmath as mp
import numpy as np
from scipy import stats

from refgen import case, write

mp.mp.dps = 50
M = mp.mpf


def checked(key, params, x, exact, approx, terms=1.0):
    """A case whose mpmath value `exact` agrees with scipy's `approx` to the rounding of
    `terms` (the magnitude of the terms scipy adds up)."""
    exact = float(exact)
    approx = float(approx)
    if math.isinf(exact) or math.isinf(approx):
        assert exact == approx, (key, params, x, exact, approx)
    else:
        tol = 1e-13 * max(abs(exact), abs(terms), 1.0)
        assert abs(exact - approx) <= tol, (key, params, x, exact, approx, tol)
    return case(params, x, exact)


tables = {}

# ---------------------------------------------------------------- exponential(rate)
def expon_mp(beta, y):
    beta, y = M(beta), M(y)
    return mp.log(beta) - beta * y


tables["exponential"] = [
    checked("exponential", [beta], y, expon_mp(beta, y),
            stats.expon.logpdf(y, scale=1.0 / beta), beta * y)
    for (beta, y) in [
        (1.0, 0.0), (1.0, 1.0), (2.0, 0.5), (0.5, 3.0), (1e-8, 1e-8), (1e-8, 1e6),
        (1e8, 1e-10), (1e8, 1e-7), (3.0, 1e-300), (1e-300, 1.0), (1e300, 1e-300),
        (0.7, 700.0),
    ]
]
tables["exponential"] += [case([1.0], -1e-300, float("-inf")), case([2.0], -3.0, float("-inf"))]

# ---------------------------------------------------------------- lognormal(mu, sigma)
def lognormal_mp(mu, sigma, y):
    mu, sigma, y = M(mu), M(sigma), M(y)
    z = (mp.log(y) - mu) / sigma
    return -z * z / 2 - mp.log(sigma) - mp.log(2 * mp.pi) / 2 - mp.log(y)


tables["lognormal"] = [
    checked("lognormal", [mu, sigma], y, lognormal_mp(mu, sigma, y),
            stats.lognorm.logpdf(y, sigma, scale=math.exp(mu)),
            max(((math.log(y) - mu) / sigma) ** 2, abs(math.log(y)), abs(math.log(sigma))))
    for (mu, sigma, y) in [
        (0.0, 1.0, 1.0), (0.0, 1.0, 2.5), (1.5, 0.5, 3.0), (-2.0, 2.0, 0.01),
        (0.0, 1e-6, 1.000001), (0.0, 1.0, 1e-300), (0.0, 1.0, 1e300), (10.0, 0.1, 2.2e4),
        (-30.0, 3.0, 1e-12), (0.0, 50.0, 1e-5), (0.0, 1.0, 5e-324 * 1e10),
    ]
]
tables["lognormal"] += [case([0.0, 1.0], 0.0, float("-inf")), case([0.0, 1.0], -1.0, float("-inf"))]

# ---------------------------------------------------------------- weibull(alpha shape, sigma scale)
def weibull_mp(alpha, sigma, y):
    alpha, sigma, y = M(alpha), M(sigma), M(y)
    return mp.log(alpha) - mp.log(sigma) + (alpha - 1) * mp.log(y / sigma) - (y / sigma) ** alpha


tables["weibull"] = [
    checked("weibull", [alpha, sigma], y, weibull_mp(alpha, sigma, y),
            stats.weibull_min.logpdf(y, alpha, scale=sigma),
            abs(alpha * math.log(y / sigma)) + (y / sigma) ** alpha)
    for (alpha, sigma, y) in [
        (1.0, 1.0, 1.0), (2.0, 1.0, 0.5), (0.5, 2.0, 3.0), (5.0, 0.1, 0.12),
        (0.05, 1.0, 1e-100), (0.5, 2.0, 1e-300), (50.0, 1.0, 0.9), (50.0, 1.0, 1.05),
        (1e-3, 1e-3, 1e5), (3.0, 1e6, 2e6), (1.5, 1e-8, 1e-8), (200.0, 3.0, 3.0),
        (2.0, 1.0, 25.0),
    ]
]
tables["weibull"] += [case([2.0, 1.0], 0.0, float("-inf")), case([2.0, 1.0], -1.0, float("-inf"))]

# ---------------------------------------------------------------- uniform(alpha, beta)
def uniform_mp(alpha, beta, y):
    if y < alpha or y > beta:
        return mp.ninf
    return -mp.log(M(beta) - M(alpha))


tables["uniform"] = [
    checked("uniform", [alpha, beta], y, uniform_mp(alpha, beta, y),
            stats.uniform.logpdf(y, loc=alpha, scale=beta - alpha))
    for (alpha, beta, y) in [
        (0.0, 1.0, 0.5), (-2.0, 3.0, 0.0), (0.0, 1.0, 0.0), (0.0, 1.0, 1.0),
        (-1e-9, 1e-9, 0.0), (-1e300, 1e300, 1e299), (1.0, 1.0 + 2**-40, 1.0),
        (0.0, 1.0, 1.5), (0.0, 1.0, -1e-300), (5.0, 7.0, 4.999999),
    ]
]

if __name__ == "__main__":
    write("continuous_b", tables)
