use ppl::prelude::*;

#[model]
fn duplicate_site_names(y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let sigma = sample("mu", HalfNormal(1.0));
    observe("y", Normal(mu, sigma), y);
}

fn main() {}
