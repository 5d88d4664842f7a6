"""NumPyro versions of the eight benchmark models and the timing of their gradient.

The gradient timed is that of NumPyro's potential energy (minus the log density on the
unconstrained space, Jacobians included: what its NUTS differentiates), as
`jax.jit` of a `lax.fori_loop` running `jax.value_and_grad(potential)` N times, so there is
no Python dispatch per gradient; float64, CPU. The point is carried through the loop as
`x + scale·grad` with `scale = 0.0` passed at run time, so XLA cannot hoist the
loop-invariant gradient out of the loop.

Run as a worker by peers.py: reads commands from stdin, one per line,
  `check MODEL`            -> `CHECK MODEL <max |Δlog p − Stan's|> <max |grad − Stan's|>`
  `time MODEL MILLIS`      -> `RESULT numpyro <median µs> <min> <max> <batches> <batch size>`
and answers on stdout. Unconstrained order = Stan's declaration order (NumPyro's own
flattening sorts sites by name, so the vector is split explicitly here).
"""

import json
import math
import os
import pathlib
import sys
import time

# Single-threaded XLA CPU, like the Stan and Rust gradients it is compared with.
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.infer.util import initialize_model  # noqa: E402

numpyro.set_platform("cpu")
numpyro.enable_x64()

BENCH = pathlib.Path(__file__).resolve().parent.parent
# The shared benchmark models and data, beside this repository.
SHARED_BENCH = BENCH.parent.parent / "shared" / "bench"


def load(name):
    raw = json.loads((SHARED_BENCH / "data" / f"{name}.json").read_text())
    return {k: v for k, v in raw.items() if not k.startswith("_")}


# ---- models -----------------------------------------------------------------------------


def gauss50(D):
    numpyro.sample("x", dist.Normal(0.0, 1.0).expand([D]))


def linreg_tan(x, y, yerr):
    theta = numpyro.sample("theta", dist.Uniform(-math.pi / 2, math.pi / 2))
    b_perp = numpyro.sample("b_perp", dist.Normal(0.0, 1.0))
    m = numpyro.deterministic("m", jnp.tan(theta))
    b = numpyro.deterministic("b", b_perp / jnp.cos(theta))
    numpyro.sample("y", dist.Normal(m * x + b, yerr), obs=y)


def eight_schools_nc(y, sigma):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
    theta_tilde = numpyro.sample("theta_tilde", dist.Normal(0.0, 1.0).expand([y.shape[0]]))
    theta = numpyro.deterministic("theta", mu + tau * theta_tilde)
    numpyro.sample("y", dist.Normal(theta, sigma), obs=y)


def logistic(X, y):
    alpha = numpyro.sample("alpha", dist.Normal(0.0, 2.5))
    beta = numpyro.sample("beta", dist.Normal(0.0, 1.0).expand([X.shape[1]]))
    numpyro.sample("y", dist.Bernoulli(logits=alpha + X @ beta), obs=y)


def hier_radon_like(g, x, y, J):
    mu_a = numpyro.sample("mu_a", dist.Normal(0.0, 10.0))
    sigma_a = numpyro.sample("sigma_a", dist.HalfNormal(1.0))
    a_raw = numpyro.sample("a_raw", dist.Normal(0.0, 1.0).expand([J]))
    b = numpyro.sample("b", dist.Normal(0.0, 10.0))
    sigma_y = numpyro.sample("sigma_y", dist.HalfNormal(1.0))
    numpyro.sample("y", dist.Normal(mu_a + sigma_a * a_raw[g] + b * x, sigma_y), obs=y)


def garch11(y, sigma1):
    mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    alpha0 = numpyro.sample("alpha0", dist.HalfNormal(1.0))
    alpha1 = numpyro.sample("alpha1", dist.Uniform(0.0, 1.0))
    beta1 = numpyro.sample("beta1", dist.Uniform(0.0, 1.0 - alpha1))

    def step(sigma_prev, y_prev):
        sigma = jnp.sqrt(alpha0 + alpha1 * (y_prev - mu) ** 2 + beta1 * sigma_prev**2)
        return sigma, sigma

    _, rest = jax.lax.scan(step, jnp.asarray(sigma1, dtype=y.dtype), y[:-1])
    sigma = jnp.concatenate([jnp.asarray([sigma1], dtype=y.dtype), rest])
    numpyro.sample("y", dist.Normal(mu, sigma), obs=y)


def mmm_adstock(x, y):
    C = x.shape[1]
    decay = numpyro.sample("decay", dist.Beta(2.0, 2.0).expand([C]))
    lam = numpyro.sample("lambda", dist.LogNormal(0.0, 1.0).expand([C]))
    beta = numpyro.sample("beta", dist.HalfNormal(2.0).expand([C]))
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 5.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))

    def step(a_prev, x_t):
        a = x_t + decay * a_prev
        return a, a

    _, a = jax.lax.scan(step, jnp.zeros(C, dtype=x.dtype), x)
    mu = intercept + (a / (a + lam)) @ beta
    numpyro.sample("y", dist.Normal(mu, sigma), obs=y)


def poisson_counting(n, s, b, tau, aux):
    mu = numpyro.sample("mu", dist.Uniform(0.0, 10.0))
    gamma = numpyro.sample("gamma", dist.Gamma(aux + 1.0, tau))
    numpyro.sample("n", dist.Poisson(mu * s + gamma * b), obs=n)


def build(name):
    """(model, kwargs, [(site, size)] in Stan's declaration order)."""
    d = load(name)
    f64 = lambda v: jnp.asarray(v, dtype=jnp.float64)  # noqa: E731
    if name == "gauss50":
        return gauss50, dict(D=d["D"]), [("x", d["D"])]
    if name == "linreg_tan":
        kw = dict(x=f64(d["x"]), y=f64(d["y"]), yerr=f64(d["yerr"]))
        return linreg_tan, kw, [("theta", None), ("b_perp", None)]
    if name == "eight_schools_nc":
        kw = dict(y=f64(d["y"]), sigma=f64(d["sigma"]))
        return eight_schools_nc, kw, [("mu", None), ("tau", None), ("theta_tilde", d["J"])]
    if name == "logistic":
        kw = dict(X=f64(d["X"]), y=f64(d["y"]))
        return logistic, kw, [("alpha", None), ("beta", d["D"])]
    if name == "hier_radon_like":
        g = jnp.asarray(np.asarray(d["g"]) - 1)  # Stan's 1-based indices
        kw = dict(g=g, x=f64(d["x"]), y=f64(d["y"]), J=d["J"])
        sites = [("mu_a", None), ("sigma_a", None), ("a_raw", d["J"]), ("b", None)]
        return hier_radon_like, kw, sites + [("sigma_y", None)]
    if name == "garch11":
        kw = dict(y=f64(d["y"]), sigma1=float(d["sigma1"]))
        sites = [("mu", None), ("alpha0", None), ("alpha1", None), ("beta1", None)]
        return garch11, kw, sites
    if name == "mmm_adstock":
        C = d["C"]
        kw = dict(x=f64(d["x"]), y=f64(d["y"]))
        sites = [("decay", C), ("lambda", C), ("beta", C), ("intercept", None), ("sigma", None)]
        return mmm_adstock, kw, sites
    if name == "poisson_counting":
        kw = dict(n=f64(d["n"]), s=d["s"], b=d["b"], tau=d["tau"], aux=d["aux"])
        return poisson_counting, kw, [("mu", None), ("gamma", None)]
    raise ValueError(f"unknown model {name}")


def potential(name):
    """The potential energy as a function of the flat unconstrained vector."""
    model, kwargs, sites = build(name)
    info = initialize_model(jax.random.PRNGKey(0), model, model_kwargs=kwargs)
    potential_fn = info.potential_fn

    def flat_potential(x):
        params, k = {}, 0
        for site, size in sites:
            if size is None:
                params[site] = x[k]
                k += 1
            else:
                params[site] = x[k : k + size]
                k += size
        return potential_fn(params)

    return flat_potential


def stan_points(name):
    ref = json.loads((BENCH / "stan_reference.json").read_text())
    return ref["models"][name]["points"]


_CACHE = {}


def value_and_grad(name):
    if name not in _CACHE:
        _CACHE[name] = {"pot": potential(name), "loops": {}}
        _CACHE[name]["vg"] = jax.jit(jax.value_and_grad(_CACHE[name]["pot"]))
    return _CACHE[name]


def check(name):
    """Max discrepancies with Stan's reference points (differences of log densities)."""
    entry = value_and_grad(name)
    pts = stan_points(name)
    ours = []
    grad_err = 0.0
    for p in pts:
        v, g = entry["vg"](jnp.asarray(p["x"], dtype=jnp.float64))
        ours.append(-float(v))
        grad_err = max(grad_err, float(np.max(np.abs(-np.asarray(g) - np.asarray(p["grad"])))))
    lp_err = max(
        abs((ours[k] - ours[0]) - (p["log_prob"] - pts[0]["log_prob"])) for k, p in enumerate(pts)
    )
    return lp_err, grad_err


def loop(name, n):
    entry = value_and_grad(name)
    if n not in entry["loops"]:
        vg = jax.value_and_grad(entry["pot"])

        def run(x, scale):
            def body(_, carry):
                x, acc = carry
                v, g = vg(x)
                return x + scale * g, acc + v

            return jax.lax.fori_loop(0, n, body, (x, jnp.zeros((), dtype=x.dtype)))

        entry["loops"][n] = jax.jit(run)
    return entry["loops"][n]


def timed(name, n, x):
    f = loop(name, n)
    scale = jnp.zeros((), dtype=jnp.float64)
    start = time.perf_counter()
    jax.block_until_ready(f(x, scale))
    return time.perf_counter() - start


def time_model(name, millis):
    x = jnp.asarray(stan_points(name)[0]["x"], dtype=jnp.float64)
    # Calibrate the trip count so one call lasts about 10 ms (each trip count is compiled
    # once and cached; compile time is excluded: the first call of each is discarded).
    n = 10
    while True:
        timed(name, n, x)
        t = timed(name, n, x)
        if t >= 0.01:
            break
        n = n * 10 if t < 1e-4 else int(n * 0.012 / t) + 1
        # Round to 2 significant digits so few distinct loops get compiled across runs.
        n = int(float(f"{n:.2g}"))
    per_call = []
    start = time.perf_counter()
    while len(per_call) < 5 or time.perf_counter() - start < millis * 1e-3:
        per_call.append(timed(name, n, x) * 1e6 / n)
    per_call.sort()
    return per_call[len(per_call) // 2], per_call[0], per_call[-1], len(per_call), n


def main():
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "check":
                lp_err, grad_err = check(words[1])
                print(f"CHECK {words[1]} {lp_err:.3e} {grad_err:.3e}", flush=True)
            elif words[0] == "time":
                med, lo, hi, k, n = time_model(words[1], float(words[2]))
                print(f"RESULT numpyro {med:.6f} {lo:.6f} {hi:.6f} {k} {n}", flush=True)
            else:
                print(f"ERROR unknown command {words[0]}", flush=True)
        except Exception as e:  # report and keep serving
            print(f"ERROR {type(e).__name__}: {e}".replace("\n", " "), flush=True)


if __name__ == "__main__":
    main()
