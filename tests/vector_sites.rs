//! Sample sites of vector-valued distributions: `Dirichlet(alpha)` (simplex,
//! stick-breaking), `MultiNormal(mu, L)` (real vector, identity) and `LkjCholesky(k, eta)`
//! (Cholesky factor of a correlation matrix, read as `L[i * k + j]`). Each model's gradient,
//! JVP and Hessian-vector product are checked with `ppl::testing::check_gradients_with`;
//! values against the densities written out by hand; simulate → unconstrain → constrain
//! round trips; `describe()`.

use ppl::prelude::*;
use ppl::testing::{check_gradients_with, GradientCheckOptions};
use rand::SeedableRng;

fn check<M: Model>(m: &M, seed: u64) {
    let mut o = GradientCheckOptions::default();
    o.points = 40;
    o.seed = Some(seed);
    if let Err(e) = check_gradients_with(m, &o) {
        panic!("gradient check failed: {e:?}");
    }
}

/// Simulated parameters map to the unconstrained space and back.
fn round_trip<M: Model>(m: &M, sites: &[&str], seed: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for _ in 0..20 {
        let sim = m.simulate(&mut rng, None).unwrap();
        assert!(m.log_density(&sim.unconstrained).unwrap().is_finite());
        let mut c = Vec::new();
        m.constrain(&sim.unconstrained, &mut c).unwrap();
        for (a, b) in c.iter().zip(&sim.constrained) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        // The constrained values of the sites, by name, back to the same point.
        let layout = m.layout();
        let values: Vec<(&str, &[f64])> = sites
            .iter()
            .map(|&s| {
                let l = layout.iter().find(|l| l.name == s).unwrap();
                (s, &c[l.constrained.clone()])
            })
            .collect();
        let x = m.unconstrain(&values).unwrap();
        for (a, b) in x.iter().zip(&sim.unconstrained) {
            assert!((a - b).abs() < 1e-7, "{a} vs {b}");
        }
    }
}

// ---------------------------------------------------------------- Dirichlet

/// Multinomial counts with a Dirichlet prior of data concentrations.
#[model]
fn dirichlet_multinomial(alpha: &[f64], counts: &[f64]) {
    let theta = sample("theta", Dirichlet(alpha));
    for k in 0..counts.len() {
        factor(counts[k] * theta[k].ln());
    }
}

#[test]
fn dirichlet_site_with_data_concentrations() {
    let alpha = [1.5, 2.0, 0.7, 3.0];
    let counts = [3.0, 0.0, 5.0, 2.0];
    let m = DirichletMultinomial::new(&alpha, &counts).unwrap();
    assert_eq!(m.dim(), 3);
    assert_eq!(
        m.param_names(),
        ["theta[0]", "theta[1]", "theta[2]", "theta[3]"]
    );
    check(&m, 1);
    round_trip(&m, &["theta"], 2);
    // Value: prior + log-Jacobian + likelihood.
    let x = [0.3, -0.5, 1.1];
    let mut theta = [0.0; 4];
    let lj = ppl_core::transforms::constrain_vector(Support::Simplex(4), &x, &mut theta).unwrap();
    let mut lp = dirichlet_lpdf(&theta, &alpha) + lj;
    for k in 0..4 {
        lp += counts[k] * theta[k].ln();
    }
    let got = m.log_density(&x).unwrap();
    assert!((got - lp).abs() < 1e-12, "{got} vs {lp}");
    let d = m.describe();
    assert!(
        d.contains("theta ~ Dirichlet(alpha)  support Simplex(len(alpha))  transform stick-breaking  4 values  x[0..3]"),
        "{d}"
    );
}

/// Concentrations that are parameters, and a `vec![..]` prior written inline.
#[model]
fn dirichlet_hierarchy(counts: &[Vec<f64>], k: usize) {
    let base = sample("base", Dirichlet(vec![5.0; k]));
    let conc = sample("conc", Gamma(2.0, 0.5));
    let alpha = sample("alpha", Gamma(2.0, 1.0).iid(k));
    let theta0 = sample("theta0", Dirichlet(alpha));
    let theta1 = sample("theta1", Dirichlet(base));
    for j in 0..k {
        factor(counts[0][j] * theta0[j].ln() + counts[1][j] * theta1[j].ln());
        factor(-conc * (theta0[j] - base[j]).powi(2));
    }
}

#[test]
fn dirichlet_site_with_parameter_concentrations() {
    let counts = vec![vec![2.0, 1.0, 4.0], vec![0.0, 3.0, 1.0]];
    let m = DirichletHierarchy::new(&counts, 3).unwrap();
    assert_eq!(m.dim(), 2 + 1 + 3 + 2 + 2);
    check(&m, 3);
    round_trip(&m, &["base", "conc", "alpha", "theta0", "theta1"], 4);
}

// ---------------------------------------------------------------- MultiNormal

/// A correlated 2-vector with a data Cholesky factor (rows of a matrix) and a mean that is
/// a parameter vector.
#[model]
fn multi_normal_site(l: &[Vec<f64>], y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0).iid(2));
    let z = sample("z", MultiNormal(mu, l));
    for i in 0..y.len() {
        observe("y", Normal(z[i % 2], 1.0), y[i]);
    }
}

#[test]
fn multi_normal_site_with_data_cholesky_factor() {
    let l = vec![vec![2.0, 0.0], vec![0.6, 0.8]];
    let y = [0.5, -0.3, 1.2, 0.1];
    let m = MultiNormalSite::new(&l, &y).unwrap();
    assert_eq!(m.dim(), 4);
    check(&m, 5);
    round_trip(&m, &["mu", "z"], 6);
    let x = [0.2, -0.1, 0.7, 0.4];
    let mut lp = normal_lpdf(0.2, 0.0, 1.0)
        + normal_lpdf(-0.1, 0.0, 1.0)
        + multi_normal_cholesky_lpdf(&[0.7, 0.4], &[0.2, -0.1], &[2.0, 0.0, 0.6, 0.8]);
    for i in 0..4 {
        lp += normal_lpdf(y[i], x[2 + i % 2], 1.0);
    }
    let got = m.log_density(&x).unwrap();
    assert!((got - lp).abs() < 1e-12, "{got} vs {lp}");
    assert!(m.describe().contains(
        "z ~ MultiNormal(mu, l)  support Real^len(mu)  transform identity  2 values  x[2..4]"
    ));
}

// ---------------------------------------------------------------- LkjCholesky

/// Correlated varying intercepts and slopes: `L ~ LKJ`, scales, and the non-centred
/// effects `b_j = diag(tau) L z_j`, with the correlation factor read as `L[i * 2 + j]`.
#[model]
fn correlated_effects(y: &[f64], x: &[f64], group: &[usize], n_groups: usize) {
    let l = sample("L", LkjCholesky(2, 2.0));
    let tau = sample("tau", HalfNormal(1.0).iid(2));
    let z = sample("z", Normal(0.0, 1.0).iid(2 * n_groups));
    let sigma = sample("sigma", HalfNormal(1.0));
    for i in 0..y.len() {
        let g = group[i];
        let b0 = tau[0] * (l[0] * z[2 * g]);
        let b1 = tau[1] * (l[2] * z[2 * g] + l[3] * z[2 * g + 1]);
        observe("y", Normal(b0 + b1 * x[i], sigma), y[i]);
    }
}

#[test]
fn lkj_cholesky_site_in_a_correlated_effects_model() {
    let y = [0.5, 1.2, -0.3, 0.8, 2.0, -1.1];
    let x = [0.1, 0.9, -0.5, 0.3, 1.5, -1.0];
    let group = [0, 0, 1, 1, 2, 2];
    let m = CorrelatedEffects::new(&y, &x, &group, 3).unwrap();
    assert_eq!(m.dim(), 1 + 2 + 6 + 1);
    assert_eq!(&m.param_names()[..4], ["L[0]", "L[1]", "L[2]", "L[3]"]);
    check(&m, 7);
    round_trip(&m, &["L", "tau", "z", "sigma"], 8);
    let d = m.describe();
    assert!(d.contains("L ~ LkjCholesky(2, 2.0)  support CorrCholesky(2), row-major: L[i * k + j]  transform tanh (canonical partial correlations)  4 values  x[0..1]"), "{d}");
}

/// LKJ with a parameter shape, and a MultiNormal whose Cholesky factor is the LKJ site.
#[model]
fn lkj_eta_multi_normal(k: usize) {
    let eta = sample("eta", Gamma(3.0, 1.0));
    let l = sample("L", LkjCholesky(k, eta));
    let z = sample("z", MultiNormal(vec![0.0; k], l));
    factor(-0.1 * z[0] * z[0]);
}

#[test]
fn lkj_with_parameter_shape_feeding_a_multi_normal() {
    let m = LkjEtaMultiNormal::new(3).unwrap();
    assert_eq!(m.dim(), 1 + 3 + 3);
    check(&m, 9);
    round_trip(&m, &["eta", "L", "z"], 10);
    // Value by hand.
    let x = [0.3, 0.2, -0.4, 0.6, 0.5, -0.2, 0.1];
    let eta = 0.3f64.exp();
    let mut l = [0.0; 9];
    let lj =
        ppl_core::transforms::constrain_vector(Support::CorrCholesky(3), &x[1..4], &mut l).unwrap();
    let z = &x[4..7];
    let lp = gamma_lpdf(eta, 3.0, 1.0)
        + 0.3
        + lkj_corr_cholesky_lpdf(&l, eta)
        + lj
        + multi_normal_cholesky_lpdf(z, &[0.0; 3], &l)
        - 0.1 * z[0] * z[0];
    let got = m.log_density(&x).unwrap();
    assert!((got - lp).abs() < 1e-12, "{got} vs {lp}");
}

/// A categorical model with a Dirichlet prior.
#[model]
fn dirichlet_categorical(alpha: &[f64], y: &[i64]) {
    let theta = sample("theta", Dirichlet(alpha));
    for i in 0..y.len() {
        observe("y", Categorical(theta), y[i]);
    }
}

#[test]
fn categorical_observations_with_a_dirichlet_prior() {
    let alpha = [1.0, 2.0, 1.5];
    let y = [0, 2, 2, 1, 0, 2];
    let m = DirichletCategorical::new(&alpha, &y).unwrap();
    check(&m, 11);
    round_trip(&m, &["theta"], 12);
}

// ---------------------------------------------------------------- observe

/// Observations of vector distributions: categories (scalar and slice) with simplex and
/// logit parameters (a local parameter-dependent vector), data simplexes under a
/// Dirichlet with parameter concentrations, data vectors under a multivariate normal whose
/// Cholesky factor is built from scales and an LKJ factor, and a data correlation factor
/// under an LKJ with a parameter shape.
#[model]
fn vector_observations(ys: &[i64], p: &[Vec<f64>], z: &[Vec<f64>], lc: &[f64]) {
    let theta = sample("theta", Dirichlet(vec![2.0; 3]));
    let b = sample("b", Normal(0.0, 1.0).iid(2));
    let alpha = sample("alpha", Gamma(3.0, 1.0).iid(3));
    let l = sample("L", LkjCholesky(2, 1.5));
    let tau = sample("tau", HalfNormal(1.0).iid(2));
    let mu = sample("mu", Normal(0.0, 1.0).iid(2));
    let eta = sample("eta", Gamma(2.0, 1.0));
    observe("ys", Categorical(theta), ys);
    let beta = vec![0.0, b[0], b[1]];
    for i in 0..ys.len() {
        observe("y", CategoricalLogit(beta), ys[i]);
    }
    for i in 0..p.len() {
        observe("p", Dirichlet(alpha), p[i]);
    }
    let mut lcov = vec![0.0; 4];
    for i in 0..2 {
        for j in 0..2 {
            lcov[i * 2 + j] = tau[i] * l[i * 2 + j];
        }
    }
    for i in 0..z.len() {
        observe("z", MultiNormal(mu, lcov), z[i]);
    }
    observe("lc", LkjCholesky(2, eta), lc);
}

#[test]
fn observe_vector_distributions() {
    let ys = [0, 2, 2, 1, 0, 2];
    let p = vec![vec![0.2, 0.3, 0.5], vec![0.6, 0.1, 0.3]];
    let z = vec![vec![0.5, -0.2], vec![1.0, 0.8], vec![-0.3, 0.1]];
    let lc = [1.0, 0.0, 0.6, 0.8];
    let m = VectorObservations::new(&ys, &p, &z, &lc).unwrap();
    assert_eq!(m.dim(), 2 + 2 + 3 + 1 + 2 + 2 + 1);
    check(&m, 13);
    round_trip(&m, &["theta", "b", "alpha", "L", "tau", "mu", "eta"], 14);
    // Value by hand at one point.
    let x: Vec<f64> = (0..13).map(|i| 0.1 * i as f64 - 0.6).collect();
    let mut theta = [0.0; 3];
    let mut lp = ppl_core::transforms::constrain_vector(Support::Simplex(3), &x[0..2], &mut theta)
        .unwrap()
        + dirichlet_lpdf(&theta, &[2.0; 3]);
    let b = [x[2], x[3]];
    lp += normal_lpdf(b[0], 0.0, 1.0) + normal_lpdf(b[1], 0.0, 1.0);
    let alpha: Vec<f64> = x[4..7].iter().map(|v| v.exp()).collect();
    for (a, v) in alpha.iter().zip(&x[4..7]) {
        lp += gamma_lpdf(*a, 3.0, 1.0) + v;
    }
    let mut l = [0.0; 4];
    lp += ppl_core::transforms::constrain_vector(Support::CorrCholesky(2), &x[7..8], &mut l)
        .unwrap()
        + lkj_corr_cholesky_lpdf(&l, 1.5);
    let tau = [x[8].exp(), x[9].exp()];
    lp += half_normal_lpdf(tau[0], 1.0) + half_normal_lpdf(tau[1], 1.0) + x[8] + x[9];
    let mu = [x[10], x[11]];
    lp += normal_lpdf(mu[0], 0.0, 1.0) + normal_lpdf(mu[1], 0.0, 1.0);
    let eta = x[12].exp();
    lp += gamma_lpdf(eta, 2.0, 1.0) + x[12];
    let logits = [0.0, b[0], b[1]];
    let norm = log_sum_exp_slice(&logits);
    for &k in &ys {
        lp += theta[k as usize].ln() + logits[k as usize] - norm;
    }
    for r in &p {
        lp += dirichlet_lpdf(r, &alpha);
    }
    let lcov = [tau[0] * l[0], tau[0] * l[1], tau[1] * l[2], tau[1] * l[3]];
    for r in &z {
        lp += multi_normal_cholesky_lpdf(r, &mu, &lcov);
    }
    lp += lkj_corr_cholesky_lpdf(&lc, eta);
    let got = m.log_density(&x).unwrap();
    assert!((got - lp).abs() < 1e-10, "{got} vs {lp}");
    // Simulated observations: categories, simplexes, vectors and a correlation factor.
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let sim = m.simulate(&mut rng, Some(&x)).unwrap();
    let names: Vec<&str> = sim.observations.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["ys", "y", "p", "z", "lc"]);
    assert_eq!(sim.observations[0].1.len(), 6);
    assert_eq!(sim.observations[2].1.len(), 6);
    assert_eq!(sim.observations[4].1.len(), 4);
}
