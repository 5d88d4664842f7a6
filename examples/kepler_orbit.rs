//! Fitting an eccentric orbit to radial velocities: Kepler's equation `M = E - e sin E` is
//! solved by Newton's method in a `#[custom_derivative]` (differentiated by the implicit
//! function theorem, not through the iterations), and the velocity curve is a
//! `#[differentiable]` helper with an early return for circular orbits.
//!
//! `cargo run --release --example kepler_orbit`

use ppl::prelude::*;
use std::f64::consts::PI;

/// The eccentric anomaly `E` solving `M = E - e sin E`, for `0 <= e < 1`.
#[custom_derivative(partials = kepler_partials)]
pub fn kepler(m: f64, e: f64) -> f64 {
    let mut x = if e < 0.8 { m } else { PI.copysign(m) };
    let mut step = 1.0;
    let mut iterations = 0;
    while step.abs() > 1e-15 * (1.0 + x.abs()) && iterations < 100 {
        step = (x - e * x.sin() - m) / (1.0 - e * x.cos());
        x -= step;
        iterations += 1;
    }
    x
}

/// `dE/dM = 1 / (1 - e cos E)` and `dE/de = sin E / (1 - e cos E)` at the solution `E`.
pub fn kepler_partials<S: Scalar>(_m: S, e: S, x: S) -> (S, S) {
    let d = -(e * x.cos()) + 1.0;
    (d.recip(), x.sin() / d)
}

/// Radial velocity at mean anomaly `m`: semi-amplitude `k`, eccentricity `e`, argument of
/// periastron `omega`.
#[differentiable]
pub fn radial_velocity(m: f64, e: f64, k: f64, omega: f64) -> f64 {
    if e == 0.0 {
        return k * (m + omega).cos();
    }
    let ecc_anomaly = kepler(m, e);
    let nu = 2.0 * (((1.0 + e) / (1.0 - e)).sqrt() * (0.5 * ecc_anomaly).tan()).atan();
    k * ((nu + omega).cos() + e * omega.cos())
}

/// Radial velocities `rv` at times `t` of a star on an orbit of known period and time of
/// periastron (so the mean anomalies are known).
#[model]
pub fn orbit(t: &[f64], rv: &[f64], period: f64) {
    let k = sample("k", LogNormal(1.0, 1.0));
    let e = sample("e", Beta(2.0, 3.0));
    let omega = sample("omega", Normal(0.0, 1.5));
    let offset = sample("offset", Normal(0.0, 10.0));
    let sigma = sample("sigma", HalfNormal(2.0));
    for i in 0..t.len() {
        let m = 2.0 * PI * t[i] / period;
        observe(
            "rv",
            Normal(radial_velocity(m, e, k, omega) + offset, sigma),
            rv[i],
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Synthetic observations: k = 4, e = 0.35, omega = 1, offset = 2.
    let period = 5.0;
    let t: Vec<f64> = (0..40).map(|i| 0.37 * i as f64).collect();
    let noise = |i: usize| 0.3 * ((i as f64 * 12.9898).sin() * 43758.5453).fract();
    let rv: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(i, &ti)| {
            let m = 2.0 * PI * ti / period;
            radial_velocity(m, 0.35, 4.0, 1.0) + 2.0 + noise(i)
        })
        .collect();
    let model = Orbit::new(&t, &rv, period)?;
    let report = ppl::testing::check_gradients(&model)?;
    println!(
        "gradients agree with finite differences at {} points",
        report.points_checked
    );
    let fit = Nuts::new()
        .chains(4)
        .warmup(500)
        .draws(500)
        .seed(7)
        .run(&model)?;
    println!("{}", fit.summary());
    Ok(())
}
