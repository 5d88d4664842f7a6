use ppl::prelude::*;

#[model]
fn match_guard(y: f64, k: i64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let s = match k {
        j if j > 2 => 2.0,
        _ => 1.0,
    };
    observe("y", Normal(mu, s), y);
}

fn main() {}
