use ppl::prelude::*;

#[model]
fn discrete_at_site(p: &[f64]) {
    let z = sample("z", Categorical(p));
    let n = sample("n", Poisson(3.0));
    factor(z + n);
}

fn main() {}
