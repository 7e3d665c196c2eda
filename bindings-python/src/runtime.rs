//! The tokio runtime that performs key fetches. Created on first need, and
//! again in a forked child: gunicorn `--preload` imports the app (and may
//! fetch keys) in the parent, then forks workers, and a runtime's worker
//! threads do not survive a fork.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use tokio::runtime::Runtime;

static RUNTIME: ArcSwapOption<Runtime> = ArcSwapOption::const_empty();
static FORKED: AtomicBool = AtomicBool::new(false);

/// Runs in the child right after fork, while it has one thread. It only flips
/// a flag: allocating or taking locks here could deadlock on state another
/// parent thread held at the moment of the fork.
pub fn forget_after_fork() {
    FORKED.store(true, Ordering::Release);
}

/// The process's runtime, creating it if this process has none yet.
pub fn get() -> Result<Arc<Runtime>, tokenward::Error> {
    if FORKED.load(Ordering::Acquire) && FORKED.swap(false, Ordering::AcqRel) {
        // The parent's runtime: its threads are gone, so dropping it could
        // wait forever on them. Leak it instead; it happens once per fork.
        if let Some(stale) = RUNTIME.swap(None) {
            std::mem::forget(stale);
        }
    }
    if let Some(rt) = RUNTIME.load_full() {
        return Ok(rt);
    }
    let fresh = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("tokenward-fetch")
        .enable_all()
        .build()
        .map_err(|e| tokenward::Error::internal(format!("could not start the key-fetch runtime: {e}")))?;
    let fresh = Arc::new(fresh);
    let previous = RUNTIME.compare_and_swap(&None::<Arc<Runtime>>, Some(fresh.clone()));
    Ok(match &*previous {
        // Another thread won the race; use its runtime (ours drops here, unused).
        Some(winner) => winner.clone(),
        None => fresh,
    })
}
