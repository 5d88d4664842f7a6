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

# ---------------------------------------------------------------- gamma(alpha shape, beta rate)
def gamma_mp(alpha, beta, y):
    a, b, y = M(alpha), M(beta), M(y)
    return a * mp.log(b) - mp.loggamma(a) + (a - 1) * mp.log(y) - b * y


def gamma_terms(alpha, beta, y):
    a, b, y = M(alpha), M(beta), M(y)
    return float(abs(a * mp.log(b * y)) + b * y + abs(mp.loggamma(a)) + abs(mp.log(y)))


tables["gamma"] = [
    checked("gamma", [alpha, beta], y, gamma_mp(alpha, beta, y),
            stats.gamma.logpdf(y, alpha, scale=1.0 / beta), gamma_terms(alpha, beta, y))
    for (alpha, beta, y) in [
        (1.0, 1.0, 1.0), (2.5, 4.0, 0.3), (0.5, 2.0, 1e-300), (0.05, 1.0, 1e-20),
        (1e-3, 1e-3, 1e5), (3.0, 1e-8, 1e8), (3.0, 1e8, 1e-8), (2.0, 1e300, 1e-300),
        (50.0, 1.0, 50.0), (20.0, 3.0, 1e-5), (20.0, 3.0, 100.0),
        (9.999999999999998, 1.0, 10.0), (10.0, 1.0, 10.0), (10.0, 1.0, 4.0),
        # huge shapes: near the mode (where the textbook terms cancel) and in the tails
        (1e6, 1.0, 1e6), (1e6, 1e6, 1.001), (1e8, 1.0, 1e8 - 3e4), (1e10, 1.0, 1e10 + 1e5),
        (1e10, 1e10, 1.0), (1e12, 1.0, 2e12), (1e12, 1.0, 1e11), (1e15, 1e-5, 1e20),
    ]
]
# βy underflows to 0 (the logarithm is still exact), or overflows (density 0).
tables["gamma"] += [
    case([2.0, 1e-200], 1e-200, gamma_mp(2.0, 1e-200, 1e-200)),
    case([0.5, 1e-300], 1e-300, gamma_mp(0.5, 1e-300, 1e-300)),
    case([2.0, 1e300], 1e300, float("-inf")),
    case([2.0, 1.0], 0.0, float("-inf")),
]

# ---------------------------------------------------------------- inv_gamma(alpha shape, beta scale)
def inv_gamma_mp(alpha, beta, y):
    a, b, y = M(alpha), M(beta), M(y)
    return a * mp.log(b) - mp.loggamma(a) - (a + 1) * mp.log(y) - b / y


def inv_gamma_terms(alpha, beta, y):
    a, b, y = M(alpha), M(beta), M(y)
    return float(abs(a * mp.log(b / y)) + b / y + abs(mp.loggamma(a)) + abs(mp.log(y)))


tables["inv_gamma"] = [
    checked("inv_gamma", [alpha, beta], y, inv_gamma_mp(alpha, beta, y),
            stats.invgamma.logpdf(y, alpha, scale=beta), inv_gamma_terms(alpha, beta, y))
    for (alpha, beta, y) in [
        (1.0, 1.0, 1.0), (3.0, 2.0, 0.5), (0.5, 1.0, 1e-3), (0.5, 1.0, 1e300),
        (0.05, 1.0, 1e-20), (2.0, 1e-8, 1e-8), (2.0, 1e8, 1e9), (7.0, 3.0, 40.0),
        (10.0, 11.0, 1.0), (9.999999999999998, 11.0, 1.0),
        (1e6, 1e6, 1.0), (1e6, 1e6, 0.999), (1e10, 1e10, 1.00001), (1e12, 1.0, 1e-11),
        (1e12, 1e12, 3.0),
    ]
]
tables["inv_gamma"] += [
    case([2.0, 1e300], 1e-10, float("-inf")),
    case([2.0, 1e-200], 1e200, inv_gamma_mp(2.0, 1e-200, 1e200)),
    case([2.0, 1.0], 0.0, float("-inf")),
]

# ---------------------------------------------------------------- chi_square(nu)
def chi_square_mp(nu, y):
    n, y = M(nu) / 2, M(y)
    return (n - 1) * mp.log(y) - y / 2 - n * mp.log(2) - mp.loggamma(n)


tables["chi_square"] = [
    checked("chi_square", [nu], y, chi_square_mp(nu, y), stats.chi2.logpdf(y, nu),
            gamma_terms(nu / 2, 0.5, y))
    for (nu, y) in [
        (1.0, 1.0), (2.0, 3.0), (0.5, 1e-300), (3.0, 1e-10), (5.0, 200.0), (1e-3, 1e-3),
        (0.1, 1e-100), (30.0, 1e3), (20.0, 20.0), (100.0, 100.0), (1e6, 1e6),
        (1e6, 1e6 + 1414.0), (1e10, 1e10), (1e10, 2e10), (2.0, 1e-320),
    ]
]
tables["chi_square"] += [case([3.0], 0.0, float("-inf")), case([3.0], -1.0, float("-inf"))]

# ---------------------------------------------------------------- beta(alpha, beta)
def beta_mp(alpha, beta, y):
    a, b, y = M(alpha), M(beta), M(y)
    return (a - 1) * mp.log(y) + (b - 1) * mp.log1p(-y) - mp.log(mp.beta(a, b))


def beta_terms(alpha, beta, y):
    a, b, y = M(alpha), M(beta), M(y)
    return float(abs((a - 1) * mp.log(y)) + abs((b - 1) * mp.log1p(-y))
                 + abs(mp.loggamma(a)) + abs(mp.loggamma(b)) + abs(mp.loggamma(a + b)))


tables["beta"] = [
    checked("beta", [alpha, beta], y, beta_mp(alpha, beta, y),
            stats.beta.logpdf(y, alpha, beta), beta_terms(alpha, beta, y))
    for (alpha, beta, y) in [
        (1.0, 1.0, 0.5), (2.0, 3.0, 0.3), (0.5, 0.5, 1e-300), (0.5, 0.5, 1.0 - 2**-53),
        (2.0, 5.0, 1e-20), (5.0, 2.0, 1.0 - 2**-50), (0.05, 0.05, 0.5), (1e-3, 1e3, 1e-200),
        (1e3, 1e-3, 1.0 - 1e-12), (50.0, 50.0, 1e-5), (20.0, 30.0, 0.999),
        (10.0, 10.0, 0.5), (9.999999999999998, 10.0, 0.5), (10.0, 12.0, 0.01),
        (1e6, 2.0, 0.999999), (2.0, 1e6, 1e-6),
        # both shapes huge: near the mode, where the textbook terms cancel, and in the tails
        (1e6, 1e6, 0.5), (1e6, 1e6, 0.501), (1e10, 1e10, 0.5), (1e8, 3e8, 0.25 + 2**-12),
        (1e5, 1e5, 0.01), (1e5, 1e5, 0.999), (1e4, 1e9, 1e-5),
    ]
]
tables["beta"] += [case([2.0, 3.0], 0.0, float("-inf")), case([2.0, 3.0], 1.0, float("-inf"))]

# ---------------------------------------------------------------- dirichlet(alpha)
def dirichlet_mp(alpha, theta):
    a = [M(x) for x in alpha]
    t = [M(x) for x in theta]
    return (mp.loggamma(sum(a)) - sum(mp.loggamma(x) for x in a)
            + sum((x - 1) * mp.log(y) for x, y in zip(a, t)))


def dirichlet_case(alpha, theta):
    """The formula here is evaluated as written (as Stan does): for huge concentrations
    its terms cancel, and the recorded scale is their size."""
    exact = float(dirichlet_mp(alpha, theta))
    a = [M(x) for x in alpha]
    terms = float(abs(mp.loggamma(sum(a))) + sum(abs(mp.loggamma(x)) for x in a)
                  + sum(abs((x - 1) * mp.log(M(y))) for x, y in zip(a, theta)))
    sp = stats.dirichlet.logpdf(np.array(theta), np.array(alpha))
    assert abs(sp - exact) <= 1e-13 * max(abs(exact), terms, 1.0), (alpha, theta, sp, exact)
    c = {"alpha": [float(x) for x in alpha], "theta": [float(x) for x in theta], "value": exact}
    if terms > 2 * max(abs(exact), 1.0):
        c["scale"] = terms
    return c


tables["dirichlet"] = [
    dirichlet_case(alpha, theta)
    for (alpha, theta) in [
        ([1.0, 1.0, 1.0], [0.2, 0.3, 0.5]),
        ([0.5, 2.0, 3.5], [0.1, 0.6, 0.3]),
        ([0.05, 0.05], [1e-100, 1.0]),
        ([10.0, 20.0, 30.0, 40.0], [0.1, 0.2, 0.3, 0.4]),
        ([1e-3, 1e-3, 1e-3], [1e-200, 0.5, 0.5]),
        ([2.0] * 10, [0.1] * 10),
        ([3.0, 0.2], [0.25, 0.75]),
        ([1e6, 1e6], [0.5, 0.5]),
        ([1e4, 2e4, 3e4], [1 / 6, 1 / 3, 0.5]),
    ]
]


def exact_strings(v):
    """Numbers as their shortest round-trip strings ("0.9999999999999999"), which the Rust
    side parses with `str::parse` (correctly rounded). serde_json without its
    `float_roundtrip` feature may parse a decimal to a neighbouring double: it reads
    "0.9999999999999999" (the largest double below 1) as 1.0, which moves a point off the
    support, and a 1-ulp error in the inputs of an ill-conditioned case exceeds 1e-12."""
    if isinstance(v, dict):
        return {k: exact_strings(x) for k, x in v.items()}
    if isinstance(v, list):
        return [exact_strings(x) for x in v]
    if isinstance(v, float):
        return repr(v)
    return v


if __name__ == "__main__":
    write("continuous_b", exact_strings(tables))
