use ppl::prelude::*;

#[model]
fn return_in_model(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    if y.is_empty() {
        return;
    }
    observe("y", Normal(mu, 1.0), y);
}

fn main() {}
