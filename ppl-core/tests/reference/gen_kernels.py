"""Polynomial coefficients and reference values of the branch-free kernels
(ppl-core/src/math/kernels.rs), from mpmath.

Run: python3 ppl-core/tests/reference/gen_kernels.py               (writes kernels.json)
     python3 ppl-core/tests/reference/gen_kernels.py --coefficients
         prints the coefficient tables of kernels.rs (Rust syntax) and the approximation
         error of each, measured at 4000 points with the coefficients rounded to double.

Method. Each polynomial is the interpolant of its function at the Chebyshev nodes of the
interval (near-minimax: within a factor ~2 of the best uniform approximation), computed with
60 significant digits and converted to the monomial basis in exact arithmetic before one
rounding to double per coefficient:

* EXP_Q, degree 10:  q(r) = (eʳ - 1 - r)/r²  on  |r| ≤ ln2/2, so that
  eʳ = 1 + r + r²q(r) and expm1(r) = r + r²q(r).
* LN_T, degree 7:   T(z) = (2 atanh(s)/s - 2)/z,  z = s²  on  z ∈ [0, z_max],
  z_max = ((√2 - 1)/(√2 + 1))², the range of s = f/(2+f) for f = m - 1, m ∈ [√½, √2):
  ln(1+f) = f - f²/2 + s(f²/2 + z T(z)).

The JSON file holds, per kernel, mpmath values at a few hundred points spread over the
whole domain (log-uniform magnitudes, both signs, the extremes near under/overflow and the
subnormals), rounded once to double; the Rust test measures the kernels' error in ulps
against them.
"""
import math
import random
import sys

import mpmath as mp

from refgen import case, write

mp.mp.dps = 60
M = mp.mpf


def chebyshev_monomial(f, a, b, degree):
    """Monomial coefficients (lowest first) of the interpolant of f at degree+1 Chebyshev nodes."""
    a, b = M(a), M(b)
    n = degree + 1
    xs = [(b - a) / 2 * mp.cos(mp.pi * (k + M(1) / 2) / n) + (a + b) / 2 for k in range(n)]
    ys = [f(x) for x in xs]
    # Solve the Vandermonde system exactly enough at 60 digits.
    A = mp.matrix([[x**j for j in range(n)] for x in xs])
    c = mp.lu_solve(A, mp.matrix(ys))
    return [c[j] for j in range(n)]


def horner(cs, x):
    p = M(0)
    for c in reversed(cs):
        p = p * x + c
    return p


def max_rel_error(f, cs, a, b, points=4000):
    cd = [M(float(c)) for c in cs]  # rounded to double, as in the Rust table
    worst = M(0)
    for k in range(points + 1):
        x = M(a) + (M(b) - M(a)) * k / points
        fx = f(x)
        if fx == 0:
            continue
        worst = max(worst, abs((horner(cd, x) - fx) / fx))
    return worst


LN2 = mp.log(2)
S_MAX = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)
Z_MAX = S_MAX**2


def exp_q(r):
    if abs(r) < M("1e-20"):
        return M(1) / 2 + r / 6
    return (mp.exp(r) - 1 - r) / r**2


def ln_t(z):
    if z < M("1e-30"):
        return M(2) / 3 + M(2) * z / 5
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) / s - 2) / z


TABLES = [
    ("EXP_Q", "q(r) = (eʳ - 1 - r)/r² on |r| ≤ ln2/2", exp_q, -LN2 / 2, LN2 / 2, 10),
    ("LN_T", "T(z) = (2 atanh(√z)/√z - 2)/z on [0, z_max]", ln_t, M(0), Z_MAX, 7),
]


def print_coefficients():
    for name, what, f, a, b, degree in TABLES:
        cs = chebyshev_monomial(f, a, b, degree)
        err = max_rel_error(f, cs, a, b)
        print(f"/// {what}: degree {degree}, max relative error {mp.nstr(err, 3)}")
        print(f"const {name}: [f64; {len(cs)}] = [")
        for c in cs:
            print(f"    {float(c)!r},")
        print("];")


def log_uniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def reference_tables():
    rng = random.Random(20261122)
    tables = {}

    def table(name, f, xs):
        rows = []
        for x in xs:
            v = f(M(x))
            rows.append(case([], x, float(v)))
        tables[name] = rows

    # exp: the whole finite range, incl. overflow and subnormal results
    xs = [rng.uniform(-745.1, 709.78) for _ in range(150)]
    xs += [s * log_uniform(rng, 1e-300, 1.0) for s in (1, -1) for _ in range(50)]
    xs += [709.78, 709.7, -708.39, -708.5, -720.0, -740.0, -745.0, 1e-320, -1e-320, 0.0]
    table("kernel_exp", mp.exp, xs)

    # expm1: small arguments (relative accuracy) and both tails
    xs = [s * log_uniform(rng, 1e-300, 1.0) for s in (1, -1) for _ in range(100)]
    xs += [rng.uniform(-50.0, 709.0) for _ in range(100)]
    xs += [0.3465, -0.3466, 0.7, -0.7, 1e-320, -40.0, 709.78]
    table("kernel_exp_m1", mp.expm1, xs)

    # ln: normal and subnormal arguments, near 1
    xs = [log_uniform(rng, 1e-307, 1e308) for _ in range(200)]
    xs += [1.0 + s * log_uniform(rng, 1e-16, 0.3) for s in (1, -1) for _ in range(50)]
    xs += [log_uniform(rng, 5e-324, 2.2e-308) for _ in range(30)]
    xs += [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.7071067811865476, 1.4142135623730951]
    table("kernel_ln", mp.log, xs)

    # ln_1p: tiny, moderate and huge arguments, near -1
    xs = [s * log_uniform(rng, 1e-300, 0.999) for s in (1, -1) for _ in range(100)]
    xs += [log_uniform(rng, 1.0, 1e308) for _ in range(100)]
    xs += [-1.0 + log_uniform(rng, 1e-16, 1e-1) for _ in range(30)]
    xs += [5e-324, -5e-324, 1.7976931348623157e308, -0.2928932188134524, 0.41421356237309503]
    table("kernel_ln_1p", mp.log1p, xs)

    # softplus ln(1 + eˣ), both tails
    def softplus(x):
        return mp.log1p(mp.exp(x))

    xs = [rng.uniform(-740.0, 740.0) for _ in range(150)]
    xs += [s * log_uniform(rng, 1e-300, 40.0) for s in (1, -1) for _ in range(75)]
    xs += [0.0, 36.0, 37.0, -36.0, -745.0, 1e300, -1e300]
    table("kernel_log1p_exp", softplus, xs)

    def inv_logit(x):
        return 1 / (1 + mp.exp(-x))

    xs = [rng.uniform(-740.0, 740.0) for _ in range(150)]
    xs += [s * log_uniform(rng, 1e-300, 40.0) for s in (1, -1) for _ in range(75)]
    xs += [0.0, 36.0, 37.0, -36.0, -745.0, 1e300, -1e300]
    table("kernel_inv_logit", inv_logit, xs)
    return tables


if __name__ == "__main__":
    if "--coefficients" in sys.argv:
        print_coefficients()
    else:
        write("kernels", reference_tables())
