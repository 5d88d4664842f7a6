//! Branches: `if` / `else if` / `else` on data and on parameters (the derivative is that
//! of the branch taken), `match` on integer data.
use ppl::prelude::*;
use ppl::testing::check_gradients;

#[model]
fn branches(y: &[f64], mode: i64, robust: bool) {
    let mu = sample("mu", Normal(0.0, 2.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    if robust {
        observe("y", StudentT(4.0, mu, sigma), y);
    } else if mode > 1 {
        observe("y", Cauchy(mu, sigma), y);
    } else {
        observe("y", Normal(mu, sigma), y);
    }
    let mut penalty = 0.0;
    if mu > 1.0 {
        penalty = (mu - 1.0) * (mu - 1.0);
    } else if mu < -1.0 {
        penalty = (mu + 1.0) * (mu + 1.0);
    }
    match mode {
        0 => factor(-penalty),
        1 => {
            factor(-2.0 * penalty);
        }
        _ => {}
    }
}

fn main() {
    let y = [0.5, 1.5, 3.0];
    for (mode, robust) in [(0, false), (1, false), (2, false), (0, true)] {
        check_gradients(&Branches::new(&y, mode, robust).unwrap()).unwrap();
    }
    // Modes 0 and 1 observe the same Normal likelihood and differ by the penalty term
    // only: lp0 - lp1 = penalty(mu), whose branch (and slope) depends on the parameter.
    let (m0, m1) = (
        Branches::new(&y, 0, false).unwrap(),
        Branches::new(&y, 1, false).unwrap(),
    );
    for (mu, penalty, slope) in [(2.0, 1.0, 2.0), (0.5, 0.0, 0.0), (-3.0, 4.0, -4.0)] {
        let x = [mu, 0.0];
        let (mut g0, mut g1) = ([0.0; 2], [0.0; 2]);
        let lp0 = m0.log_density_gradient(&x, &mut g0).unwrap();
        let lp1 = m1.log_density_gradient(&x, &mut g1).unwrap();
        assert!(
            (lp0 - lp1 - penalty).abs() < 1e-12,
            "mu = {mu}: {lp0} - {lp1}"
        );
        assert!(
            (g0[0] - g1[0] - slope).abs() < 1e-12,
            "mu = {mu}: {g0:?} {g1:?}"
        );
        assert!((g0[1] - g1[1]).abs() < 1e-12);
    }
}
