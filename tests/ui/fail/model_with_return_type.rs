use ppl::prelude::*;

#[model]
fn model_with_return_type(y: f64) -> f64 {
    let mu = sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(mu, 1.0), y);
    normal_lpdf(y, mu, 1.0)
}

fn main() {}
