//! Run-time choice of an AVX2 build for the hottest slice loops.
//!
//! The crate is compiled for the baseline x86-64 target (SSE2: 2 `f64` lanes) unless the
//! user sets `-C target-cpu`. Most CPUs in use have AVX2 (4 lanes); [`with_avx2!`] gives a
//! function a second build with AVX2 enabled and picks it when the CPU has the feature
//! (`is_x86_feature_detected!`, a cached load). FMA is deliberately not enabled: each lane
//! then computes exactly what the SSE2 build computes, and the loops keep a fixed number of
//! accumulators, so results are bit-identical on every x86-64 CPU (draws reproduce across
//! machines). On other architectures, or when AVX2 is enabled at compile time, the macro
//! defines the plain function.

/// `fn name(args) -> R = body;` defines `name` calling `body` (an `#[inline(always)]`
/// function), through an AVX2 build of it when the CPU supports AVX2.
macro_rules! with_avx2 {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident: $t:ty),* $(,)?) -> $r:ty = $body:path;) => {
        $(#[$m])*
        #[inline]
        $vis fn $name($($a: $t),*) -> $r {
            #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
            {
                #[target_feature(enable = "avx2")]
                fn avx2($($a: $t),*) -> $r {
                    $body($($a),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    #[allow(unsafe_code)]
                    // SAFETY: the CPU has AVX2 (checked just above).
                    return unsafe { avx2($($a),*) };
                }
            }
            $body($($a),*)
        }
    };
}
pub(crate) use with_avx2;

/// A model's `f64` gradient, whose body [`gradient_with_avx2`] compiles a second time with
/// AVX2 enabled. Implemented by generated code with `#[inline(always)]`, so that the body
/// is compiled into each build.
pub trait GradientBody {
    /// `log p(x)`, writing `∂ log p/∂x` into `grad`.
    fn gradient_body(
        &self,
        x: &[f64],
        grad: &mut [f64],
        stacks: &mut crate::ad::Stacks<f64>,
    ) -> crate::error::Result<f64>;
}

/// `m`'s gradient from its AVX2 build when the CPU has AVX2, else from the baseline one:
/// every loop and every rule inlined into the body is then compiled for 4 lanes and for
/// VEX's three-operand instructions (fewer register copies). As for [`with_avx2!`], FMA
/// stays off, so both builds give the same results bit for bit.
#[inline]
pub fn gradient_with_avx2<M: GradientBody + ?Sized>(
    m: &M,
    x: &[f64],
    grad: &mut [f64],
    stacks: &mut crate::ad::Stacks<f64>,
) -> crate::error::Result<f64> {
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
    {
        #[target_feature(enable = "avx2")]
        fn avx2<M: GradientBody + ?Sized>(
            m: &M,
            x: &[f64],
            grad: &mut [f64],
            stacks: &mut crate::ad::Stacks<f64>,
        ) -> crate::error::Result<f64> {
            m.gradient_body(x, grad, stacks)
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            #[allow(unsafe_code)]
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { avx2(m, x, grad, stacks) };
        }
    }
    m.gradient_body(x, grad, stacks)
}
