//! tokenward's events to JavaScript (logging.js publishes them on
//! `node:diagnostics_channel` and hands them to a logger set with `setLogger`).
//!
//! An event fires on the key-fetch runtime's threads or the JS thread, often
//! while the key cache holds a lock, so the sink only queues it on a
//! threadsafe function (non-blocking: a full queue drops the event). The
//! function is weak, so it never keeps the process alive.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::{json, Map, Value as Json};
use tokenward::events::{self, Event, Value};

/// Events waiting for the JS thread; beyond this, new ones are dropped.
const QUEUE: usize = 1024;

type Deliver = ThreadsafeFunction<String, Unknown<'static>, String, Status, false, true, QUEUE>;

/// Sends every tokenward event of this process, as JSON text
/// (`{ level, target, component, message, fields, text }`), to `deliver`
/// on this thread. Each thread that loads the addon (main, workers) has its
/// own; it is removed when that thread's environment ends.
#[napi]
pub fn install_log_sink(env: Env, deliver: Function<'_, String, Unknown<'static>>) -> Result<()> {
    let deliver: Deliver = deliver
        .build_threadsafe_function()
        .callee_handled::<false>()
        .weak::<true>()
        .max_queue_size::<QUEUE>()
        .build()?;
    let sink = Arc::new(move |event: &Event| {
        let _ = deliver.call(as_json(event), ThreadsafeFunctionCallMode::NonBlocking);
    });
    let id = events::install(sink).map_err(|e| Error::from_reason(e.to_string()))?;
    env.add_env_cleanup_hook(id, events::remove)?;
    Ok(())
}

fn as_json(event: &Event) -> String {
    let fields: Map<String, Json> = event
        .fields
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Value::Str(s) => Json::from(s.as_str()),
                Value::I64(n) => Json::from(*n),
                Value::U64(n) => Json::from(*n),
                Value::F64(n) => Json::from(*n),
                Value::Bool(b) => Json::from(*b),
            };
            ((*name).to_owned(), value)
        })
        .collect();
    json!({
        "level": event.level.as_str(),
        "target": event.target,
        "component": event.component(),
        "message": event.message,
        "fields": fields,
        "text": event.text(),
    })
    .to_string()
}
