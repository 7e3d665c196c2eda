//! tokenward's events to Python's `logging`, on logger "tokenward" and its
//! children ("tokenward.jwks", "tokenward.keys").
//!
//! Events fire on the key-fetch runtime's threads or a caller's thread, often
//! while the key cache holds a lock that a Python thread (holding the GIL) may
//! be waiting for, in `stats()` for one. Taking the GIL there could deadlock,
//! so the core's sink only queues the event (never blocking; a full queue
//! drops it) and one thread, "tokenward-log", takes the GIL and logs.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use tokenward::events::{self, Event, Level, Value};

/// Events waiting for the logging thread; beyond this, new ones are dropped.
const QUEUE: usize = 1024;
/// Events logged per GIL acquisition at most.
const BATCH: usize = 256;

/// Set by an `atexit` hook: once the interpreter is shutting down, events are dropped.
static STOPPED: AtomicBool = AtomicBool::new(false);
/// The pid of the process whose logging thread is taking the GIL and
/// logging now, else 0. The `atexit` hook waits (without the GIL) after
/// setting `STOPPED` until this process's thread is out: a thread that asks
/// for the GIL once finalization has begun is torn down by the interpreter,
/// which aborts the process. A pid, not a lock: a child forked while the
/// parent's thread was logging inherits the value, not an owner to wait for.
static ATTACHING: AtomicU32 = AtomicU32::new(0);
static DELIVERY: ArcSwapOption<Delivery> = ArcSwapOption::const_empty();

enum Message {
    Event(Event),
    /// Answered once every message queued before it has been handled.
    Flush(SyncSender<()>),
}

/// This process's queue to its logging thread.
struct Delivery {
    pid: u32,
    sender: SyncSender<Message>,
}

/// Registers the sink with the core, the `atexit` hook, and `_flush_logs`.
pub fn install(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let stop = PyCFunction::new_closure(
        py,
        Some(c"_stop_tokenward_logging"),
        None,
        |args: &Bound<'_, PyTuple>, _: Option<&Bound<'_, PyDict>>| {
            STOPPED.store(true, Ordering::SeqCst);
            let pid = std::process::id();
            args.py().detach(|| {
                let deadline = std::time::Instant::now() + Duration::from_secs(5);
                while ATTACHING.load(Ordering::SeqCst) == pid && std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
        },
    )?;
    py.import("atexit")?.call_method1("register", (stop,))?;
    // A private test hook, kept out of `__all__` (`add_function` would list it).
    m.setattr("_flush_logs", wrap_pyfunction!(_flush_logs, m)?)?;
    // Fails only if this process already has a global subscriber for this
    // copy of the core; there is none, and logging is no reason to fail import.
    let _ = events::install(Arc::new(queue));
    Ok(())
}

/// Waits (without the GIL) until every event emitted before the call has been
/// logged, at most `timeout` seconds; False if that time ran out. For tests.
#[pyfunction]
#[pyo3(signature = (timeout = 10.0))]
fn _flush_logs(py: Python<'_>, timeout: f64) -> bool {
    py.detach(|| {
        let Some(delivery) = DELIVERY.load_full().filter(|d| d.pid == std::process::id()) else {
            return true;
        };
        let (done, finished) = sync_channel(1);
        if delivery.sender.send(Message::Flush(done)).is_err() {
            return false;
        }
        finished.recv_timeout(Duration::from_secs_f64(timeout.clamp(0.0, 3600.0))).is_ok()
    })
}

/// The core's sink: runs wherever the event fired, so it only queues.
fn queue(event: &Event) {
    if STOPPED.load(Ordering::Acquire) {
        return;
    }
    if let Some(delivery) = delivery() {
        let _ = delivery.sender.try_send(Message::Event(event.clone()));
    }
}

/// The queue of this process, starting its logging thread on first use (and
/// again in a forked child, where the parent's thread does not exist).
fn delivery() -> Option<Arc<Delivery>> {
    let pid = std::process::id();
    let current = DELIVERY.load_full();
    if let Some(d) = current.as_ref().filter(|d| d.pid == pid) {
        return Some(Arc::clone(d));
    }
    let (sender, receiver) = sync_channel(QUEUE);
    let fresh = Arc::new(Delivery { pid, sender });
    let previous = DELIVERY.compare_and_swap(&current, Some(Arc::clone(&fresh)));
    let won = match (&*previous, &current) {
        (Some(p), Some(c)) => Arc::ptr_eq(p, c),
        (None, None) => true,
        _ => false,
    };
    if !won {
        return previous.clone();
    }
    if let Some(parent) = current {
        // A parent thread may have held the channel's lock at the fork: never
        // drop the parent's queue here, leak it (once per fork).
        std::mem::forget(parent);
    }
    std::thread::Builder::new().name("tokenward-log".into()).spawn(move || deliver(&receiver)).ok()?;
    Some(fresh)
}

/// The logging thread: takes the GIL once per batch of queued events.
fn deliver(receiver: &Receiver<Message>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let has_events = batch.iter().any(|m| matches!(m, Message::Event(_)));
        if has_events {
            ATTACHING.store(std::process::id(), Ordering::SeqCst);
            if !STOPPED.load(Ordering::SeqCst) {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    Python::try_attach(|py| log_batch(py, &batch));
                }));
            }
            ATTACHING.store(0, Ordering::SeqCst);
        }
        for message in batch {
            if let Message::Flush(done) = message {
                let _ = done.try_send(());
            }
        }
    }
}

fn log_batch(py: Python<'_>, batch: &[Message]) {
    for message in batch {
        if STOPPED.load(Ordering::Acquire) {
            return;
        }
        if let Message::Event(event) = message {
            if let Err(err) = log(py, event) {
                err.write_unraisable(py, None);
            }
        }
    }
}

/// `logging.ERROR`... : TRACE has no Python level and becomes DEBUG.
fn python_level(level: Level) -> u32 {
    match level {
        Level::Error => 40,
        Level::Warn => 30,
        Level::Info => 20,
        Level::Debug | Level::Trace => 10,
    }
}

fn log(py: Python<'_>, event: &Event) -> PyResult<()> {
    let name = match event.component() {
        "" => "tokenward".to_owned(),
        component => format!("tokenward.{}", component.replace("::", ".")),
    };
    let logger = py.import("logging")?.call_method1("getLogger", (name.as_str(),))?;
    let level = python_level(event.level);
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let fields = PyDict::new(py);
    for (field, value) in &event.fields {
        match value {
            Value::Str(s) => fields.set_item(field, s)?,
            Value::I64(n) => fields.set_item(field, n)?,
            Value::U64(n) => fields.set_item(field, n)?,
            Value::F64(n) => fields.set_item(field, n)?,
            Value::Bool(b) => fields.set_item(field, b)?,
        }
    }
    let record = logger.call_method1(
        "makeRecord",
        (
            name.as_str(),
            level,
            event.file.unwrap_or("(tokenward)"),
            event.line.unwrap_or(0),
            event.text(),
            PyTuple::empty(py),
            py.None(),
        ),
    )?;
    // Each field is also an attribute (for `%(url)s` and structured
    // formatters) unless a LogRecord attribute has that name.
    for (field, value) in fields.iter() {
        let field = field.extract::<String>()?;
        if !record.hasattr(field.as_str())? {
            record.setattr(field.as_str(), value)?;
        }
    }
    record.setattr("tokenward", fields)?;
    logger.call_method1("handle", (record,))?;
    Ok(())
}
