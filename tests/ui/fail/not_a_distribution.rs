use ppl::prelude::*;

#[model]
fn not_a_distribution(y: f64) {
    let mu = sample("mu", 0.5);
    observe("y", normal(mu, 1.0), y);
}

fn main() {}
