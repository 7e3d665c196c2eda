//! Panics stopped at a language boundary: a panic that escaped into Python
//! would be a `BaseException` most code does not catch, and one inside a
//! spawned fetch would leave the waiting caller pending forever. Both
//! bindings run every call through these, so a bug in tokenward answers the
//! caller with an `internal` error and never accepts the token.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::Error;

/// Runs `work`; a panic becomes an `internal` error.
pub fn contain<T>(work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| Err(panicked(payload.as_ref())))
}

/// `future`, with a panic in any poll turned into an `internal` error.
pub fn contain_future<T, F>(future: F) -> Contained<F>
where
    F: Future<Output = Result<T, Error>>,
{
    Contained { future: Box::pin(future) }
}

/// A future whose panics become an `internal` error; see [`contain_future`].
pub struct Contained<F> {
    future: Pin<Box<F>>,
}

impl<T, F: Future<Output = Result<T, Error>>> Future for Contained<F> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.future.as_mut();
        catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
            .unwrap_or_else(|payload| Poll::Ready(Err(panicked(payload.as_ref()))))
    }
}

fn panicked(payload: &(dyn Any + Send)) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    Error::internal(format!(
        "tokenward failed internally ({}); the token was not accepted",
        crate::error::truncate(what)
    ))
}

/// Test builds only (feature `panic-injection`): panics where a test asks,
/// so the containment above is proven end to end from each language.
#[cfg(feature = "panic-injection")]
pub(crate) mod injection {
    /// A token equal to this panics inside verification.
    pub const PANIC_TOKEN: &str = "panic.panic.panic";
    /// A key-set URL whose path ends with this panics inside the fetch.
    pub const PANIC_PATH: &str = "/panic";

    pub(crate) fn on_verify(token: &str) {
        if token == PANIC_TOKEN {
            panic!("injected panic in verify");
        }
    }

    pub(crate) fn on_fetch(url: &url::Url) {
        if url.path().ends_with(PANIC_PATH) {
            panic!("injected panic in a key fetch");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let err = contain::<()>(|| panic!("boom")).unwrap_err();
        assert_eq!(err.kind(), ErrorCode::Internal);
        assert!(err.message().contains("boom"), "{}", err.message());
        assert!(!err.kind().is_token_problem());
    }

    #[test]
    fn a_panicking_future_settles_with_an_internal_error() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let err = rt.block_on(contain_future(async { panic!("in a poll") as Result<(), Error> })).unwrap_err();
        assert_eq!(err.kind(), ErrorCode::Internal);
    }
}
