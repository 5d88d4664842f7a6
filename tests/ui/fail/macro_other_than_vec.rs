use ppl::prelude::*;

#[model]
fn macro_other_than_vec(y: f64) {
    let mu = sample("mu", Normal(0.0, 1.0));
    println!("mu = {}", mu);
    let sigma = dbg!(mu.exp());
    observe("y", Normal(mu, sigma), y);
}

fn main() {}
