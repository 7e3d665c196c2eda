//! `tokenward decode`: a token's header and claims, loudly unverified.

use serde_json::{json, Value};

use crate::{pretty, print_json, times, token_arg, Args, Failure, Out};

pub const USAGE: &str = "\
Usage: tokenward decode [TOKEN] [--json]

Shows the header and the claims of TOKEN (or of the token on stdin), with
exp, nbf, iat and auth_time in UTC and relative to now. NOTHING is verified:
not the signature, not the issuer, not the expiry. Use `tokenward verify`
before trusting anything in it. Parsing is as strict as in verification.";

const BANNER: &str = "NOT VERIFIED: decoded only; the signature and the claims were NOT checked";

pub fn run(args: Args, out: &mut Out<'_>) -> Result<(), Failure> {
    args.finish(1)?;
    let token = token_arg(args.positional.first())?;
    let decoded = match tokenward::decode_unverified(&token) {
        Ok(decoded) => decoded,
        Err(e) => {
            if args.json {
                print_json(out, &json!({"verified": false, "code": e.code(), "message": e.message()}))?;
            } else {
                writeln!(out.w, "{} {}: {}", out.style.red("cannot decode:"), e.code(), e.message())?;
            }
            return Err(Failure::Refused);
        }
    };
    let times = times::table(&decoded.claims);
    if args.json {
        let doc = json!({
            "verified": false,
            "warning": BANNER,
            "header": decoded.header,
            "claims": decoded.claims,
            "times": times,
        });
        return print_json(out, &doc);
    }
    let s = out.style;
    let banner = format!("!! {BANNER} !!");
    writeln!(out.w, "{}", s.red(&"!".repeat(banner.len())))?;
    writeln!(out.w, "{}", s.red(&banner))?;
    writeln!(out.w, "{}", s.red(&"!".repeat(banner.len())))?;
    writeln!(out.w, "{}\n{}", s.bold("header"), pretty(&Value::Object(decoded.header), 0))?;
    writeln!(out.w, "{}\n{}", s.bold("claims"), pretty(&Value::Object(decoded.claims.clone()), 0))?;
    if !times.is_empty() {
        write!(out.w, "{}\n{}", s.bold("times"), times::lines(&decoded.claims))?;
    }
    Ok(())
}
