use ppl::prelude::*;

#[model]
fn generic_model<T: Into<f64>>(y: T) {
    let mu = sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(mu, 1.0), y.into());
}

fn main() {}
