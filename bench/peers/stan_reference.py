"""Stan's log density and gradient of the eight benchmark models at a few unconstrained points.

Writes bench/stan_reference.json, read by the Rust test `stan_reference` of the
`bench_models` example: for every model, points `x` on the unconstrained space (Stan's
declaration order) with Stan's `log_prob(x, adjust_transform=True)` and
`grad_log_prob(x)` (PyStan 3 / httpstan: `stan::model::log_prob_grad<true, true>`,
i.e. Jacobian included and constants dropped, so only DIFFERENCES of log densities
between points of one model are comparable with ours).

Usage: python stan_reference.py [out.json]   (needs pystan; run.sh's venv has it)
"""

import json
import pathlib
import sys

import numpy as np
import stan

HERE = pathlib.Path(__file__).resolve().parent
BENCH = HERE.parent
# The shared benchmark models and data, beside this repository.
SHARED_BENCH = BENCH.parent.parent / "shared" / "bench"
# Unconstrained dimension of each model (declared parameters only).
MODELS = {
    "gauss50": 50,
    "linreg_tan": 2,
    "eight_schools_nc": 10,
    "logistic": 21,
    "hier_radon_like": 89,
    "garch11": 4,
    "mmm_adstock": 11,
    "poisson_counting": 2,
}
POINTS = 3


def stan_data(model):
    raw = json.loads((SHARED_BENCH / "data" / f"{model}.json").read_text())
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else BENCH / "stan_reference.json"
    result = {
        "source": "PyStan 3: log_prob(x, adjust_transform=True), grad_log_prob(x)",
        "models": {},
    }
    rng = np.random.default_rng(20261122)
    for model, dim in MODELS.items():
        code = (SHARED_BENCH / "stan" / f"{model}.stan").read_text()
        posterior = stan.build(code, data=stan_data(model), random_seed=1)
        points = []
        for k in range(POINTS):
            x = rng.normal(0.0, 0.7, size=dim).tolist()
            lp = posterior.log_prob(x, adjust_transform=True)
            grad = posterior.grad_log_prob(x)
            points.append({"x": x, "log_prob": lp, "grad": list(grad)})
        result["models"][model] = {"dim": dim, "points": points}
        print(model, dim, [p["log_prob"] for p in points], flush=True)
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
