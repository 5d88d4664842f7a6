//! A small user crate: two models written with `#[model]` against `ppl` alone.
//!
//! Its tests (`tests/models.rs`) build the models, check their gradients with
//! `ppl::testing::check_gradients`, and sample the regression with NUTS against its exact
//! (conjugate) posterior.

use ppl::prelude::*;

/// Bayesian linear regression with known noise scale:
/// `a ~ N(0, 10)`, `b ~ N(0, 10)`, `y_n ~ N(a + b·x_n, sigma)`.
///
/// Conjugate: the posterior of `(a, b)` is normal, see [`exact_posterior`].
#[model]
pub fn regression(x: &[f64], y: &[f64], sigma: f64) {
    let a = sample("a", Normal(0.0, 10.0));
    let b = sample("b", Normal(0.0, 10.0));
    for n in 0..x.len() {
        observe("y", Normal(a + b * x[n], sigma), y[n]);
    }
}

/// A normal sample with unknown location and scale, the scale half-normal: exercises a
/// constrained parameter (`sigma > 0`, sampled as `ln sigma`) and vectorised observations.
#[model]
pub fn location_scale(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 5.0));
    let sigma = sample("sigma", HalfNormal(2.0));
    observe("y", Normal(mu, sigma), y);
}

/// Exact posterior of [`regression`]'s `(a, b)` with prior `N(0, prior_sd² I)`: mean
/// `m = P⁻¹ Xᵀy / sigma²` and covariance `P⁻¹`, with precision
/// `P = I / prior_sd² + XᵀX / sigma²` and `X = [1, x]` (a 2 × 2 solve).
pub fn exact_posterior(
    x: &[f64],
    y: &[f64],
    sigma: f64,
    prior_sd: f64,
) -> ([f64; 2], [[f64; 2]; 2]) {
    let (w, w0) = (1.0 / (sigma * sigma), 1.0 / (prior_sd * prior_sd));
    let n = x.len() as f64;
    let sx: f64 = x.iter().sum();
    let sxx: f64 = x.iter().map(|v| v * v).sum();
    let sy: f64 = y.iter().sum();
    let sxy: f64 = x.iter().zip(y).map(|(u, v)| u * v).sum();
    let (p11, p12, p22) = (w0 + w * n, w * sx, w0 + w * sxx);
    let det = p11 * p22 - p12 * p12;
    let cov = [[p22 / det, -p12 / det], [-p12 / det, p11 / det]];
    let (r1, r2) = (w * sy, w * sxy);
    let mean = [
        cov[0][0] * r1 + cov[0][1] * r2,
        cov[1][0] * r1 + cov[1][1] * r2,
    ];
    (mean, cov)
}
