//! Models compiled by `#[model]`: their gradient, JVP and Hessian-vector product checked
//! against finite differences through the public `ppl::testing::check_gradients`.

use ppl::prelude::*;
use ppl::testing::{check_gradients, check_gradients_with, GradientCheckOptions};

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
