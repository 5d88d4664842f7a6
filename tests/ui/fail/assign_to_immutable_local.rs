use ppl::prelude::*;

#[model]
fn assign_to_immutable_local(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let total = 0.0;
    for i in 0..y.len() {
        total += (y[i] - mu).powi(2);
    }
    factor(-0.5 * total);
}

fn main() {}
