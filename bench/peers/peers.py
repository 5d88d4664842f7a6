"""Side-by-side timing of one gradient of the eight benchmark models: Stan's C++
`log_prob_grad`, NumPyro's jitted `value_and_grad`, and ours (`cargo bench --bench gradients`).

Called by run.sh inside its venv. Steps:
1. build one Stan driver per model (bench/peers/.build/): the model C++ from httpstan's
   bundled `stanc`, stan_driver.cpp, httpstan's headers and compiler flags; check that each
   driver's log density and gradient at the timing point equal bench/stan_reference.json;
2. build our timing binary (`cargo bench --bench gradients --no-run`, release profile);
3. start the NumPyro worker (numpyro_bench.py) and check its potential against Stan's
   reference points (differences of log densities, gradients);
4. for each repetition, for each model, time the three implementations one after the other
   (the order rotates between repetitions), each for MILLIS ms of batches, median per run;
5. print per model the median over repetitions of each time and of the per-repetition
   ratios peer/ours with their min–max spread; write everything to results/<stamp>.json.

All three are timed at the same point (point 0 of bench/stan_reference.json), single-threaded.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import pathlib
import platform
import shlex
import statistics
import subprocess
import sys
import sysconfig

HERE = pathlib.Path(__file__).resolve().parent
BENCH = HERE.parent
# The shared benchmark models and data, beside this repository.
SHARED_BENCH = BENCH.parent.parent / "shared" / "bench"
ROOT = BENCH.parent
BUILD = HERE / ".build"
MODELS = [
    "gauss50",
    "linreg_tan",
    "eight_schools_nc",
    "logistic",
    "hier_radon_like",
    "garch11",
    "mmm_adstock",
    "poisson_counting",
]
TOOLS = ["stan", "numpyro", "ours"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def reference(name):
    ref = json.loads((BENCH / "stan_reference.json").read_text())
    return ref["models"][name]["points"]


# ---- Stan ---------------------------------------------------------------------------------


def httpstan_dir():
    import httpstan

    return pathlib.Path(httpstan.__file__).resolve().parent


def stan_compile_command(model_cpp, source, exe):
    """g++ with the flags httpstan's build_services_extension_module uses (httpstan/models.py:
    Python's CFLAGS as setuptools passes them, its macros, `-O3 -std=c++14
    -Wno-sign-compare`), linking httpstan's TBB (STAN_THREADS)."""
    hs = httpstan_dir()
    cxx = os.environ.get("CXX", "g++")
    cflags = shlex.split(sysconfig.get_config_var("CFLAGS") or "") + ["-fPIC"]
    macros = [
        "-DBOOST_DISABLE_ASSERTS",
        "-DBOOST_PHOENIX_NO_VARIADIC_EXPRESSION",
        "-DSTAN_THREADS",
        "-D_REENTRANT",
        "-D_GLIBCXX_USE_CXX11_ABI=0",
    ]
    extra = ["-O3", "-std=c++14", "-Wno-sign-compare"]
    return (
        [cxx]
        + cflags
        + macros
        + [f'-DSTAN_MODEL_CPP="{model_cpp}"', f"-I{hs / 'include'}"]
        + extra
        + [str(source), "-o", str(exe), f"-L{hs / 'lib'}", "-ltbb", f"-Wl,-rpath,{hs / 'lib'}"]
    )


def build_stan(name):
    hs = httpstan_dir()
    BUILD.mkdir(exist_ok=True)
    stan_file = SHARED_BENCH / "stan" / f"{name}.stan"
    cpp = BUILD / f"{name}.cpp"
    exe = BUILD / f"{name}_driver"
    data = BUILD / f"{name}.data.json"
    point = BUILD / f"{name}.point.txt"
    raw = json.loads((SHARED_BENCH / "data" / f"{name}.json").read_text())
    data.write_text(json.dumps({k: v for k, v in raw.items() if not k.startswith("_")}))
    point.write_text(" ".join(repr(v) for v in reference(name)[0]["x"]) + "\n")
    driver = HERE / "stan_driver.cpp"
    cmd = stan_compile_command(cpp, driver, exe)
    stamp = BUILD / f"{name}.cmd"
    if (
        exe.exists()
        and stamp.exists()
        and stamp.read_text() == " ".join(cmd)
        and exe.stat().st_mtime > max(stan_file.stat().st_mtime, driver.stat().st_mtime)
    ):
        return name, exe
    subprocess.run(
        [str(hs / "stanc"), "--name", f"{name}_model", f"--o={cpp}", str(stan_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    log("  compiling", name)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"compiling the Stan driver of {name} failed:\n{res.stderr[-4000:]}")
    stamp.write_text(" ".join(cmd))
    return name, exe


def run_stan(name, millis):
    exe = BUILD / f"{name}_driver"
    out = subprocess.run(
        [str(exe), str(BUILD / f"{name}.data.json"), str(BUILD / f"{name}.point.txt"), str(millis)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lp, grad, result = None, None, None
    for line in out.splitlines():
        w = line.split()
        if w and w[0] == "LP":
            lp = float(w[1])
        elif w and w[0] == "GRAD":
            grad = [float(v) for v in w[1:]]
        elif w and w[0] == "RESULT":
            result = [float(v) for v in w[2:]]
    return lp, grad, result


def check_stan(name):
    lp, grad, _ = run_stan(name, 0)
    p = reference(name)[0]
    scale = max(1.0, max(abs(g) for g in p["grad"]))
    gerr = max(abs(a - b) for a, b in zip(grad, p["grad"]))
    lerr = abs(lp - p["log_prob"])
    ok = lerr <= 1e-12 * max(1.0, abs(lp)) and gerr <= 1e-12 * scale
    log(f"  stan driver {name}: |lp − ref| {lerr:.1e}, max |grad − ref| {gerr:.1e}", "" if ok else "MISMATCH")
    if not ok:
        raise RuntimeError(f"Stan driver of {name} disagrees with bench/stan_reference.json")


# ---- ours ---------------------------------------------------------------------------------


def build_ours():
    out = subprocess.run(
        ["cargo", "bench", "--bench", "gradients", "--no-run", "--message-format=json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-4000:])
    exe = None
    for line in out.stdout.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "gradients":
            exe = msg.get("executable") or exe
    if exe is None:
        raise RuntimeError("cargo did not report the `gradients` bench executable")
    return exe


def run_ours(exe, name, millis):
    out = subprocess.run(
        [exe, "--ms", str(int(millis)), name], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    for line in out.splitlines():
        w = line.split()
        if w[:2] == ["RESULT", "ours"]:
            return float(w[3])
    raise RuntimeError(f"no RESULT from ours for {name}:\n{out}")


# ---- NumPyro ------------------------------------------------------------------------------


class NumPyro:
    def __init__(self):
        self.p = subprocess.Popen(
            [sys.executable, str(HERE / "numpyro_bench.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        answer = self.p.stdout.readline().strip()
        if not answer or answer.startswith("ERROR"):
            raise RuntimeError(f"NumPyro worker: {line!r} -> {answer!r}")
        return answer.split()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


# ---- main ---------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ms", type=float, default=600, help="timing budget per run (ms)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel Stan compilations")
    ap.add_argument("models", nargs="*", default=MODELS)
    args = ap.parse_args()

    log("building the Stan drivers (a few minutes per model on first run)")
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(build_stan, args.models))
    for m in args.models:
        check_stan(m)
    log("building ours (cargo bench --no-run)")
    ours = build_ours()
    log("starting NumPyro; checking it against Stan's reference points")
    npy = NumPyro()
    for m in args.models:
        _, _, lp_err, grad_err = npy.ask(f"check {m}")
        log(f"  numpyro {m}: max |Δlp − Stan's| {lp_err}, max |grad − Stan's| {grad_err}")

    runs = {m: {t: [] for t in TOOLS} for m in args.models}
    for rep in range(args.reps):
        log(f"repetition {rep + 1}/{args.reps}")
        for m in args.models:
            order = TOOLS[rep % 3 :] + TOOLS[: rep % 3]
            for tool in order:
                if tool == "stan":
                    us = run_stan(m, args.ms)[2][0]
                elif tool == "numpyro":
                    us = float(npy.ask(f"time {m} {args.ms}")[2])
                else:
                    us = run_ours(ours, m, args.ms)
                runs[m][tool].append(us)
            r = runs[m]
            log(f"  {m:<18} stan {r['stan'][-1]:9.3f}  numpyro {r['numpyro'][-1]:9.3f}  ours {r['ours'][-1]:9.3f} µs")
    npy.close()

    summary = {}
    lines = [
        "| model | Stan µs | NumPyro µs | ours µs | Stan/ours | NumPyro/ours | ≥ 2x both |",
        "|---|---:|---:|---:|---:|---:|:-:|",
    ]
    for m in args.models:
        r = runs[m]
        ratios = {
            peer: [p / o for p, o in zip(r[peer], r["ours"])] for peer in ["stan", "numpyro"]
        }
        med = {t: statistics.median(r[t]) for t in TOOLS}
        rmed = {peer: statistics.median(v) for peer, v in ratios.items()}
        summary[m] = {"median_us": med, "ratio_median": rmed, "runs_us": r, "ratios": ratios}

        def fmt(peer):
            v = ratios[peer]
            return f"{rmed[peer]:.2f} ({min(v):.2f}–{max(v):.2f})"

        ok = "yes" if min(rmed.values()) >= 2 else "no"
        lines.append(
            f"| {m} | {med['stan']:.3f} | {med['numpyro']:.3f} | {med['ours']:.3f} "
            f"| {fmt('stan')} | {fmt('numpyro')} | {ok} |"
        )
    table = "\n".join(lines)
    print(table)
    import jax
    import numpyro
    import stan

    meta = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "cpu": next(
            (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
            platform.processor(),
        )
        if pathlib.Path("/proc/cpuinfo").exists()
        else platform.processor(),
        "versions": {
            "pystan": getattr(stan, "__version__", "3"),
            "httpstan": __import__("httpstan").__version__,
            "numpyro": numpyro.__version__,
            "jax": jax.__version__,
        },
        "reps": args.reps,
        "ms_per_run": args.ms,
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (results / f"{stamp}.json").write_text(json.dumps({"meta": meta, "models": summary}, indent=1))
    (results / f"{stamp}.md").write_text(
        f"{meta['date']} on {meta['cpu']}, {args.reps} repetitions of {args.ms:g} ms per run; "
        f"ratio = median over repetitions (min–max)\n\n{table}\n"
    )
    log(f"written {results / (stamp + '.json')}")


if __name__ == "__main__":
    main()
