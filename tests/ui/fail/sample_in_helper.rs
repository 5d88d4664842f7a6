use ppl::prelude::*;

#[differentiable]
fn prior_term(x: f64) -> f64 {
    let z = sample("z", Normal(0.0, 1.0));
    x * z
}

fn main() {}
