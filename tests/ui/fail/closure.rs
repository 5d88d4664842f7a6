use ppl::prelude::*;

#[model]
fn closure(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let f = |x: f64| x * mu;
    factor(f(y[0]));
}

fn main() {}
