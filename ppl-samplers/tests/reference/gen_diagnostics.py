"""Reference values for ppl-samplers' diagnostics, computed with ArviZ.

Run from this directory:  python3 gen_diagnostics.py   (writes diagnostics.json)

Each case is a set of chains (chain, draw) and ArviZ's rank-normalised split R-hat,
bulk/tail/mean ESS, MCSE of mean and sd, and E-BFMI per chain. Includes well-mixed,
autocorrelated, non-mixed, heavy-tailed, tied/discrete, odd-length and tiny cases, and
standard normal quantiles from scipy.
"""
import json
import warnings

warnings.filterwarnings("ignore")

import arviz
import numpy as np
import scipy
from arviz.stats import diagnostics as d
from scipy import stats


def ar1(rng, chains, draws, rho, shift=None):
    x = np.empty((chains, draws))
    for c in range(chains):
        v = rng.normal() / np.sqrt(1 - rho**2)
        for t in range(draws):
            v = rho * v + rng.normal()
            x[c, t] = v
        if shift is not None:
            x[c] += shift[c]
    return x


def main():
    rng = np.random.default_rng(20240611)
    sets = {
        "iid_normal_4x100": rng.normal(size=(4, 100)),
        "ar1_0.9_4x200": ar1(rng, 4, 200, 0.9),
        "ar1_0.99_2x500": ar1(rng, 2, 500, 0.99),
        "not_mixed_4x100": ar1(rng, 4, 100, 0.5, shift=[0.0, 0.0, 3.0, -3.0]),
        "drifting_2x80": np.cumsum(rng.normal(size=(2, 80)), axis=1),
        "student_t2_2x151": rng.standard_t(2, size=(2, 151)),
        "poisson_ties_3x50": rng.poisson(2.0, size=(3, 50)).astype(float),
        "antithetic_2x64": np.repeat(rng.normal(size=(2, 32)), 2, axis=1) * np.tile([1, -1], 32),
        "lognormal_4x1000": np.exp(ar1(rng, 4, 1000, 0.3)),
        "tiny_2x5": rng.normal(size=(2, 5)),
    }
    cases = []
    for name, x in sets.items():
        cases.append(
            {
                "name": name,
                "chains": x.tolist(),
                "rhat": float(d._rhat_rank(x)),
                "ess_bulk": float(d._ess_bulk(x)),
                "ess_tail": float(d._ess_tail(x)),
                "ess_mean": float(d._ess_mean(x)),
                "mcse_mean": float(d._mcse_mean(x)),
                "mcse_sd": float(d._mcse_sd(x)),
                "e_bfmi": [float(v) for v in d._bfmi(x)],
            }
        )
    ps = [1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.075, 0.1, 0.3, 0.5, 0.7, 0.924, 0.975, 0.999999, 1 - 1e-12]
    quantiles = [{"p": p, "z": float(stats.norm.ppf(p))} for p in ps]
    out = {
        "generator": "gen_diagnostics.py",
        "arviz": arviz.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cases": cases,
        "inv_normal_cdf": quantiles,
    }
    with open("diagnostics.json", "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
