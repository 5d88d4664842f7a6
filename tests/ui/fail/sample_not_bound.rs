use ppl::prelude::*;

#[model]
fn sample_not_bound(y: f64) {
    sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(0.0, 1.0), y);
}

fn main() {}
