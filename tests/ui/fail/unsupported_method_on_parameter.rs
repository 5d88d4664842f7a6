use ppl::prelude::*;

#[model]
fn unsupported_method(y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(mu.signum() * 2.0, 1.0), y);
}

fn main() {}
