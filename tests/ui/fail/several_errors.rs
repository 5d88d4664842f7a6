use ppl::prelude::*;

// Every mistake of a model is reported at once, each at its own construct.
#[model]
fn several_errors(y: &[f64], n: usize) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let mu2 = sample("mu", Normal(0.0, 1.0));
    let total = 0.0;
    for i in 0..n {
        let theta = sample("theta", Normal(mu, 1.0));
        total += theta;
    }
    y[0] = mu2;
    factor(total);
}

fn main() {}
