use ppl::prelude::*;

#[model]
fn missing_semicolon_tail(y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    normal_lpdf(y, mu, 1.0)
}

fn main() {}
