use ppl::prelude::*;

#[model]
fn match_on_parameter(y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let s = match mu as i64 {
        0 => 1.0,
        _ => 2.0,
    };
    observe("y", Normal(mu, s), y);
}

fn main() {}
