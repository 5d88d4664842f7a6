//! `factor` adds any expression to the log density; `deterministic` records derived
//! quantities (indexed when recorded in a loop) without changing the density.
use ppl::prelude::*;
use ppl::testing::check_gradients;

#[model]
fn factor_deterministic(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let log_sigma = sample("log_sigma", Normal(0.0, 1.0));
    let sigma = log_sigma.exp();
    deterministic("sigma", sigma);
    for i in 0..y.len() {
        let z = (y[i] - mu) / sigma;
        deterministic("z", z);
        factor(-0.5 * z * z - log_sigma);
    }
}

#[model]
fn without_deterministic(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let log_sigma = sample("log_sigma", Normal(0.0, 1.0));
    observe("y", Normal(mu, log_sigma.exp()), y);
}

fn main() {
    let y = [0.3, 1.5, -0.4];
    let m = FactorDeterministic::new(&y).unwrap();
    assert_eq!(m.dim(), 2);
    assert_eq!(
        m.param_names(),
        ["mu", "log_sigma", "sigma", "z[0]", "z[1]", "z[2]"]
    );
    check_gradients(&m).unwrap();
    // Deterministic sites do not change the density: it equals the vectorised observe's
    // up to the constant -n/2 ln(2π).
    let reference = WithoutDeterministic::new(&y).unwrap();
    let x = [0.2, -0.1];
    let c = -0.5 * (2.0 * std::f64::consts::PI).ln() * y.len() as f64;
    let (a, b) = (
        m.log_density(&x).unwrap(),
        reference.log_density(&x).unwrap(),
    );
    assert!((a + c - b).abs() < 1e-12, "{a} {b}");
}
