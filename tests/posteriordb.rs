//! NUTS against the posteriordb reference posteriors (the DEV set in
//! `../shared/posteriordb/`, beside the repository checkout; `$PPL_POSTERIORDB_DIR`
//! overrides the location). A missing folder fails the tests, it never skips them.
//!
//! Every DEV posterior the model language can express is translated from its `model.stan`
//! (same parameters, order, constraints and priors; transformed data computed here in
//! Rust, as Stan computes it once; Stan's 1-based `beta[1]` is our `beta[0]`) and sampled
//! with NUTS using the reference run's `adapt_delta` and `max_treedepth`. The posteriors it
//! cannot express yet are listed in [`NOT_EXPRESSIBLE`] with the missing feature, and
//! `every_dev_posterior_is_covered` fails if a folder is neither tested nor listed.
//!
//! # Checks, for every reference quantity (transformed parameters via `deterministic`)
//!
//! * Mean: `z = (mean − ref_mean) / √(mcse_mean² + (ref_sd / √ref_ess_bulk)²)`, with our
//!   MCSE from ppl-samplers and the reference's from its 10 000 near-independent draws.
//! * Sd: `z = (sd − ref_sd) / √(mcse_sd² + ref_mcse_sd²)` with our `mcse_sd` from
//!   ppl-samplers and `ref_mcse_sd = ref_sd · √((κ − 1) / (4 ref_ess_bulk))` (delta
//!   method for a sample sd; the kurtosis κ is estimated from our draws, and κ = 3 gives
//!   the normal-theory `ref_sd / √(2 ess)`). Reported as a relative error
//!   `|sd / ref_sd − 1|` against its bound `z_max · se / ref_sd`.
//! * `|z| < z_max` for both, with a Bonferroni bound over the suite: `M` = 2 × (number of
//!   reference quantities in the suite) comparisons, family-wise false-alarm probability
//!   `α = 10⁻³`, `z_max = Φ⁻¹(1 − α / (2M))`, computed at run time from the reference
//!   files. Full suite: 26 posteriors, 152 quantities, M = 304, z_max = 4.65. CI suite:
//!   32 quantities, M = 64, z_max = 4.32. The MCSEs are estimates: a 10 % error in them
//!   (our part is ~70 % of the variance) raises the false-alarm rate of a comparison by at
//!   most ~2.7× at these bounds (numerical average over the error), so the suite's
//!   false-alarm probability stays below ~3·10⁻³.
//! * Rank-normalised split R-hat below `max(1.01, chance bound)` for every quantity of the
//!   model: 1.01 is the convention of Vehtari et al. 2021; the chance bound is what
//!   well-mixed chains of the quantity's bulk ESS (at least 400) exceed with probability
//!   `α/(2M)`, the same Bonferroni budget as above (see `Suite::rhat_bound`). With bulk ESS
//!   ≥ ~3000 the bound is 1.01; `sblrc-blr`'s `sigma` (bulk ESS 370–840) reached R-hat ≥ 1.01
//!   in 5 of 42 seeded runs with a correct sampler, which the fixed 1.01 failed.
//! * No divergent transition and no failed chain.
//!
//! # Suites
//!
//! * CI (`cargo test --test posteriordb`, test profile, ~6 s): five cheap posteriors
//!   covering a hierarchical model with a transformed parameter (eight schools), a
//!   recursion with a parameter-dependent bound (GARCH), an ARMA recursion with a
//!   half-Cauchy prior, the flat-prior regression that 15 of the 26 posteriors share
//!   (log mesquite, 7 coefficients) and a design-matrix regression (sblrc); 4 chains ×
//!   (1000 warm-up + 1000 draws), the same settings as the full suite since they are cheap.
//! * Full (`cargo test --release --test posteriordb -- --ignored --test-threads=1
//!   --nocapture` for the per-quantity tables and honest wall times): all 26 posteriors, 4
//!   chains × (1000 warm-up + 1000 draws), seed 42.

#[path = "posteriordb/harness.rs"]
mod harness;

use harness::{evaluate, evaluate_with_metric, load, map, mean, rows, sd, Posterior, Suite};
use ppl::prelude::*;

/// Seed of every run (chain `k` uses stream `k`).
const SEED: u64 = 42;

#[test]
fn the_chi_square_quantile_of_the_rhat_bound_is_within_3_percent() {
    // scipy.stats.chi2.isf(p, 7) and norm.isf(p), scipy 1.x.
    for (z, exact) in [
        (3.090_232_306_167_813, 24.321_886_347_856_854),
        (4.264_890_793_922_602, 35.258_536_421_480_876),
    ] {
        let q = harness::chi2_upper_quantile(7.0, z);
        assert!(q >= exact && q <= 1.03 * exact, "{q} vs {exact}");
    }
}

/// DEV posteriors the language cannot express yet, with the missing feature.
const NOT_EXPRESSIBLE: &[(&str, &str)] = &[];

// ---------------------------------------------------------------------------------------
// Models (one per distinct Stan program structure; the data differ by transformed data).
// ---------------------------------------------------------------------------------------

/// `arma-arma11`: ARMA(1,1) with `err[0] = 0`.
#[model]
fn arma11(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 10.0));
    let phi = sample("phi", Normal(0.0, 2.0));
    let theta = sample("theta", Normal(0.0, 2.0));
    let sigma = sample("sigma", HalfCauchy(2.5));
    let mut err = y[0] - (mu + phi * mu);
    observe("err", Normal(0.0, sigma), err);
    for t in 1..y.len() {
        let nu = mu + phi * y[t - 1] + theta * err;
        err = y[t] - nu;
        observe("err", Normal(0.0, sigma), err);
    }
}

/// `eight_schools-eight_schools_noncentered`: `theta = theta_trans · tau + mu`.
#[model]
fn eight_schools_noncentered(y: &[f64], sigma: &[f64]) {
    let theta_trans = sample("theta_trans", Normal(0.0, 1.0).iid(y.len()));
    let mu = sample("mu", Normal(0.0, 5.0));
    let tau = sample("tau", HalfCauchy(5.0));
    for j in 0..y.len() {
        let theta = theta_trans[j] * tau + mu;
        deterministic("theta", theta);
        observe("y", Normal(theta, sigma[j]), y[j]);
    }
}

/// `garch-garch11`: flat priors, `beta1 ∈ (0, 1 − alpha1)`.
#[model]
fn garch11(y: &[f64], sigma1: f64) {
    let mu = sample("mu", Flat(Real));
    let alpha0 = sample("alpha0", Flat(Positive));
    let alpha1 = sample("alpha1", Flat(Interval(0.0, 1.0)));
    let beta1 = sample("beta1", Flat(Interval(0.0, 1.0 - alpha1)));
    let mut sigma = sigma1;
    observe("y1", Normal(mu, sigma), y[0]);
    for t in 1..y.len() {
        sigma = (alpha0 + alpha1 * (y[t - 1] - mu).powi(2) + beta1 * sigma * sigma).sqrt();
        observe("y", Normal(mu, sigma), y[t]);
    }
}

/// `hmm_example-hmm_example`: two-state HMM, flat simplex transition rows, positive-ordered
/// means, the forward algorithm (Stan's `theta[j, k]` is row `j`'s simplex at `k`).
#[model]
fn hmm_example(y: &[f64], k: usize) {
    let theta1 = sample("theta1", Flat(Simplex(k)));
    let theta2 = sample("theta2", Flat(Simplex(k)));
    let mu = sample("mu", Flat(PositiveOrdered(k)));
    factor(normal_lpdf(mu[0], 3.0, 1.0) + normal_lpdf(mu[1], 10.0, 1.0));
    let mut acc = vec![0.0; k];
    let mut gamma = vec![0.0; k];
    let mut prev = vec![0.0; k];
    for j in 0..k {
        gamma[j] = normal_lpdf(y[0], mu[j], 1.0);
    }
    for t in 1..y.len() {
        for j in 0..k {
            prev[j] = gamma[j];
        }
        for s in 0..k {
            for j in 0..k {
                let th = if j == 0 { theta1[s] } else { theta2[s] };
                acc[j] = prev[j] + th.ln() + normal_lpdf(y[t], mu[s], 1.0);
            }
            gamma[s] = log_sum_exp(&acc);
        }
    }
    factor(log_sum_exp(&gamma));
}

/// `bball_drive_event_1-hmm_drive_1`: two-state HMM over two observed streams (normal
/// emissions with known sds), simplex transition rows with Dirichlet priors (Stan's
/// `alpha[k, :]` is row `k` of the data matrix), ordered emission means, the forward
/// algorithm (`theta[j, k]` is row `j`'s simplex at `k`).
#[model]
fn hmm_drive(u: &[f64], v: &[f64], alpha: &[Vec<f64>], tau: f64, rho: f64, k: usize) {
    let theta1 = sample("theta1", Dirichlet(alpha[0]));
    let theta2 = sample("theta2", Dirichlet(alpha[1]));
    let phi = sample("phi", Flat(Ordered(k)));
    let lambda = sample("lambda", Flat(Ordered(k)));
    factor(normal_lpdf(phi[0], 0.0, 1.0) + normal_lpdf(phi[1], 3.0, 1.0));
    factor(normal_lpdf(lambda[0], 0.0, 1.0) + normal_lpdf(lambda[1], 3.0, 1.0));
    let mut acc = vec![0.0; k];
    let mut gamma = vec![0.0; k];
    let mut prev = vec![0.0; k];
    for j in 0..k {
        gamma[j] = normal_lpdf(u[0], phi[j], tau) + normal_lpdf(v[0], lambda[j], rho);
    }
    for t in 1..u.len() {
        for j in 0..k {
            prev[j] = gamma[j];
        }
        for s in 0..k {
            let emit = normal_lpdf(u[t], phi[s], tau) + normal_lpdf(v[t], lambda[s], rho);
            for j in 0..k {
                let th = if j == 0 { theta1[s] } else { theta2[s] };
                acc[j] = prev[j] + th.ln() + emit;
            }
            gamma[s] = log_sum_exp(&acc);
        }
    }
    factor(log_sum_exp(&gamma));
}

/// `gp_pois_regr-gp_regr`: marginal GP regression, `y ~ multi_normal_cholesky(0, L)` with
/// `L = cholesky_decompose(gp_exp_quad_cov(x, alpha, rho) + sigma·I)` (Stan adds `sigma`,
/// not `sigma²`, to the diagonal). Without matrix types: `K` and `L` are row-major local
/// vectors, `L` by the Cholesky–Banachiewicz loops, `z = L⁻¹ y` by forward substitution
/// and `log N(y | 0, L Lᵀ) = −Σ ln L_ii − ½ Σ z_i² − (N/2) ln 2π` added with `factor`.
/// Priors: `rho ~ gamma(25, 4)` (rate 4), `alpha ~ normal(0, 2)` and
/// `sigma ~ normal(0, 1)` on positive parameters (half-normals).
#[model]
fn gp_regr(x: &[f64], y: &[f64]) {
    let rho = sample("rho", Gamma(25.0, 4.0));
    let alpha = sample("alpha", HalfNormal(2.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    let n = y.len();
    let mut k = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let d = x[i] - x[j];
            k[i * n + j] = alpha * alpha * (-(d * d) / (rho * rho * 2.0)).exp();
        }
        k[i * n + i] += sigma;
    }
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..i {
            let mut s = k[i * n + j];
            for p in 0..j {
                s -= l[i * n + p] * l[j * n + p];
            }
            l[i * n + j] = s / l[j * n + j];
        }
        let mut s = k[i * n + i];
        for p in 0..i {
            s -= l[i * n + p] * l[i * n + p];
        }
        l[i * n + i] = s.sqrt();
    }
    let mut z = vec![0.0; n];
    let mut lp = 0.0;
    for i in 0..n {
        let mut r = y[i];
        for p in 0..i {
            r -= l[i * n + p] * z[p];
        }
        z[i] = r / l[i * n + i];
        lp -= l[i * n + i].ln() + z[i] * z[i] * 0.5;
    }
    factor(lp - (2.0 * std::f64::consts::PI).ln() * 0.5 * n as f64);
}

/// The ARM-book regressions (earnings, kidiq_with_mom_work, mesquite, nes):
/// `y ~ normal(beta[1] + beta[2] x₁ + … + beta[K+1] x_K, sigma)` with no prior statement
/// (flat `beta`, flat `sigma > 0`). `x` holds the K predictors of each row.
#[model]
fn flat_regression(x: &[Vec<f64>], y: &[f64], k: usize) {
    let beta = sample("beta", Flat(Real).iid(k + 1));
    let sigma = sample("sigma", Flat(Positive));
    for n in 0..y.len() {
        let mut mu = beta[0];
        for j in 0..k {
            mu += beta[j + 1] * x[n][j];
        }
        observe("y", Normal(mu, sigma), y[n]);
    }
}

/// `kidiq-kidscore_momhs` / `kidscore_momiq`: `sigma ~ cauchy(0, 2.5)` on `sigma > 0`,
/// flat `beta`, `kid_score ~ normal(beta[1] + beta[2] x, sigma)`.
#[model]
fn kidiq(x: &[f64], y: &[f64]) {
    let beta = sample("beta", Flat(Real).iid(2));
    let sigma = sample("sigma", HalfCauchy(2.5));
    for n in 0..y.len() {
        observe("y", Normal(beta[0] + beta[1] * x[n], sigma), y[n]);
    }
}

/// `kilpisjarvi_mod-kilpisjarvi`: priors with data-supplied hyperparameters, flat
/// `sigma > 0`.
#[model]
fn kilpisjarvi(x: &[f64], y: &[f64], pmualpha: f64, psalpha: f64, pmubeta: f64, psbeta: f64) {
    let alpha = sample("alpha", Normal(pmualpha, psalpha));
    let beta = sample("beta", Normal(pmubeta, psbeta));
    let sigma = sample("sigma", Flat(Positive));
    for n in 0..y.len() {
        observe("y", Normal(alpha + beta * x[n], sigma), y[n]);
    }
}

/// `sblrc-blr` / `sblri-blr`: `target += normal_lpdf(beta | 0, 10)`,
/// `target += normal_lpdf(sigma | 0, 10)` on `sigma > 0`, `y ~ normal(X beta, sigma)`.
#[model]
fn blr(x: &[Vec<f64>], y: &[f64], d: usize) {
    let beta = sample("beta", Normal(0.0, 10.0).iid(d));
    let sigma = sample("sigma", Flat(Positive));
    factor(normal_lpdf(sigma, 0.0, 10.0));
    for n in 0..y.len() {
        let mut mu = 0.0;
        for j in 0..d {
            mu += x[n][j] * beta[j];
        }
        observe("y", Normal(mu, sigma), y[n]);
    }
}

// ---------------------------------------------------------------------------------------
// Per-posterior data preparation (Stan's `transformed data`) and run.
// ---------------------------------------------------------------------------------------

fn run<M: Model>(p: &Posterior, model: &M, suite: &Suite) {
    let outcome = evaluate(p, model, suite, SEED);
    harness::assert_outcome(&outcome, suite);
}

fn run_flat_regression(p: &Posterior, suite: &Suite, predictors: &[&[f64]], y: &[f64]) {
    assert_eq!(y.len() as i64, p.data.int("N"), "{}: N", p.name);
    let x = rows(predictors);
    let model = FlatRegression::new(&x, y, predictors.len()).expect("model data");
    run(p, &model, suite);
}

fn check_arma11(p: &Posterior, suite: &Suite) {
    let y = p.data.reals("y");
    assert_eq!(y.len() as i64, p.data.int("T"));
    run(p, &Arma11::new(&y).expect("model data"), suite);
}

fn check_eight_schools(p: &Posterior, suite: &Suite) {
    let (y, sigma) = (p.data.reals("y"), p.data.reals("sigma"));
    let model = EightSchoolsNoncentered::new(&y, &sigma).expect("model data");
    run(p, &model, suite);
}

fn check_garch11(p: &Posterior, suite: &Suite) {
    let y = p.data.reals("y");
    let model = Garch11::new(&y, p.data.real("sigma1")).expect("model data");
    run(p, &model, suite);
}

fn check_hmm_example(p: &Posterior, suite: &Suite) {
    let (y, k) = (p.data.reals("y"), p.data.int("K") as usize);
    assert_eq!(k, 2, "the model's K is 2 (theta1, theta2)");
    run(p, &HmmExample::new(&y, k).expect("model data"), suite);
}

fn check_hmm_drive(p: &Posterior, suite: &Suite) {
    let d = &p.data;
    let k = d.int("K") as usize;
    assert_eq!(k, 2, "the model's K is 2 (theta1, theta2)");
    let model = HmmDrive::new(
        &d.reals("u"),
        &d.reals("v"),
        &d.matrix("alpha"),
        d.real("tau"),
        d.real("rho"),
        k,
    )
    .expect("model data");
    run(p, &model, suite);
}

fn check_gp_regr(p: &Posterior, suite: &Suite) {
    let (x, y) = (p.data.reals("x"), p.data.reals("y"));
    assert_eq!(y.len() as i64, p.data.int("N"), "{}: N", p.name);
    run(p, &GpRegr::new(&x, &y).expect("model data"), suite);
}

fn check_kidiq(p: &Posterior, suite: &Suite, predictor: &str) {
    let (x, y) = (p.data.reals(predictor), p.data.reals("kid_score"));
    run(p, &Kidiq::new(&x, &y).expect("model data"), suite);
}

fn check_kidscore_momhs(p: &Posterior, suite: &Suite) {
    check_kidiq(p, suite, "mom_hs");
}

fn check_kidscore_momiq(p: &Posterior, suite: &Suite) {
    check_kidiq(p, suite, "mom_iq");
}

fn check_kilpisjarvi(p: &Posterior, suite: &Suite) {
    let d = &p.data;
    let (x, y) = (d.reals("x"), d.reals("y"));
    let model = Kilpisjarvi::new(
        &x,
        &y,
        d.real("pmualpha"),
        d.real("psalpha"),
        d.real("pmubeta"),
        d.real("psbeta"),
    )
    .expect("model data");
    // `x` is the calendar year, not centred: the posterior correlation of `alpha` and `beta`
    // is ≈ −1, which a diagonal metric cannot absorb (over seeds 1–6 its R-hat after 1000
    // draws is 1.003–1.006 at a bulk ESS of ≈ 900, and 1.013 at seed 42). The dense metric
    // is what this geometry calls for (bulk ESS ≈ 1300, R-hat 1.002–1.003 over seeds 1–6);
    // the checks are the same.
    let outcome = evaluate_with_metric(p, &model, suite, SEED, ppl::samplers::MetricKind::Dense);
    harness::assert_outcome(&outcome, suite);
}

fn check_blr(p: &Posterior, suite: &Suite) {
    let (x, y) = (p.data.matrix("X"), p.data.reals("y"));
    let d = p.data.int("D") as usize;
    run(p, &Blr::new(&x, &y, d).expect("model data"), suite);
}

fn check_earn_height(p: &Posterior, suite: &Suite) {
    let (earn, height) = (p.data.reals("earn"), p.data.reals("height"));
    run_flat_regression(p, suite, &[&height], &earn);
}

fn check_log10earn_height(p: &Posterior, suite: &Suite) {
    let (earn, height) = (p.data.reals("earn"), p.data.reals("height"));
    run_flat_regression(p, suite, &[&height], &map(&earn, f64::log10));
}

fn check_logearn_height_male(p: &Posterior, suite: &Suite) {
    let (earn, height, male) = (
        p.data.reals("earn"),
        p.data.reals("height"),
        p.data.reals("male"),
    );
    run_flat_regression(p, suite, &[&height, &male], &map(&earn, f64::ln));
}

fn check_logearn_interaction_z(p: &Posterior, suite: &Suite) {
    let (earn, height, male) = (
        p.data.reals("earn"),
        p.data.reals("height"),
        p.data.reals("male"),
    );
    let (m, s) = (mean(&height), sd(&height));
    let z_height = map(&height, |h| (h - m) / s);
    let inter: Vec<f64> = z_height.iter().zip(&male).map(|(z, m)| z * m).collect();
    run_flat_regression(p, suite, &[&z_height, &male, &inter], &map(&earn, f64::ln));
}

fn check_logearn_logheight_male(p: &Posterior, suite: &Suite) {
    let (earn, height, male) = (
        p.data.reals("earn"),
        p.data.reals("height"),
        p.data.reals("male"),
    );
    let log_height = map(&height, f64::ln);
    run_flat_regression(p, suite, &[&log_height, &male], &map(&earn, f64::ln));
}

fn check_kidscore_interaction_c(p: &Posterior, suite: &Suite) {
    let (hs, iq) = (p.data.reals("mom_hs"), p.data.reals("mom_iq"));
    let (mh, mi) = (mean(&hs), mean(&iq));
    let c_hs = map(&hs, |v| v - mh);
    let c_iq = map(&iq, |v| v - mi);
    let inter: Vec<f64> = c_hs.iter().zip(&c_iq).map(|(a, b)| a * b).collect();
    run_flat_regression(
        p,
        suite,
        &[&c_hs, &c_iq, &inter],
        &p.data.reals("kid_score"),
    );
}

fn check_kidscore_interaction_z(p: &Posterior, suite: &Suite) {
    let (hs, iq) = (p.data.reals("mom_hs"), p.data.reals("mom_iq"));
    let (mh, sh, mi, si) = (mean(&hs), sd(&hs), mean(&iq), sd(&iq));
    let z_hs = map(&hs, |v| (v - mh) / (2.0 * sh));
    let z_iq = map(&iq, |v| (v - mi) / (2.0 * si));
    let inter: Vec<f64> = z_hs.iter().zip(&z_iq).map(|(a, b)| a * b).collect();
    run_flat_regression(
        p,
        suite,
        &[&z_hs, &z_iq, &inter],
        &p.data.reals("kid_score"),
    );
}

/// The mesquite columns: weight, diam1, diam2, canopy_height, total_height, density, group.
fn mesquite_columns(p: &Posterior) -> [Vec<f64>; 7] {
    [
        "weight",
        "diam1",
        "diam2",
        "canopy_height",
        "total_height",
        "density",
        "group",
    ]
    .map(|k| p.data.reals(k))
}

fn check_logmesquite(p: &Posterior, suite: &Suite) {
    let [w, d1, d2, ch, th, den, group] = mesquite_columns(p);
    let ln = |v: &[f64]| map(v, f64::ln);
    run_flat_regression(
        p,
        suite,
        &[&ln(&d1), &ln(&d2), &ln(&ch), &ln(&th), &ln(&den), &group],
        &ln(&w),
    );
}

fn check_logmesquite_logvas(p: &Posterior, suite: &Suite) {
    let [w, d1, d2, ch, th, den, group] = mesquite_columns(p);
    let ln = |v: &[f64]| map(v, f64::ln);
    let n = w.len();
    let volume: Vec<f64> = (0..n).map(|i| (d1[i] * d2[i] * ch[i]).ln()).collect();
    let area: Vec<f64> = (0..n).map(|i| (d1[i] * d2[i]).ln()).collect();
    let shape: Vec<f64> = (0..n).map(|i| (d1[i] / d2[i]).ln()).collect();
    run_flat_regression(
        p,
        suite,
        &[&volume, &area, &shape, &ln(&th), &ln(&den), &group],
        &ln(&w),
    );
}

fn check_logmesquite_logvolume(p: &Posterior, suite: &Suite) {
    let [w, d1, d2, ch, ..] = mesquite_columns(p);
    let volume: Vec<f64> = (0..w.len()).map(|i| (d1[i] * d2[i] * ch[i]).ln()).collect();
    run_flat_regression(p, suite, &[&volume], &map(&w, f64::ln));
}

fn check_mesquite(p: &Posterior, suite: &Suite) {
    let [w, d1, d2, ch, th, den, group] = mesquite_columns(p);
    run_flat_regression(p, suite, &[&d1, &d2, &ch, &th, &den, &group], &w);
}

fn check_nes(p: &Posterior, suite: &Suite) {
    let d = &p.data;
    let age = d.ints("age_discrete");
    let dummy = |level: i64| -> Vec<f64> { age.iter().map(|&a| f64::from(a == level)).collect() };
    let (age30_44, age45_64, age65up) = (dummy(2), dummy(3), dummy(4));
    run_flat_regression(
        p,
        suite,
        &[
            &d.reals("real_ideo"),
            &d.reals("race_adj"),
            &age30_44,
            &age45_64,
            &age65up,
            &d.reals("educ1"),
            &d.reals("gender"),
            &d.reals("income"),
        ],
        &d.reals("partyid7"),
    );
}

// ---------------------------------------------------------------------------------------
// Suites.
// ---------------------------------------------------------------------------------------

/// Generates, for a suite, the list of its posteriors and one test per posterior.
macro_rules! suite {
    ($set:ident, $suite:ident, $label:literal, ($chains:expr, $warmup:expr, $draws:expr),
     $attrs:tt, { $($test:ident: $name:literal => $check:ident;)* }) => {
        const $set: &[&str] = &[$($name),*];

        fn $suite() -> Suite {
            Suite::new($label, $set, $chains, $warmup, $draws)
        }

        $(suite_test!($attrs $test $name $check $suite);)*
    };
}

/// One test of [`suite!`].
macro_rules! suite_test {
    ([$(#[$attr:meta])*] $test:ident $name:literal $check:ident $suite:ident) => {
        #[test]
        $(#[$attr])*
        fn $test() {
            $check(&load($name), &$suite());
        }
    };
}

suite!(FULL_SET, full_suite, "full", (4, 1000, 1000),
    [#[ignore = "full posteriordb run: cargo test --release --test posteriordb -- --ignored"]], {
    full_arma_arma11: "arma-arma11" => check_arma11;
    full_bball_drive_event_1_hmm_drive_1: "bball_drive_event_1-hmm_drive_1" => check_hmm_drive;
    full_earnings_earn_height: "earnings-earn_height" => check_earn_height;
    full_earnings_log10earn_height: "earnings-log10earn_height" => check_log10earn_height;
    full_earnings_logearn_height_male: "earnings-logearn_height_male" => check_logearn_height_male;
    full_earnings_logearn_interaction_z: "earnings-logearn_interaction_z" => check_logearn_interaction_z;
    full_earnings_logearn_logheight_male: "earnings-logearn_logheight_male" => check_logearn_logheight_male;
    full_eight_schools_noncentered: "eight_schools-eight_schools_noncentered" => check_eight_schools;
    full_garch_garch11: "garch-garch11" => check_garch11;
    full_gp_pois_regr_gp_regr: "gp_pois_regr-gp_regr" => check_gp_regr;
    full_hmm_example_hmm_example: "hmm_example-hmm_example" => check_hmm_example;
    full_kidiq_kidscore_momhs: "kidiq-kidscore_momhs" => check_kidscore_momhs;
    full_kidiq_kidscore_momiq: "kidiq-kidscore_momiq" => check_kidscore_momiq;
    full_kidiq_with_mom_work_kidscore_interaction_c: "kidiq_with_mom_work-kidscore_interaction_c" => check_kidscore_interaction_c;
    full_kidiq_with_mom_work_kidscore_interaction_z: "kidiq_with_mom_work-kidscore_interaction_z" => check_kidscore_interaction_z;
    full_kilpisjarvi_mod_kilpisjarvi: "kilpisjarvi_mod-kilpisjarvi" => check_kilpisjarvi;
    full_mesquite_logmesquite: "mesquite-logmesquite" => check_logmesquite;
    full_mesquite_logmesquite_logvas: "mesquite-logmesquite_logvas" => check_logmesquite_logvas;
    full_mesquite_logmesquite_logvolume: "mesquite-logmesquite_logvolume" => check_logmesquite_logvolume;
    full_mesquite_mesquite: "mesquite-mesquite" => check_mesquite;
    full_nes1976_nes: "nes1976-nes" => check_nes;
    full_nes1984_nes: "nes1984-nes" => check_nes;
    full_nes1988_nes: "nes1988-nes" => check_nes;
    full_nes1996_nes: "nes1996-nes" => check_nes;
    full_sblrc_blr: "sblrc-blr" => check_blr;
    full_sblri_blr: "sblri-blr" => check_blr;
});

suite!(CI_SET, ci_suite, "ci", (4, 1000, 1000), [], {
    ci_eight_schools_noncentered: "eight_schools-eight_schools_noncentered" => check_eight_schools;
    ci_garch_garch11: "garch-garch11" => check_garch11;
    ci_arma_arma11: "arma-arma11" => check_arma11;
    ci_mesquite_logmesquite: "mesquite-logmesquite" => check_logmesquite;
    ci_sblrc_blr: "sblrc-blr" => check_blr;
});

/// Every DEV folder is either in the full suite or listed as not expressible, and the CI
/// suite is part of the full one; fails clearly when the shared folder is missing.
#[test]
fn every_dev_posterior_is_covered() {
    let root = harness::root();
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| {
        panic!(
            "posteriordb DEV set not found at {} ({e}): check out the shared folder beside \
             the repository as CI does (or set ${})",
            root.display(),
            harness::DIR_VAR
        )
    });
    let mut folders: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut known: Vec<String> = FULL_SET
        .iter()
        .copied()
        .chain(NOT_EXPRESSIBLE.iter().map(|(n, _)| *n))
        .map(String::from)
        .collect();
    known.sort();
    assert_eq!(
        folders, known,
        "the DEV folders and the tested + not-expressible lists differ"
    );
    for name in CI_SET {
        assert!(
            FULL_SET.contains(name),
            "{name} is in CI but not in the full suite"
        );
    }
    for name in FULL_SET {
        harness::load(name);
    }
}

#[test]
fn thresholds_follow_the_suite_sizes() {
    let full = full_suite();
    let ci = ci_suite();
    // 152 reference quantities → M = 304; 32 → M = 64 (see the header); scipy:
    // norm.isf(1e-3 / 608) = 4.65186, norm.isf(1e-3 / 128) = 4.31969.
    assert!((full.z_max - 4.65186).abs() < 1e-4, "{}", full.z_max);
    assert!((ci.z_max - 4.31969).abs() < 1e-4, "{}", ci.z_max);
}

#[test]
fn stan_names_become_zero_based() {
    assert_eq!(harness::our_name("sigma"), "sigma");
    assert_eq!(harness::our_name("theta[1]"), "theta[0]");
    assert_eq!(harness::our_name("beta[10]"), "beta[9]");
    assert_eq!(harness::our_name("a[2,3]"), "a[1,2]");
}

/// The GP model's element-wise matrix code (local vectors written and read inside nested
/// loops: covariance, Cholesky factor, forward substitution) gives exact gradients, JVPs
/// and Hessian-vector products, and the value of Stan's model at one point.
#[test]
fn gp_regr_gradients_and_value() {
    let p = load("gp_pois_regr-gp_regr");
    let model = GpRegr::new(&p.data.reals("x"), &p.data.reals("y")).expect("model data");
    let report = ppl::testing::check_gradients(&model).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(report.points_checked > 0);
    // mpmath (40 digits) at rho = e^1.9, alpha = e^0.75, sigma = e^0.5: gamma(25, rate 4),
    // the two half-normals, multi_normal(y | 0, K) (= −25.112417065610088 alone) and the
    // log-Jacobian 1.9 + 0.75 + 0.5; scipy's multivariate_normal agrees to 1e-15.
    let x = [1.9, 0.75, 0.5];
    let reference = -26.297_447_138_713_4;
    let got = model.log_density(&x).expect("log density");
    assert!(
        (got - reference).abs() < 1e-12 * reference.abs(),
        "{got} vs {reference}"
    );
    let mut g = [0.0; 3];
    let with_grad = model.log_density_gradient(&x, &mut g).expect("gradient");
    assert!((with_grad - reference).abs() < 1e-12 * reference.abs());
}
