use ppl::prelude::*;

#[model]
fn mut_data_argument(mut n: usize, y: &mut [f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(mu, 1.0), y[n]);
}

fn main() {}
