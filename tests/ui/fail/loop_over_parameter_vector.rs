use ppl::prelude::*;

#[model]
fn loop_over_parameter_vector(n: usize) {
    let theta = sample("theta", Normal(0.0, 1.0).iid(n));
    for t in theta.iter() {
        factor(-t * t);
    }
}

fn main() {}
