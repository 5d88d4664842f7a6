//! The user crate's models through `ppl`'s public API only.

use ppl::prelude::*;
use ppl_user_crate::{exact_posterior, LocationScale, Regression};

/// 40 points on `[-2, 2]`, `y = 1.5 + 0.8 x + noise` with a fixed, deterministic noise.
fn data() -> (Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..40).map(|n| -2.0 + 4.0 * n as f64 / 39.0).collect();
    let y = x
        .iter()
        .enumerate()
        .map(|(n, x)| 1.5 + 0.8 * x + 0.5 * ((n as f64) * 2.3).sin())
        .collect();
    (x, y)
}

#[test]
fn models_build_and_describe_themselves() {
    let (x, y) = data();
    let m = Regression::new(&x, &y, 0.5).unwrap();
    assert_eq!(m.dim(), 2);
    assert_eq!(m.param_names(), ["a", "b"]);
    let m = LocationScale::new(&y).unwrap();
    assert_eq!(m.dim(), 2);
    assert!(m.describe().contains("sigma"));
}

#[test]
fn gradients_pass_the_public_checks() {
    let (x, y) = data();
    ppl::testing::check_gradients(&Regression::new(&x, &y, 0.5).unwrap()).unwrap();
    ppl::testing::check_gradients(&LocationScale::new(&y).unwrap()).unwrap();
}

#[test]
fn log_density_is_the_conjugate_normal() {
    // log p(a, b) is a quadratic with Hessian −P: check it at two points against the exact
    // posterior's Gaussian, up to the constant (differences between points).
    let (x, y) = data();
    let (sigma, prior_sd) = (0.5, 10.0);
    let m = Regression::new(&x, &y, sigma).unwrap();
    let (mean, cov) = exact_posterior(&x, &y, sigma, prior_sd);
    let det = cov[0][0] * cov[1][1] - cov[0][1] * cov[0][1];
    let quad = |p: [f64; 2]| {
        let (d0, d1) = (p[0] - mean[0], p[1] - mean[1]);
        // (d' cov⁻¹ d) with cov⁻¹ = adj(cov)/det
        (d0 * d0 * cov[1][1] - 2.0 * d0 * d1 * cov[0][1] + d1 * d1 * cov[0][0]) / det
    };
    let p0 = [0.3, -0.2];
    let p1 = [2.0, 1.1];
    let ours = m.log_density(&p1).unwrap() - m.log_density(&p0).unwrap();
    let exact = -0.5 * (quad(p1) - quad(p0));
    assert!(
        (ours - exact).abs() <= 1e-10 * exact.abs().max(1.0),
        "{ours} vs {exact}"
    );
    let mut g = [0.0; 2];
    m.log_density_gradient(&mean, &mut g).unwrap();
    assert!(
        g.iter().all(|v| v.abs() < 1e-9),
        "gradient at the posterior mean: {g:?}"
    );
}

#[test]
fn nuts_recovers_the_exact_posterior_mean() {
    let (x, y) = data();
    let (sigma, prior_sd) = (0.5, 10.0);
    let m = Regression::new(&x, &y, sigma).unwrap();
    let (mean, cov) = exact_posterior(&x, &y, sigma, prior_sd);
    let fit = Nuts::new()
        .chains(4)
        .warmup(300)
        .draws(300)
        .seed(7)
        .progress(false)
        .run(&m)
        .unwrap();
    assert_eq!(fit.num_divergences(), 0);
    let summary = fit.summary();
    for (k, name) in ["a", "b"].into_iter().enumerate() {
        let row = summary.row(name).unwrap();
        // Posterior mean within 5 Monte Carlo standard errors of the exact one.
        let z = (row.mean - mean[k]) / row.mcse_mean;
        assert!(
            z.abs() < 5.0,
            "{name}: posterior mean {} vs exact {} (mcse {}, z = {z:.2})",
            row.mean,
            mean[k],
            row.mcse_mean
        );
        // Posterior sd within 5 of its standard errors of the exact one.
        let exact_sd = cov[k][k].sqrt();
        let z = (row.sd - exact_sd) / row.mcse_sd;
        assert!(
            z.abs() < 5.0,
            "{name}: sd {} vs exact {exact_sd} (z = {z:.2})",
            row.sd
        );
        assert!(row.r_hat < 1.05, "{name}: R-hat {}", row.r_hat);
    }
}
