//! Models compiled by `#[model]`: their gradient, JVP and Hessian-vector product checked
//! against finite differences through the public `ppl::testing::check_gradients`.

use ppl::prelude::*;
use ppl::testing::check_gradients;

/// The eight benchmark models (`bench/models.rs`), for the ones not written here again.
#[path = "../bench/models.rs"]
mod bench_models;

/// Eight schools, non-centred.
#[model]
fn eight_schools(y: &[f64], sigma: &[f64]) {
    let mu = sample("mu", Normal(0.0, 5.0));
    let tau = sample("tau", HalfCauchy(5.0));
    let theta_tilde = sample("theta_tilde", Normal(0.0, 1.0).iid(y.len()));
    for j in 0..y.len() {
        let theta = mu + tau * theta_tilde[j];
        deterministic("theta", theta);
        observe("y", Normal(theta, sigma[j]), y[j]);
    }
}

const Y: [f64; 8] = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
const SIGMA: [f64; 8] = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];

#[test]
fn eight_schools_gradients() {
    let m = EightSchools::new(&Y, &SIGMA).unwrap();
    assert_eq!(m.dim(), 10);
    let names = m.param_names();
    assert_eq!(names[0], "mu");
    assert_eq!(names[2], "theta_tilde[0]");
    assert_eq!(names[10], "theta[0]");
    assert_eq!(names.len(), 18);
    check_gradients(&m).unwrap();
}

/// `exp(sin(2πx/3))` as a factor.
#[model]
fn exp_sin(scale: f64) {
    let x = sample("x", Normal(0.0, 3.0));
    factor((2.0 * std::f64::consts::PI * x / 3.0).sin().exp() * scale);
}

/// A branch on a parameter: the derivative is that of the branch taken.
#[model]
fn piecewise(c: f64) {
    let x = sample("x", Normal(2.0, 2.0));
    let y = if x > c { x * x } else { x * x * x };
    factor(y * 0.1);
}

/// The quadratic map `x² + 3x + 4` applied six times in a loop (loop-carried state).
#[model]
fn quadratic_map(n: usize) {
    let x = sample("x", Normal(0.0, 0.3));
    let mut z = x;
    for _ in 0..n {
        z = z * z + 3.0 * z + 4.0;
    }
    // z > 0 always (the map has no real root); ln keeps the factor moderate.
    factor(z.ln() * 0.1);
}

/// GARCH(1,1) with `beta1` in `(0, 1 - alpha1)`: a recursion and a parameter-dependent bound.
#[model]
fn garch11(y: &[f64], sigma1: f64) {
    let mu = sample("mu", Normal(0.0, 10.0));
    let alpha0 = sample("alpha0", HalfNormal(1.0));
    let alpha1 = sample("alpha1", Uniform(0.0, 1.0));
    let beta1 = sample("beta1", Uniform(0.0, 1.0 - alpha1));
    let mut sigma = sigma1;
    observe("y0", Normal(mu, sigma), y[0]);
    for t in 1..y.len() {
        sigma = (alpha0 + alpha1 * (y[t - 1] - mu).powi(2) + beta1 * sigma * sigma).sqrt();
        observe("y", Normal(mu, sigma), y[t]);
    }
}

/// AR(K) with the K lags in a nested loop.
#[model]
fn ar_k(y: &[f64], k: usize) {
    let alpha = sample("alpha", Normal(0.0, 1.0));
    let beta = sample("beta", Normal(0.0, 0.5).iid(k));
    let sigma = sample("sigma", HalfCauchy(2.5));
    for t in k..y.len() {
        let mut mu = alpha;
        for j in 0..k {
            mu += beta[j] * y[t - j - 1];
        }
        observe("y", Normal(mu, sigma), y[t]);
    }
}

/// A Newton iteration in a `while` loop whose trip count depends on the parameter:
/// solves `z³ + z = a` and observes `z`.
#[model]
fn newton(obs: f64) {
    let a = sample("a", Normal(1.0, 1.0));
    let mut z = a * 0.5;
    let mut step = 1.0;
    while step.abs() > 1e-12 {
        step = (z * z * z + z - a) / (3.0 * z * z + 1.0);
        z = z - step;
    }
    observe("obs", Normal(z, 0.5), obs);
}

#[test]
fn small_models_gradients() {
    check_gradients(&ExpSin::new(1.0).unwrap()).unwrap();
    check_gradients(&QuadraticMap::new(6).unwrap()).unwrap();
    check_gradients(&Newton::new(0.7).unwrap()).unwrap();
}

#[test]
fn branch_on_a_parameter_uses_the_branch_taken_on_both_sides() {
    let m = Piecewise::new(2.0).unwrap();
    for x in [1.0, 3.0] {
        let (mut g, mut ws) = (vec![0.0], ppl::Workspace::new());
        // x is unconstrained (Real support): log p = prior + 0.1·branch(x).
        m.log_density_gradient_in(&[x], &mut g, &mut ws).unwrap();
        let branch = if x > 2.0 { 2.0 * x } else { 3.0 * x * x };
        let prior = -(x - 2.0) / 4.0;
        assert!(
            (g[0] - (prior + 0.1 * branch)).abs() < 1e-12,
            "x = {x}: {}",
            g[0]
        );
    }
    check_gradients(&m).unwrap();
}

fn series(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2.0
        })
        .collect()
}

#[test]
fn time_series_models_gradients() {
    let y = series(60, 1);
    check_gradients(&Garch11::new(&y, 1.0).unwrap()).unwrap();
    check_gradients(&ArK::new(&y, 3).unwrap()).unwrap();
}

#[test]
fn marketing_mix_gradients() {
    let t = 30;
    let x: Vec<Vec<f64>> = (0..t)
        .map(|i| {
            series(3, 10 + i as u64)
                .iter()
                .map(|v| v.abs() * 2.0)
                .collect()
        })
        .collect();
    let y: Vec<f64> = series(t, 99).iter().map(|v| 2.0 + v).collect();
    // The benchmark's marketing-mix model (per-channel geometric adstock, a recursion, and
    // Hill saturation accumulated into a local vector element by element).
    let m = bench_models::MmmAdstock::new(&x, &y, 3).unwrap();
    assert_eq!(m.dim(), 11);
    check_gradients(&m).unwrap();
}

/// 50-dimensional standard normal.
#[model]
fn gauss(d: usize) {
    let x = sample("x", Normal(0.0, 1.0).iid(d));
    factor(0.0 * x[0]);
}

/// Linear regression through `m = tan(theta)`, `b = b_perp / cos(theta)`.
#[model]
fn linreg_tan(x: &[f64], y: &[f64], yerr: &[f64]) {
    let theta = sample(
        "theta",
        Uniform(-std::f64::consts::FRAC_PI_2, std::f64::consts::FRAC_PI_2),
    );
    let b_perp = sample("b_perp", Normal(0.0, 1.0));
    let m = theta.tan();
    let b = b_perp / theta.cos();
    deterministic("m", m);
    deterministic("b", b);
    for (i, xi) in x.iter().enumerate() {
        observe("y", Normal(m * xi + b, yerr[i]), y[i]);
    }
}

/// Logistic regression with a data matrix.
#[model]
fn logistic(x: &[Vec<f64>], y: &[i64]) {
    let alpha = sample("alpha", Normal(0.0, 2.5));
    let beta = sample("beta", Normal(0.0, 1.0).iid(x[0].len()));
    for n in 0..y.len() {
        let mut eta = alpha;
        for d in 0..beta.len() {
            eta += x[n][d] * beta[d];
        }
        observe("y", BernoulliLogit(eta), y[n]);
    }
}

/// Likelihood loops the reverse mode gathers into one vectorised `observe` (see
/// `ppl-macros/src/ir/fission.rs`), next to what the gathering must keep intact: state
/// carried across iterations (a recorded loop), a second observe and a deterministic in
/// the same loop, a second gathered loop over other data.
#[model]
fn gathered_likelihoods(x: &[f64], y: &[i64], z: &[f64], w: &[i64], rows: &[Vec<f64>]) {
    let a = sample("a", Normal(0.0, 1.0));
    let b = sample("b", Normal(0.0, 1.0));
    let s = sample("s", HalfNormal(1.0));
    let coef = sample("coef", Normal(0.0, 1.0).iid(rows[0].len()));
    let mut state = 0.0;
    for n in 0..y.len() {
        state = 0.5 * state + a * x[n];
        deterministic("state", state);
        observe("y", BernoulliLogit(state + b), y[n]);
        observe("z", Normal(state, s), z[n]);
    }
    for i in 0..w.len() {
        let eta = (a - b) * (i as f64) * 0.1;
        observe("w", BernoulliLogit(eta.sin() * s), w[i]);
    }
    // Normal terms, which stay in their loops, beside the gathered ones.
    for n in 0..z.len() {
        observe("z2", Normal(a * x[n] + b, 0.7), z[n]);
    }
    let scale = s * 2.0;
    for n in 0..z.len() {
        let mu = a - b * x[n];
        observe("z3", Normal(mu * mu, scale), z[n]);
    }
    // A constant term (no parameter in the argument) stays in its loop.
    for n in 0..y.len() {
        observe("y_const", BernoulliLogit(x[n] * 0.5), y[n]);
    }
    // Vectorised normal observes of a local parameter vector (the SIMD slice rule), with a
    // parameter and a data scale; `mu` filled by a dot-product loop that subtracts.
    let mut mu = vec![0.0; z.len()];
    for n in 0..z.len() {
        let mut m = a;
        for k in 0..coef.len() {
            m -= rows[n][k] * coef[k];
        }
        mu[n] = m;
    }
    observe("zv", Normal(mu, s), z);
    observe("zd", Normal(mu, 0.9), z);
}

/// Measurement-error regression: each observation has its own data scale, whose
/// `-ln σ - ½ ln 2π` the gradient computes on its first call only; the observe under a
/// branch on a parameter keeps its logarithm in every call.
#[model]
fn data_scales(x: &[f64], y: &[f64], se: &[f64]) {
    let a = sample("a", Normal(0.0, 1.0));
    let b = sample("b", Normal(0.0, 1.0));
    for n in 0..y.len() {
        observe("y", Normal(a + b * x[n], se[n]), y[n]);
    }
    if a > 0.0 {
        observe("y0", Normal(a, se[0] * 2.0), y[0]);
    }
}

/// Hierarchical regression with group indices (non-centred).
#[model]
fn hierarchical(g: &[usize], x: &[f64], y: &[f64], groups: usize) {
    let mu_a = sample("mu_a", Normal(0.0, 10.0));
    let sigma_a = sample("sigma_a", HalfNormal(1.0));
    let a_raw = sample("a_raw", Normal(0.0, 1.0).iid(groups));
    let b = sample("b", Normal(0.0, 10.0));
    let sigma_y = sample("sigma_y", HalfNormal(1.0));
    for n in 0..y.len() {
        let mu = mu_a + sigma_a * a_raw[g[n]] + b * x[n];
        observe("y", Normal(mu, sigma_y), y[n]);
    }
}

/// The pyhf-style counting model, with the Poisson likelihood written as a Stan function.
#[model]
fn poisson_counting(n: i64, s: f64, b: f64, tau: f64, aux: f64) {
    let mu = sample("mu", Uniform(0.0, 10.0));
    let gamma = sample("gamma", Gamma(aux + 1.0, tau));
    factor(poisson_lpmf(n, mu * s + gamma * b));
}

/// Constructs: Flat supports with a parameter bound, tuples, `match` on data,
/// `Vec::with_capacity` + `push`, reversed and strided ranges, `zip`, Stan functions.
#[model]
fn constructs(y: &[f64], mode: i64) {
    let lo = sample("lo", Flat(Real));
    let width = sample("width", Flat(Positive));
    let p = sample("p", Flat(Interval(lo, lo + width + 1.0)));
    factor(normal_lpdf(lo, 0.0, 1.0) + normal_lpdf(width, 1.0, 1.0) + normal_lpdf(p, 0.0, 3.0));
    let (a, c) = (p * 2.0, lo - 1.0);
    let mut v = Vec::with_capacity(y.len());
    for i in (0..y.len()).rev() {
        v.push(a * y[i] + c);
    }
    let mut acc = 0.0;
    for k in (0..v.len()).step_by(2) {
        acc += v[k] * 0.1;
    }
    for (i, (yi, yj)) in y.iter().zip(y.iter().skip(1)).enumerate() {
        acc = acc + log_sum_exp(v[i] * 0.01, *yi - *yj);
    }
    let w = match mode {
        0 => acc,
        1 => acc * 2.0,
        _ => {
            let t = acc.tanh();
            t * t
        }
    };
    factor(-w * w * 1e-3);
}

#[test]
fn gathered_likelihood_loops_keep_value_and_gradient() {
    let x = series(25, 11);
    let y: Vec<i64> = series(25, 12).iter().map(|v| (*v > 0.0) as i64).collect();
    let z = series(25, 13);
    let w: Vec<i64> = series(17, 14).iter().map(|v| (*v > 0.3) as i64).collect();
    let rows: Vec<Vec<f64>> = (0..25).map(|i| series(6, 40 + i)).collect();
    let m = GatheredLikelihoods::new(&x, &y, &z, &w, &rows).unwrap();
    // check_gradients compares the (gathered) reverse mode with finite differences of the
    // primal, which keeps the loops as written, and its value with the primal's.
    check_gradients(&m).unwrap();
    // An outcome outside {0, 1} has probability zero in both modes.
    let mut bad = y.clone();
    bad[3] = 2;
    let m = GatheredLikelihoods::new(&x, &bad, &z, &w, &rows).unwrap();
    let mut g = vec![0.0; m.dim()];
    let p = [0.1, 0.2, 0.3, 0.1, -0.2, 0.3, 0.0, 0.5, -0.4];
    assert_eq!(m.log_density(&p).unwrap(), f64::NEG_INFINITY);
    assert_eq!(
        m.log_density_gradient(&p, &mut g).unwrap(),
        f64::NEG_INFINITY
    );
}

#[test]
fn data_only_terms_are_computed_once_and_kept() {
    let x = series(30, 21);
    let y = series(30, 22);
    let se: Vec<f64> = series(30, 23).iter().map(|v| 0.5 + v.abs()).collect();
    let m = DataScales::new(&x, &y, &se).unwrap();
    check_gradients(&m).unwrap();
    // A fresh model whose first gradient call takes the branch's other side: later calls
    // on both sides match the primal (the branch's term is not in the cached sum), and a
    // repeated call returns the same value bit for bit.
    let m = DataScales::new(&x, &y, &se).unwrap();
    let mut g = vec![0.0; 2];
    for p in [[-0.4, 0.3], [0.7, -0.2], [-0.1, 1.1], [0.7, -0.2]] {
        let lp = m.log_density_gradient(&p, &mut g).unwrap();
        let want = m.log_density(&p).unwrap();
        // Two summation orders of the same terms (each of which the two modes compute up
        // to a few ulp): within 2·(n + 8)·ε·Σ|term|. The terms, at (a, b) = p (unbounded
        // sites: x = value): the priors and every observe split into its pieces.
        let (a, b) = (p[0], p[1]);
        let mut abs_terms =
            2.0 * (0.5f64 * std::f64::consts::TAU).ln().abs() + 0.5 * (a * a + b * b);
        for n in 0..y.len() {
            let z = (y[n] - a - b * x[n]) / se[n];
            abs_terms += 0.5 * z * z + se[n].ln().abs() + 1.0;
        }
        if a > 0.0 {
            let z = (y[0] - a) / (2.0 * se[0]);
            abs_terms += 0.5 * z * z + (2.0 * se[0]).ln().abs() + 1.0;
        }
        let bound = 2.0 * (y.len() as f64 + 8.0) * f64::EPSILON * abs_terms;
        assert!((lp - want).abs() <= bound, "{p:?}: {lp} vs {want}");
        assert_eq!(
            lp.to_bits(),
            m.log_density_gradient(&p, &mut g).unwrap().to_bits()
        );
    }
}

#[test]
fn benchmark_models_gradients() {
    check_gradients(&Gauss::new(50).unwrap()).unwrap();
    let x = series(20, 3).iter().map(|v| v * 5.0).collect::<Vec<_>>();
    let y: Vec<f64> = x
        .iter()
        .zip(series(20, 4))
        .map(|(xi, e)| 0.5 * xi - 0.3 + 0.2 * e)
        .collect();
    let yerr = vec![0.3; 20];
    let m = LinregTan::new(&x, &y, &yerr).unwrap();
    assert_eq!(m.param_names(), ["theta", "b_perp", "m", "b"]);
    check_gradients(&m).unwrap();

    let rows: Vec<Vec<f64>> = (0..40).map(|i| series(5, 100 + i)).collect();
    let yb: Vec<i64> = series(40, 7).iter().map(|v| (*v > 0.0) as i64).collect();
    check_gradients(&Logistic::new(&rows, &yb).unwrap()).unwrap();

    let g: Vec<usize> = (0..30).map(|i| i % 4).collect();
    let xh: Vec<f64> = (0..30).map(|i| (i % 2) as f64).collect();
    check_gradients(&Hierarchical::new(&g, &xh, &series(30, 8), 4).unwrap()).unwrap();

    check_gradients(
        &PoissonCounting::new(15, 5.0, 10.0, 8.163_265_306_122_45, 8.163_265_306_122_45).unwrap(),
    )
    .unwrap();
}

#[test]
fn language_constructs_gradients() {
    let y = series(7, 11);
    for mode in 0..3 {
        check_gradients(&Constructs::new(&y, mode).unwrap()).unwrap();
    }
}

/// A two-state hidden Markov model (posteriordb's hmm_example): simplex transition rows,
/// positive-ordered means, the forward algorithm with `log_sum_exp` over local vectors.
#[model]
fn hmm(y: &[f64], k: usize) {
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
    factor(log_sum_exp(&gamma) + sum(&mu) * 0.0 + dot(&mu, &mu) * 1e-3);
}

#[test]
fn vector_sites_and_slice_functions_gradients() {
    let y: Vec<f64> = series(12, 21)
        .iter()
        .enumerate()
        .map(|(t, e)| if t % 3 == 0 { 3.0 + e } else { 10.0 + e })
        .collect();
    let m = Hmm::new(&y, 2).unwrap();
    assert_eq!(m.dim(), 4);
    assert_eq!(
        m.param_names(),
        [
            "theta1[0]",
            "theta1[1]",
            "theta2[0]",
            "theta2[1]",
            "mu[0]",
            "mu[1]"
        ]
    );
    let layout = m.layout();
    assert_eq!(
        (
            layout[2].unconstrained.clone(),
            layout[2].constrained.clone()
        ),
        (2..4, 4..6)
    );
    let mut out = Vec::new();
    m.constrain(&[0.3, -0.2, 0.1, 0.5], &mut out).unwrap();
    assert!((out[0] + out[1] - 1.0).abs() < 1e-15 && out[4] > 0.0 && out[5] > out[4]);
    let x = m
        .unconstrain(&[
            ("theta1", &out[0..2]),
            ("theta2", &out[2..4]),
            ("mu", &out[4..6]),
        ])
        .unwrap();
    for (a, b) in x.iter().zip([0.3, -0.2, 0.1, 0.5]) {
        assert!((a - b).abs() < 1e-12, "{x:?}");
    }
    check_gradients(&m).unwrap();
}

#[test]
fn models_describe_their_sites_and_layout() {
    let d = EightSchools::new(&Y, &SIGMA).unwrap().describe();
    let expected = "\
model eight_schools: 10 unconstrained dimensions
sample sites:
  mu ~ Normal(0.0, 5.0)  support (-∞, ∞)  transform identity  scalar  x[0..1]
  tau ~ HalfCauchy(5.0)  support (0, ∞)  transform exp  scalar  x[1..2]
  theta_tilde ~ Normal(0.0, 1.0).iid(y.len())  support (-∞, ∞)  transform identity  8 values  x[2..10]
observations and factors:
  y ~ Normal(theta, sigma[j]) observed as y[j]
";
    assert_eq!(d, expected);
    let y = series(5, 2);
    let h = Hmm::new(&y, 2).unwrap().describe();
    assert!(h.contains("theta1 ~ Flat(Simplex(k))  support Simplex(k)  transform stick-breaking  2 values  x[0..1]"), "{h}");
    assert!(h.contains("mu ~ Flat(PositiveOrdered(k))  support PositiveOrdered(k)  transform cumulative exp  2 values  x[2..4]"), "{h}");
}

#[test]
fn inconsistent_data_lengths_are_an_error_not_a_panic() {
    let err = EightSchools::new(&Y, &SIGMA[..7]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("consistent lengths") && msg.contains("index out of bounds"),
        "{msg}"
    );
    // Non-finite data name the argument and the index.
    let mut bad = SIGMA;
    bad[3] = f64::NAN;
    assert_eq!(
        EightSchools::new(&Y, &bad).unwrap_err().to_string(),
        "data argument `sigma` at index 3: is NaN (data must be finite)"
    );
}
