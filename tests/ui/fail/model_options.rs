use ppl::prelude::*;

#[model(name = "Foo")]
fn model_options(y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(mu, 1.0), y);
}

fn main() {}
