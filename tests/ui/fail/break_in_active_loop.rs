use ppl::prelude::*;

#[model]
fn break_in_active_loop(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let mut acc = 0.0;
    for i in 0..y.len() {
        if y[i] < 0.0 {
            break;
        }
        acc += mu * y[i];
    }
    factor(-acc * acc);
}

fn main() {}
