//! Core errors cross to JS as a plain Error whose message is JSON
//! (`{"code","claim","message"}`); index.js turns it into a `TokenwardError`
//! with `code` = `ERR_TOKEN_EXPIRED` and so on. JSON, because a message may
//! quote token content, which can hold any character.

use serde_json::{json, Value};

pub fn to_value(error: &tokenward::Error) -> Value {
    json!({
        "code": format!("ERR_{}", error.code().to_ascii_uppercase()),
        "claim": error.failed_claim(),
        "message": error.message(),
        "tokenProblem": error.kind().is_token_problem(),
    })
}

pub fn to_js(error: &tokenward::Error) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, to_value(error).to_string())
}
