//! `observe`: a scalar value, a slice of values (vectorised, with scalar or vector
//! parameters), `.iid(n)` observations, and discrete values (scalar and vectorised).
use ppl::prelude::*;
use ppl::testing::check_gradients;

#[model]
fn observe_forms(y0: f64, y: &[f64], z: &[f64], k: i64, ks: &[i64], scale: &[f64]) {
    let mu = sample("mu", Normal(0.0, 5.0));
    let sigma = sample("sigma", HalfNormal(2.0));
    let lambda = sample("lambda", Gamma(2.0, 1.0));
    let theta = sample("theta", Normal(0.0, 1.0).iid(y.len()));
    observe("y0", Normal(mu, sigma), y0);
    observe("y", Normal(mu, sigma), y);
    observe("y_scaled", Normal(theta, scale), y);
    observe("z", Normal(mu, 1.0).iid(z.len()), z);
    observe("k", Poisson(lambda), k);
    observe("ks", Poisson(lambda), ks);
    observe("ks_logit", BernoulliLogit(mu), &ks[..2]);
}

fn main() {
    let y = [0.5, -0.3, 1.2];
    let z = [0.1, 0.2];
    let ks = [1, 0, 3, 2];
    let m = ObserveForms::new(0.7, &y, &z, 2, &ks, &[1.0, 2.0, 0.5]).unwrap();
    assert_eq!(m.dim(), 6);
    check_gradients(&m).unwrap();
}
