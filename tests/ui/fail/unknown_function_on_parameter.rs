use ppl::prelude::*;

fn foo(x: f64) -> f64 {
    x * x
}

#[model]
fn unknown_function(y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(foo(mu), 1.0), y);
}

fn main() {}
