//! Core errors cross to JS as plain objects (`ErrorDetail`), returned rather
//! than thrown; the JS layer builds a `TokenwardError` from them, with
//! `code` = `ERR_TOKEN_EXPIRED` and so on.

use napi_derive::napi;
use tokenward::ErrorCode;

/// One refusal, as the JS layer reads it.
#[napi(object)]
pub struct ErrorDetail {
    /// `ERR_` + the core code upper-cased.
    pub code: String,
    /// The claim (or header parameter) the refusal is about.
    pub claim: Option<String>,
    /// What was expected and what was found.
    pub message: String,
    /// True when the token itself was refused; false for key, configuration or internal problems.
    pub token_problem: bool,
}

impl From<&tokenward::Error> for ErrorDetail {
    fn from(error: &tokenward::Error) -> Self {
        ErrorDetail {
            code: code_name(error.kind()),
            claim: error.failed_claim().map(str::to_owned),
            message: error.message().to_owned(),
            token_problem: error.kind().is_token_problem(),
        }
    }
}

fn code_name(code: ErrorCode) -> String {
    format!("ERR_{}", code.as_str().to_ascii_uppercase())
}

/// Every stable code as Node spells it (`ERR_MALFORMED`, ...), in the core's order.
#[napi]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL.into_iter().map(code_name).collect()
}
