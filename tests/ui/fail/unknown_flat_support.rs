use ppl::prelude::*;

#[model]
fn unknown_flat_support(y: f64) {
    let sigma = sample("sigma", Flat(NonNegative));
    observe("y", Normal(0.0, sigma), y);
}

fn main() {}
