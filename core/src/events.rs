//! tokenward's `tracing` events as plain data, for a binding to hand on to
//! its language's logging (Python `logging`, a Node logger).
//!
//! [`install`] registers a sink and, the first time, sets a minimal global
//! `tracing` subscriber that forwards only events whose target is tokenward's
//! own (`tokenward` or `tokenward::...`). With no sink registered the
//! subscriber's level hint is `OFF`, so an event macro costs one atomic load.
//! A Rust application that has its own subscriber does not need this module:
//! its subscriber already sees these events (filter on target `tokenward`).
//!
//! No event carries a token, a signature or a secret: only a kid, an issuer,
//! a URL without credentials or query, an error code and counts.

use std::cell::Cell;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{span, Metadata, Subscriber};

/// How serious an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Something failed and nothing could stand in for it.
    Error,
    /// Something failed and tokenward coped (stale keys served, fetch failed).
    Warn,
    /// Normal operation worth a line (keys fetched, an entry skipped).
    Info,
    /// Detail for diagnosing (304 answers, cooldown refusals).
    Debug,
    /// Finer detail still.
    Trace,
}

impl Level {
    /// `"error"`, `"warn"`, `"info"`, `"debug"` or `"trace"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }

    fn of(level: &tracing::Level) -> Level {
        match *level {
            tracing::Level::ERROR => Level::Error,
            tracing::Level::WARN => Level::Warn,
            tracing::Level::INFO => Level::Info,
            tracing::Level::DEBUG => Level::Debug,
            _ => Level::Trace,
        }
    }
}

/// One field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (also any value recorded with `%` or `?`).
    Str(String),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A floating-point number.
    F64(f64),
    /// A boolean.
    Bool(bool),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::I64(n) => write!(f, "{n}"),
            Value::U64(n) => write!(f, "{n}"),
            Value::F64(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// One tokenward event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// How serious it is.
    pub level: Level,
    /// The Rust module that emitted it: `tokenward::jwks`, `tokenward::keys`...
    pub target: &'static str,
    /// What happened, without the fields: `"JWKS fetched"`.
    pub message: String,
    /// The fields in the order they were written: `url`, `keys`, `kid`, `code`, `reason`...
    pub fields: Vec<(&'static str, Value)>,
    /// The Rust source file that emitted it, when known.
    pub file: Option<&'static str>,
    /// The line in [`Event::file`], when known.
    pub line: Option<u32>,
}

impl Event {
    /// The target below `tokenward`: `"jwks"` for `tokenward::jwks`, `""` for `tokenward`.
    pub fn component(&self) -> &'static str {
        self.target.strip_prefix("tokenward").map_or("", |rest| rest.trim_start_matches("::"))
    }

    /// A field's value, if the event has it.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// One readable line, the message then `name=value` pairs (a value with
    /// spaces, quotes or `=` quoted): `JWKS fetched url=https://... keys=2 skipped=0`.
    pub fn text(&self) -> String {
        let mut line = self.message.clone();
        for (name, value) in &self.fields {
            let _ = match value {
                Value::Str(s) if s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '"' || c == '=') => {
                    write!(line, " {name}={s:?}")
                }
                _ => write!(line, " {name}={value}"),
            };
        }
        line
    }
}

/// Receives every event. It runs on the thread that emitted the event, which
/// may hold tokenward's locks: it must not block, wait for another thread or
/// call into tokenward. Hand the event to a queue instead.
pub type Sink = Arc<dyn Fn(&Event) + Send + Sync>;

/// A registered sink, for [`remove`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SinkId(u64);

/// Why [`install`] could not register a sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallError;

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("another global tracing subscriber is already set; it receives tokenward's events itself")
    }
}

impl std::error::Error for InstallError {}

static SINKS: ArcSwapOption<Vec<(SinkId, Sink)>> = ArcSwapOption::const_empty();
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static GLOBAL: OnceLock<Result<(), InstallError>> = OnceLock::new();

thread_local! {
    /// Set while this thread runs the sinks: an event emitted by a sink is
    /// dropped rather than delivered re-entrantly.
    static DELIVERING: Cell<bool> = const { Cell::new(false) };
}

/// Registers `sink` for every tokenward event from now on, in this process.
/// The first call sets the process's global `tracing` subscriber; it fails if
/// the process already has another.
pub fn install(sink: Sink) -> Result<SinkId, InstallError> {
    GLOBAL.get_or_init(|| tracing::subscriber::set_global_default(Forwarder).map_err(|_| InstallError)).clone()?;
    let id = SinkId(NEXT_ID.fetch_add(1, Ordering::Relaxed));
    SINKS.rcu(|current| {
        let mut sinks: Vec<(SinkId, Sink)> = current.as_deref().cloned().unwrap_or_default();
        sinks.push((id, Arc::clone(&sink)));
        Some(Arc::new(sinks))
    });
    tracing::callsite::rebuild_interest_cache();
    Ok(id)
}

/// Unregisters a sink; with none left, events cost one atomic load again.
pub fn remove(id: SinkId) {
    SINKS.rcu(|current| {
        let sinks: Vec<(SinkId, Sink)> =
            current.as_deref().into_iter().flatten().filter(|(i, _)| *i != id).cloned().collect();
        (!sinks.is_empty()).then(|| Arc::new(sinks))
    });
    tracing::callsite::rebuild_interest_cache();
}

fn is_ours(target: &str) -> bool {
    target.strip_prefix("tokenward").is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// The global subscriber: tokenward's events to the sinks, nothing else.
struct Forwarder;

impl Subscriber for Forwarder {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.is_event() && is_ours(metadata.target()) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event() && is_ours(metadata.target())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(if SINKS.load().is_some() { LevelFilter::TRACE } else { LevelFilter::OFF })
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let Some(sinks) = SINKS.load_full() else { return };
        let entered = DELIVERING.try_with(|d| !d.replace(true)).unwrap_or(false);
        if !entered {
            return;
        }
        // A sink's panic (or a field's Display panicking) stays here.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let data = capture(event);
            for (_, sink) in sinks.iter() {
                let _ = catch_unwind(AssertUnwindSafe(|| sink(&data)));
            }
        }));
        let _ = DELIVERING.try_with(|d| d.set(false));
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

fn capture(event: &tracing::Event<'_>) -> Event {
    let metadata = event.metadata();
    let mut fields = Fields { message: String::new(), fields: Vec::new() };
    event.record(&mut fields);
    Event {
        level: Level::of(metadata.level()),
        target: metadata.target(),
        message: fields.message,
        fields: fields.fields,
        file: metadata.file(),
        line: metadata.line(),
    }
}

struct Fields {
    message: String,
    fields: Vec<(&'static str, Value)>,
}

impl Fields {
    fn push(&mut self, field: &Field, value: Value) {
        match (field.name(), value) {
            ("message", Value::Str(s)) => self.message = s,
            (name, value) => self.fields.push((name, value)),
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, Value::F64(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, Value::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, Value::U64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, Value::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, Value::Str(value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field, Value::Str(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(fields: Vec<(&'static str, Value)>) -> Event {
        Event {
            level: Level::Info,
            target: "tokenward::jwks",
            message: "JWKS fetched".into(),
            fields,
            file: None,
            line: None,
        }
    }

    #[test]
    fn text_is_the_message_then_name_value_pairs() {
        let e = event(vec![("url", Value::Str("https://keys.example/jwks".into())), ("keys", Value::U64(2))]);
        assert_eq!(e.text(), "JWKS fetched url=https://keys.example/jwks keys=2");
    }

    #[test]
    fn text_quotes_values_with_spaces_quotes_or_equals() {
        let e =
            event(vec![("reason", Value::Str("key \"a\": unsupported".into())), ("empty", Value::Str(String::new()))]);
        assert_eq!(e.text(), r#"JWKS fetched reason="key \"a\": unsupported" empty="""#);
    }

    #[test]
    fn component_is_the_target_below_tokenward() {
        assert_eq!(event(vec![]).component(), "jwks");
        assert!(is_ours("tokenward") && is_ours("tokenward::keys"));
        assert!(!is_ours("tokenwarden") && !is_ours("hyper::client"));
    }
}
