use ppl::prelude::*;

const MU: &str = "mu";

#[model]
fn non_literal_site_name(y: f64) {
    let mu = sample(MU, Normal(0.0, 1.0));
    observe("y", Normal(mu, 1.0), y);
}

fn main() {}
