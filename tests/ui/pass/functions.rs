//! Stan-named log densities (`normal_lpdf`, `poisson_lpmf`, ...), the math functions of
//! ppl as free functions, and math methods on parameters.
use ppl::prelude::*;
use ppl::testing::check_gradients;

#[model]
fn functions(n: i64, y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let rate = sample("rate", Gamma(2.0, 2.0));
    let p = sample("p", Beta(2.0, 3.0));
    factor(normal_lpdf(y, mu, 1.5) + poisson_lpmf(n, rate * 3.0));
    factor(log_sum_exp(mu, 0.5) - log1p_exp(mu) + inv_logit(mu) + logit(p) * 0.1);
    factor(lgamma(rate + 1.0) * 0.1 - log1m_exp(-rate) + std_normal_log_cdf(mu));
    factor(mu.sin() + mu.cos() * 0.5 + rate.sqrt() + rate.ln_1p() + p.powi(2) + rate.powf(0.5));
    factor(mu.atan2(rate) + mu.hypot(1.0) * 0.1 - (mu * 0.1).exp_m1() + mu.tanh());
    factor(mu.max(0.0) * 0.1 + erf(mu * 0.5) + lbeta(rate, 2.0) * 0.1);
}

fn main() {
    let m = Functions::new(3, 0.4).unwrap();
    assert_eq!(m.dim(), 3);
    check_gradients(&m).unwrap();
}
