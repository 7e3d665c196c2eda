//! The browser frontend shared by every example (`examples/web`): the page at
//! `/`, its script at `/login.js`, and at `/config.json` what it needs to send
//! the browser to the provider.

use axum::http::header::CONTENT_TYPE;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::Config;

/// Where the page's files are, read when the routes are made.
const WEB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../web");

/// The page's routes for the provider in `config`; `style` is the payload the
/// page posts to `/login`: `"cotter"` or `"secuuth"`.
pub fn router(config: &Config, style: &str) -> std::io::Result<Router> {
    let page = std::fs::read_to_string(format!("{WEB}/login.html"))?;
    let script = std::fs::read_to_string(format!("{WEB}/login.js"))?;
    let settings = json!({
        "issuer": config.issuer, "audience": config.audience, "client_id": config.client_id, "style": style,
    });
    Ok(Router::new()
        .route("/", get(|| async move { Html(page) }))
        .route("/login.js", get(|| async move { ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], script) }))
        .route("/config.json", get(|| async move { Json(settings) })))
}
