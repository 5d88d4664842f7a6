use ppl::prelude::*;

#[model]
fn mutate_parameter(y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let theta = sample("theta", Normal(0.0, 1.0).iid(3));
    mu += 1.0;
    theta[0] = mu;
    observe("y", Normal(mu, 1.0), y);
}

fn main() {}
