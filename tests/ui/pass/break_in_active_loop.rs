use ppl::prelude::*;
use ppl::testing::check_gradients;

// `break` and `continue` in loops that compute parameter-dependent values.
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
    let mut s = mu;
    for i in 0..y.len() {
        if s > 2.0 {
            continue;
        }
        s = s * 0.5 + y[i];
    }
    factor(-acc * acc - s * s);
}

fn main() {
    let m = BreakInActiveLoop::new(&[0.5, 1.0, -1.0, 2.0]).unwrap();
    check_gradients(&m).unwrap();
}
