//! `tokenward verify`: one token through a verifier built from the same
//! option table (and provider presets) as the Rust, Python and Node APIs.

use serde_json::{json, Map, Value};
use tokenward::providers::{self, PROVIDERS};
use tokenward::{option_spec, unknown_option, OptionKind, Options, Spelling, OPTIONS};

use crate::{pretty, print_json, read_file, times, token_arg, Args, Failure, Out};

pub fn usage() -> String {
    let mut text = String::from(
        "\
Usage: tokenward verify [TOKEN] KEYS [RULES] [--json]

Verifies TOKEN (or the token on stdin): exit 0 and the claims when it is
valid, exit 1 with the error code, the failing claim and the message when not.

KEYS, one of:
  --jwks-url URL            the provider's JWKS (https, or http to loopback)
  --discover ISSUER_URL     OpenID Connect discovery (also fixes the issuer)
  --x509-url URL            an X.509 certificate map (kid to PEM)
  --key PEM_FILE            a PEM public key
  --jwks JWKS_FILE          a JWKS document
  --secret SECRET_FILE      an HMAC secret (with --alg HS256 ...)
  --provider NAME --arg name=value ...
                            a provider preset; a key option above replaces its keys

RULES:
  --iss ISSUER              accepted iss (repeatable); same as --issuer
  --aud AUDIENCE            accepted aud (repeatable); same as --audience
  --alg ALG                 accepted alg (repeatable); same as --algorithms
  --leeway SECONDS          and every option below as --name-with-dashes VALUE
  --option name=value       any option below by its name

Options (times in seconds):
",
    );
    for spec in OPTIONS {
        let flag = spec.name.replace('_', "-");
        let default = if spec.default.is_empty() { String::new() } else { format!(" Default: {}.", spec.default) };
        text.push_str(&format!("  --{flag:<24}{}{default}\n", spec.doc));
    }
    text.push_str("\nProviders (--provider NAME, then --arg name=value for each argument):\n");
    for provider in PROVIDERS {
        let args: Vec<String> = provider
            .args
            .iter()
            .map(|a| if a.default == "required" { a.name.to_owned() } else { format!("[{}]", a.name) })
            .collect();
        text.push_str(&format!("  {:<10} {}\n", provider.name, args.join(" ")));
    }
    text
}

pub fn run(mut args: Args, out: &mut Out<'_>) -> Result<(), Failure> {
    let provider = args.one("provider");
    let mut given = Map::new();
    for pair in args.take("arg") {
        let (name, value) = split_pair(&pair, "--arg")?;
        let spec =
            provider.as_deref().and_then(providers::provider).and_then(|p| p.args.iter().find(|a| a.name == name));
        add(&mut given, name, spec.map_or(OptionKind::String, |s| s.kind), value.to_owned())?;
    }
    for pair in args.take("option") {
        let (name, value) = split_pair(&pair, "--option")?;
        let kind = option_spec(name, Spelling::Snake).map_or(OptionKind::String, |s| s.kind);
        add(&mut given, name, kind, value.to_owned())?;
    }
    for (flag, value) in std::mem::take(&mut args.flags) {
        let name = match flag.as_str() {
            "iss" => "issuer".to_owned(),
            "aud" => "audience".to_owned(),
            "alg" => "algorithms".to_owned(),
            other => other.replace('-', "_"),
        };
        let spec = option_spec(&name, Spelling::Snake)
            .ok_or_else(|| Failure::Usage(unknown_option(&name, Spelling::Snake).message().replace('_', "-")))?;
        let value = match spec.name {
            "key" | "jwks" => read_file(&value)?,
            "secret" => read_file(&value)?.trim_end_matches(['\r', '\n']).to_owned(),
            _ => value,
        };
        add(&mut given, spec.name, spec.kind, value)?;
    }
    args.finish(1)?;
    let token = token_arg(args.positional.first())?;
    let built = match &provider {
        Some(name) => providers::build(name, Value::Object(given), Spelling::Snake),
        None => Options::from_json(Value::Object(given)).and_then(Options::build),
    };
    let verifier = built.map_err(|e| Failure::Usage(format!("{}: {}", e.code(), e.message())))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
    let s = out.style;
    match runtime.block_on(verifier.verify(&token)) {
        Ok(claims) if args.json => print_json(
            out,
            &json!({"valid": true, "header": claims.header(), "claims": claims.as_object(), "times": times::table(&claims)}),
        ),
        Ok(claims) => {
            let alg = claims.algorithm().map_or("?", |a| a.as_str());
            let kid = claims
                .header()
                .get("kid")
                .and_then(Value::as_str)
                .map(|k| format!(", key \"{k}\""))
                .unwrap_or_default();
            writeln!(out.w, "{} {}", s.green("✔ VALID"), s.dim(&format!("({alg} signature{kid})")))?;
            writeln!(out.w, "{}\n{}", s.bold("claims"), pretty(&Value::Object(claims.as_object().clone()), 0))?;
            write!(out.w, "{}\n{}", s.bold("times"), times::lines(&claims))?;
            Ok(())
        }
        Err(e) => {
            if args.json {
                let doc = json!({"valid": false, "code": e.code(), "claim": e.failed_claim(), "message": e.message()});
                print_json(out, &doc)?;
            } else {
                writeln!(out.w, "{} {}", s.red("✘ REFUSED"), s.bold(e.code()))?;
                if let Some(claim) = e.failed_claim() {
                    writeln!(out.w, "  claim    {claim}")?;
                }
                writeln!(out.w, "  message  {}", e.message())?;
            }
            Err(Failure::Refused)
        }
    }
}

fn split_pair<'a>(pair: &'a str, flag: &str) -> Result<(&'a str, &'a str), Failure> {
    pair.split_once('=').ok_or_else(|| Failure::Usage(format!("{flag} takes name=value; got {pair:?}")))
}

/// Adds one value as the option's kind reads it: lists grow, the rest are replaced.
fn add(given: &mut Map<String, Value>, name: &str, kind: OptionKind, text: String) -> Result<(), Failure> {
    let value = match kind {
        OptionKind::Strings => {
            if let Value::Array(items) = given.entry(name).or_insert_with(|| json!([])) {
                items.push(Value::String(text));
            }
            return Ok(());
        }
        OptionKind::Number => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::from)
            .ok_or_else(|| Failure::Usage(format!("{name} takes a number; got {text:?}")))?,
        OptionKind::Flag => match text.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(Failure::Usage(format!("{name} takes true or false; got {text:?}"))),
        },
        OptionKind::Bytes => Value::from(text.into_bytes()),
        OptionKind::String | OptionKind::Json => Value::String(text),
    };
    given.insert(name.to_owned(), value);
    Ok(())
}
