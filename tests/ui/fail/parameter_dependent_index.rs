use ppl::prelude::*;

#[model]
fn parameter_dependent_index(y: &[f64]) {
    let u = sample("u", Uniform(0.0, 3.0));
    let mut v = vec![0.0; 3];
    v[u as usize] = u;
    factor(v[0]);
}

fn main() {}
