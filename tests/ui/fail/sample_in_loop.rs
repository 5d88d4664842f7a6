use ppl::prelude::*;

#[model]
fn sample_in_loop(y: &[f64]) {
    for i in 0..y.len() {
        let theta = sample("theta", Normal(0.0, 1.0));
        observe("y", Normal(theta, 1.0), y[i]);
    }
}

fn main() {}
