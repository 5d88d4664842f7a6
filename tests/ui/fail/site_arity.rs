use ppl::prelude::*;

#[model]
fn site_arity(y: f64) {
    let mu = sample(Normal(0.0, 1.0));
    observe("y", Normal(mu, 1.0));
    deterministic(mu);
}

fn main() {}
