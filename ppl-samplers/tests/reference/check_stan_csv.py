"""Checks that standard readers parse the Stan CSV files written by ppl-samplers.

Development-time check (not run by `cargo test`, which parses the files back in Rust):

    cargo run -p ppl-samplers --example stan_csv_files -- /tmp/stan_csv
    pip install cmdstanpy arviz
    python3 ppl-samplers/tests/reference/check_stan_csv.py /tmp/stan_csv

For every directory of files: cmdstanpy.from_csv and arviz.from_cmdstan must read them,
with the right numbers of chains, draws, warm-up draws and columns, the parameter names
back in Stan's bracket form, the step size and inverse metric of each chain, and the
divergence counts; and the values they read must equal the text in the file.
"""

import glob
import os
import sys

import arviz
import cmdstanpy
import numpy as np


def read_plain(path):
    """Columns, warm-up rows, draw rows, step size and metric rows, by hand."""
    header, warmup, draws, metric = None, [], [], []
    step, in_adapt, in_metric = None, False, False
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            c = line.lstrip("#").strip()
            if header is None:
                continue
            if c.startswith("Adaptation terminated"):
                in_adapt = True
            elif c.startswith("Step size = "):
                step = float(c.split(" = ")[1])
            elif c.endswith("inverse mass matrix:"):
                in_metric = True
            elif in_metric and c and c[0] not in "E":
                try:
                    metric.append([float(x) for x in c.split(",")])
                except ValueError:
                    in_metric = False
            else:
                in_metric = False
            continue
        if header is None:
            header = line.split(",")
            continue
        row = [float(x) for x in line.split(",")]
        (draws if in_adapt else warmup).append(row)
    return header, np.array(warmup), np.array(draws), step, metric


def check_dir(directory):
    files = sorted(glob.glob(os.path.join(directory, "*.csv")))
    assert files, directory
    plain = [read_plain(f) for f in files]
    header = plain[0][0]
    n_draws = len(plain[0][2])
    n_warmup = len(plain[0][1])

    static = "engine = static" in open(files[0]).read()
    if static:
        # cmdstanpy 1.3.2 requires `max_depth`, which only NUTS has (it rejects CmdStan's
        # own static-HMC files the same way): ArviZ only.
        check_arviz(files, header, plain, n_warmup, n_draws)
        print(f"{directory}: static HMC, {len(files)} chains x {n_draws} draws: arviz reads it")
        return
    fit = cmdstanpy.from_csv(files)
    assert fit.chains == len(files), (fit.chains, len(files))
    assert fit.num_draws_sampling == n_draws
    assert fit.column_names == tuple(
        cmdstanpy.utils.stancsv.munge_varname(h) for h in header
    )
    draws = fit.draws(inc_warmup=n_warmup > 0)  # (draws, chains, columns)
    assert draws.shape == (n_warmup + n_draws, len(files), len(header)), draws.shape
    for k, (_, warm, kept, step, metric) in enumerate(plain):
        both = np.concatenate([warm, kept]) if n_warmup else kept
        assert np.array_equal(draws[:, k, :], both, equal_nan=True), k
        assert fit.step_size[k] == step, (fit.step_size[k], step)
        m = np.atleast_2d(fit.inv_metric[k])
        assert np.array_equal(m, np.array(metric)), (m, metric)
    divergent = header.index("divergent__")
    expected_div = [int(p[2][:, divergent].sum()) for p in plain]
    # cmdstanpy 1.3.2 counts divergences from the second kept draw on
    # (`draws_lines[1 + warmup_draws:]` in stancsv.py, the header being already
    # removed), so its count misses a divergent first draw.
    counted = [int(p[2][1:, divergent].sum()) for p in plain]
    assert list(fit.divergences) == counted, (fit.divergences, counted)
    assert int(draws[n_warmup:, :, divergent].sum()) == sum(expected_div)
    # Variables rebuilt from the dotted names: theta.1 ... theta.8 -> theta, shape (8,).
    variables = fit.stan_variables()
    n_elements = sum(int(np.prod(v.shape[1:])) for v in variables.values())
    assert n_elements == len(header) - 7, ({k: v.shape for k, v in variables.items()}, header)
    # (fit.summary() needs CmdStan's stansummary binary, which is not used here.)

    check_arviz(files, header, plain, n_warmup, n_draws)
    print(
        f"{directory}: {len(files)} chains x {n_draws} draws"
        f" (+{n_warmup} warm-up), {len(header) - 7} parameters,"
        f" {sum(expected_div)} divergences: cmdstanpy and arviz agree"
    )


def check_arviz(files, header, plain, n_warmup, n_draws):
    divergent = header.index("divergent__")
    expected_div = [int(p[2][:, divergent].sum()) for p in plain]
    idata = arviz.from_cmdstan(files, save_warmup=n_warmup > 0)
    params = [h for h in header if not h.endswith("__")]
    n_vars = sum(int(np.prod(idata.posterior[v].shape[2:])) for v in idata.posterior)
    assert n_vars == len(params), (n_vars, params)
    assert idata.posterior.sizes["chain"] == len(files)
    assert idata.posterior.sizes["draw"] == n_draws
    if n_warmup:
        assert idata.warmup_posterior.sizes["draw"] == n_warmup
    assert int(idata.sample_stats["diverging"].sum()) == sum(expected_div)
    # One parameter's values, element by element.
    first = params[0]
    name, _, index = first.partition(".")
    values = idata.posterior[name].values
    if index:
        values = values[..., int(index) - 1]
    col = header.index(first)
    for k, (_, _, kept, _, _) in enumerate(plain):
        assert np.array_equal(values[k], kept[:, col]), k


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "stan_csv"
    for d in sorted(glob.glob(os.path.join(root, "*"))):
        if os.path.isdir(d):
            check_dir(d)
