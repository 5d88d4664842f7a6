use ppl::prelude::*;

#[model]
fn mutate_data_argument(y: &[f64], scale: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    scale = 2.0;
    y[0] += 1.0;
    observe("y", Normal(mu, scale), y);
}

fn main() {}
