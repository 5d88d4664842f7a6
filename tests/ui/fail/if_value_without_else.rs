use ppl::prelude::*;

#[model]
fn if_value_without_else(y: f64, robust: bool) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let s = if robust {
        2.0
    };
    observe("y", Normal(mu, s), y);
}

fn main() {}
