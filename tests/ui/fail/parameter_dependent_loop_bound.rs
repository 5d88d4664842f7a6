use ppl::prelude::*;

#[model]
fn parameter_dependent_loop_bound(y: &[f64]) {
    let n = sample("n", Uniform(0.0, 10.0));
    for i in 0..(n as usize) {
        observe("y", Normal(0.0, 1.0), y[i]);
    }
}

fn main() {}
