//! Sample sites: scalar, `.iid(n)` vectors, and `Flat` supports whose bounds depend on
//! other parameters.
use ppl::prelude::*;
use ppl::testing::check_gradients;

#[model]
fn sites(n: usize, scale: f64) {
    let mu = sample("mu", Normal(0.0, scale));
    let tau = sample("tau", HalfCauchy(2.5));
    let theta = sample("theta", Normal(mu, tau).iid(n));
    let alpha = sample("alpha", Uniform(0.0, 1.0));
    let beta = sample("beta", Uniform(0.0, 1.0 - alpha));
    let lo = sample("lo", Flat(Real));
    let above = sample("above", Flat(LowerBounded(lo)));
    let below = sample("below", Flat(UpperBounded(lo + 1.0)));
    let inside = sample("inside", Flat(Interval(below, above + 1.0)));
    let p = sample("p", Flat(UnitInterval));
    let s = sample("s", Flat(Positive));
    factor(normal_lpdf(lo, 0.0, 1.0) + normal_lpdf(above, 1.0, 1.0));
    factor(normal_lpdf(below, 0.0, 1.0) + normal_lpdf(inside, 0.0, 2.0));
    factor(beta_lpdf(p, 2.0, 2.0) + gamma_lpdf(s, 2.0, 1.0) + theta[0] * beta);
}

fn main() {
    let m = Sites::new(3, 5.0).unwrap();
    assert_eq!(m.dim(), 13);
    let names = m.param_names();
    assert_eq!(names[..3], ["mu", "tau", "theta[0]"]);
    assert_eq!(names[12], "s");
    let mut grad = vec![0.0; m.dim()];
    let lp = m
        .log_density_gradient(&vec![0.1; m.dim()], &mut grad)
        .unwrap();
    assert!(lp.is_finite() && grad.iter().all(|g| g.is_finite()));
    check_gradients(&m).unwrap();
}
