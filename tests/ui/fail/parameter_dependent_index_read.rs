use ppl::prelude::*;

#[model]
fn parameter_dependent_index_read(y: &[f64]) {
    let u = sample("u", Uniform(0.0, 3.0));
    factor(y[u as usize] * u);
}

fn main() {}
