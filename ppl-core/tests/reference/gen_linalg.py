"""Reference log densities of the multivariate distributions: MultiNormal (Cholesky
parameterisation) and LkjCholesky.

Run: python3 ppl-core/tests/reference/gen_linalg.py  (needs numpy, scipy, mpmath)

Values are computed in 50-digit arithmetic with mpmath from the exact f64 inputs written to
the JSON file, and cross-checked against an independent computation:

* multi_normal_cholesky: scipy.stats.multivariate_normal.logpdf with Σ = L Lᵀ (agreement
  to ~1e-9 relative is asserted: scipy factorises Σ again, so it loses cond(Σ)·ε);
* lkj_corr_cholesky: the normalising constant of Lewandowski, Kurowicka & Joe (2009)
  (their Theorem 5 / onion-method constant, as in the Stan functions reference)
      c_K(η) = Π_{k=1}^{K-1} [2^{2η-2+K-k} B(η+(K-k-1)/2, η+(K-k-1)/2)]^{K-k}
  is checked against direct numerical integration of det(Ω)^(η-1) over the correlation
  matrices for K = 2 and K = 3, and the log density
      log p(L | η) = Σ_{i=2}^{K} (K - i + 2η - 2) ln L_ii - ln c_K(η)
  is evaluated with that constant.

Each case: {"y": [...], "mu": [...], "L": [... n² row-major ...], "value": v, "scale": s}
or {"K": k, "eta": η, "L": [...], "value": v, "scale": s}. `scale` is the size of the
largest term that cancels in the value (tolerance REFERENCE_REL · max(|value|, scale)).
"""
import math

import mpmath as mp
import numpy as np
from scipy import integrate, stats

from refgen import num, write

mp.mp.dps = 50
rng = np.random.default_rng(20240611)


# ---------------------------------------------------------------- multi_normal_cholesky

def mvn_cholesky_logpdf(y, mu, L):
    """(value, scale) in 50 digits; L is a list of rows (lower triangle read)."""
    n = len(mu)
    z = []
    for i in range(n):
        s = mp.mpf(y[i]) - mp.mpf(mu[i])
        for j in range(i):
            s -= mp.mpf(L[i][j]) * z[j]
        z.append(s / mp.mpf(L[i][i]))
    quad = sum(v * v for v in z) / 2
    logdet = sum(mp.log(mp.mpf(L[i][i])) for i in range(n))
    const = mp.mpf(n) / 2 * mp.log(2 * mp.pi)
    value = -quad - logdet - const
    scale = max(abs(quad), abs(logdet), abs(const))
    return float(value), float(scale)


def mvn_case(y, mu, L, scipy_rel=1e-9):
    L = np.tril(np.asarray(L, dtype=float))
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    value, scale = mvn_cholesky_logpdf(list(y), list(mu), L.tolist())
    check = stats.multivariate_normal.logpdf(y, mu, L @ L.T)
    assert abs(check - value) <= scipy_rel * max(abs(value), scale), (value, check)
    c = {"y": [num(v) for v in y], "mu": [num(v) for v in mu],
         "L": [num(v) for v in L.reshape(-1)], "value": num(value)}
    if scale > abs(value):
        c["scale"] = num(scale)
    return c


def random_cholesky(n, diag_lo=0.5, diag_hi=2.0):
    L = np.tril(rng.uniform(-1.0, 1.0, (n, n)), -1)
    L[np.diag_indices(n)] = rng.uniform(diag_lo, diag_hi, n)
    return L


mvn = []
mvn.append(mvn_case([0.3], [1.0], [[2.0]]))
mvn.append(mvn_case([2.0, 0.5], [1.0, -1.0], [[2.0, 0.0], [1.0, 2.0]]))
for n in [2, 3, 5, 10]:
    L = random_cholesky(n)
    mu = rng.uniform(-3, 3, n)
    y = mu + L @ rng.standard_normal(n)
    mvn.append(mvn_case(y, mu, L))
# y = mu (z = 0)
mvn.append(mvn_case([1.5, -2.0, 0.25], [1.5, -2.0, 0.25], random_cholesky(3)))
# far tail: ‖z‖ ≈ 30
L = random_cholesky(4)
mu = rng.uniform(-1, 1, 4)
mvn.append(mvn_case(mu + L @ np.array([15.0, -20.0, 10.0, 12.0]), mu, L))
# tiny scales (Σ ~ 1e-16) and huge scales (Σ ~ 1e12)
L = random_cholesky(3) * 1e-8
mvn.append(mvn_case(L @ np.array([0.3, -1.2, 0.7]), [0.0, 0.0, 0.0], L))
L = random_cholesky(3) * 1e6
mvn.append(mvn_case(L @ np.array([1.1, 0.2, -0.4]) + 5.0, [5.0, 5.0, 5.0], L))
# strongly correlated: Σ = [[1, .999], [.999, 1]]
L = np.linalg.cholesky(np.array([[1.0, 0.999], [0.999, 1.0]]))
mvn.append(mvn_case([0.5, 0.52], [0.0, 0.0], L))
mvn.append(mvn_case([0.5, -0.5], [0.0, 0.0], L))
# mixed scales: rows of L scaled by 1e-2 … 1e2 (cond Σ ~ 1e8, so scipy, which
# refactorises Σ, is only checked to 1e-6; the 50-digit value is exact for these inputs)
L = np.diag([1e-2, 1.0, 10.0, 1e2]) @ random_cholesky(4)
mvn.append(mvn_case(L @ rng.standard_normal(4), np.zeros(4), L, scipy_rel=1e-6))


# ---------------------------------------------------------------- lkj_corr_cholesky

def lkj_log_c_terms(K, eta):
    """The K-1 terms of ln c_K(η), from the LKJ (2009) / Stan functions reference
    product formula (each term is one factor's logarithm)."""
    eta = mp.mpf(eta)
    out = []
    for k in range(1, K):
        b = eta + mp.mpf(K - k - 1) / 2
        out.append((K - k) * ((2 * eta - 2 + K - k) * mp.log(2) + mp.log(mp.beta(b, b))))
    return out


def lkj_log_c(K, eta):
    return mp.fsum(lkj_log_c_terms(K, eta))


def lkj_log_c_scale(K, eta):
    """Σ |terms| in the form the library evaluates, Σ_m m·ln B(η + (m-1)/2, ½): the size
    of what may cancel (terms change sign as the arguments grow)."""
    eta = mp.mpf(eta)
    return mp.fsum(abs(m * mp.log(mp.beta(eta + mp.mpf(m - 1) / 2, mp.mpf(1) / 2)))
                   for m in range(1, K))


def integrate_c(K, eta):
    """∫ det(Ω)^(η-1) dΩ over the K × K correlation matrices, numerically (K = 2, 3)."""
    if K == 2:
        v, _ = integrate.quad(lambda r: (1 - r * r) ** (eta - 1), -1, 1, epsabs=0, epsrel=1e-13)
        return v

    def det(r23, r13, r12):
        return 1 - r12 ** 2 - r13 ** 2 - r23 ** 2 + 2 * r12 * r13 * r23

    def f(r23, r13, r12):
        return max(det(r23, r13, r12), 0.0) ** (eta - 1)

    def lo(r12, r13):
        return r12 * r13 - math.sqrt((1 - r12 ** 2) * (1 - r13 ** 2))

    def hi(r12, r13):
        return r12 * r13 + math.sqrt((1 - r12 ** 2) * (1 - r13 ** 2))

    v, _ = integrate.tplquad(f, -1, 1, -1, 1, lo, hi, epsabs=0, epsrel=1e-10)
    return v


for K, eta in [(2, 0.5), (2, 1.0), (2, 2.5), (2, 30.0), (3, 1.0), (3, 1.5), (3, 4.0)]:
    numeric = integrate_c(K, eta)
    exact = float(mp.exp(lkj_log_c(K, eta)))
    tol = 1e-11 if K == 2 else 1e-7
    assert abs(numeric - exact) <= tol * exact, (K, eta, numeric, exact)
assert abs(float(lkj_log_c(3, 1.0)) - math.log(math.pi ** 2 / 2)) < 1e-15


def lkj_case(L, eta):
    K = L.shape[0]
    parts = [(K - i + 2 * mp.mpf(eta) - 2) * mp.log(mp.mpf(L[i - 1, i - 1]))
             for i in range(2, K + 1)]   # 1-based rows
    log_c = lkj_log_c(K, eta)
    value = mp.fsum(parts) - log_c
    scale = mp.fsum(abs(p) for p in parts) + lkj_log_c_scale(K, eta)
    c = {"K": K, "eta": num(eta), "L": [num(v) for v in L.reshape(-1)], "value": num(float(value))}
    if scale > abs(value):
        c["scale"] = num(float(scale))
    return c


def random_corr_cholesky(K, spread=1.0):
    """Cholesky factor of a random correlation matrix (rows of L normalised to 1)."""
    A = rng.standard_normal((K, K)) * spread + np.eye(K)
    omega = A @ A.T
    d = np.sqrt(np.diag(omega))
    omega = omega / np.outer(d, d)
    L = np.linalg.cholesky(omega)
    return L / np.linalg.norm(L, axis=1)[:, None]


lkj = []
for K in [1, 2, 3, 4, 5, 8]:
    for eta in [0.1, 0.5, 1.0, 2.5, 10.0, 1e3]:
        lkj.append(lkj_case(random_corr_cholesky(K), eta))
# nearly singular correlation matrices (small trailing diagonal entries)
for K, eta in [(3, 0.3), (3, 50.0), (6, 2.0)]:
    lkj.append(lkj_case(random_corr_cholesky(K, spread=30.0), eta))
# the identity
lkj.append(lkj_case(np.eye(4), 3.0))
lkj.append(lkj_case(np.eye(10), 1e4))

normalizers = []
for K in [2, 3, 5, 10, 50]:
    for eta in [1e-3, 0.5, 1.0, 7.5, 1e2, 1e5]:
        v = lkj_log_c(K, eta)
        c = {"K": K, "eta": num(eta), "value": num(float(v))}
        scale = lkj_log_c_scale(K, eta)
        if scale > abs(v):
            c["scale"] = num(float(scale))
        normalizers.append(c)

tables = {"multi_normal_cholesky": mvn, "lkj_corr_cholesky": lkj,
          "lkj_log_normalizer": normalizers}
write("linalg", tables)
