//! Interval transform x = lo + (hi - lo) logistic(u); bounds may be parameters.
