//! `tokenward jwks`: a key set entry by entry, as a verifier would take it.

use serde_json::{json, Value};
use tokenward::inspect::{self, FetchedJwks, KeyReport, Verdict};
use tokenward::{CacheConfig, ErrorCode};

use crate::{print_json, read_file, read_stdin, Args, Failure, Out};

pub const USAGE: &str = "\
Usage: tokenward jwks SOURCE [--json]

Reads a JWKS from SOURCE (an https URL, an http URL to a loopback address,
a file, or - for stdin) and shows each key: kid, kty, curve or RSA size,
alg, use, and whether tokenward would use it (for which algorithms) or skip
it (and why). For a URL it also shows Cache-Control, ETag and Age, and how
long a verifier with default options would hold the keys. URLs are fetched
under a verifier's rules: no redirects, a 5 s timeout, at most 512 KiB.
Exit 0 when at least one key is usable, 1 otherwise.";

pub fn run(args: Args, out: &mut Out<'_>) -> Result<(), Failure> {
    args.finish(1)?;
    let source = args.positional.first().ok_or_else(|| Failure::Usage("give a JWKS URL, a file, or -".into()))?;
    let (body, fetched) = if source.starts_with("https://") || source.starts_with("http://") {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::Failed(format!("cannot start the async runtime: {e}")))?;
        match runtime.block_on(inspect::fetch_jwks(source, &CacheConfig::default())) {
            Ok(fetched) => (fetched.body.clone(), Some(fetched)),
            Err(e) if e.kind() == ErrorCode::Configuration => return Err(Failure::Usage(e.message().to_owned())),
            Err(e) => return refuse(out, args.json, e.code(), e.message()),
        }
    } else if source == "-" {
        (read_stdin()?.into_bytes(), None)
    } else {
        (read_file(source)?.into_bytes(), None)
    };
    let reports = match inspect::jwks(&body) {
        Ok(reports) => reports,
        Err(e) => return refuse(out, args.json, e.code(), e.message()),
    };
    let usable = reports.iter().filter(|r| matches!(r.verdict, Verdict::Usable(_))).count();
    let shown = match &fetched {
        Some(f) => f.url.as_str(),
        None if source == "-" => "(stdin)",
        None => source.as_str(),
    };
    if args.json {
        let doc = json!({
            "source": shown,
            "headers": fetched.as_ref().map(|f| json!({"cache_control": f.cache_control, "etag": f.etag, "age": f.age})),
            "fresh_for": fetched.as_ref().map(|f| f.fresh_for.as_secs()),
            "usable": usable,
            "keys": reports.iter().map(key_json).collect::<Vec<_>>(),
        });
        print_json(out, &doc)?;
    } else {
        print_human(out, shown, fetched.as_ref(), &reports, usable)?;
    }
    if usable == 0 {
        return Err(Failure::Refused);
    }
    Ok(())
}

fn refuse(out: &mut Out<'_>, json: bool, code: &str, message: &str) -> Result<(), Failure> {
    if json {
        print_json(out, &json!({"code": code, "message": message}))?;
    } else {
        writeln!(out.w, "{} {code}: {message}", out.style.red("✘"))?;
    }
    Err(Failure::Refused)
}

fn key_json(report: &KeyReport) -> Value {
    let mut key = json!({
        "kid": report.kid, "kty": report.kty, "crv": report.crv, "rsa_bits": report.rsa_bits,
        "alg": report.alg, "use": report.key_use,
    });
    match &report.verdict {
        Verdict::Usable(algs) => {
            key["usable"] = json!(true);
            key["algorithms"] = json!(algs.iter().map(|a| a.as_str()).collect::<Vec<_>>());
        }
        Verdict::Skipped(reason) => {
            key["usable"] = json!(false);
            key["reason"] = json!(reason);
        }
    }
    key
}

fn print_human(
    out: &mut Out<'_>,
    source: &str,
    fetched: Option<&FetchedJwks>,
    reports: &[KeyReport],
    usable: usize,
) -> Result<(), Failure> {
    let s = out.style;
    writeln!(out.w, "{}", s.bold(source))?;
    if let Some(f) = fetched {
        let none = || "(none)".to_owned();
        writeln!(out.w, "  Cache-Control  {}", f.cache_control.clone().unwrap_or_else(none))?;
        writeln!(out.w, "  ETag           {}", f.etag.clone().unwrap_or_else(none))?;
        writeln!(out.w, "  Age            {}", f.age.clone().unwrap_or_else(none))?;
        let secs = f.fresh_for.as_secs();
        writeln!(out.w, "  fresh for      {secs} s: a verifier (default options) refetches after that")?;
    }
    let skipped = reports.len() - usable;
    let entries = if reports.len() == 1 { "entry" } else { "entries" };
    writeln!(out.w, "{} {entries}: {usable} usable, {skipped} skipped", reports.len())?;
    for report in reports {
        let kid = report.kid.clone().unwrap_or_else(|| "(no kid)".into());
        let kty = report.kty.as_deref().unwrap_or("?");
        let size = match (&report.crv, report.rsa_bits) {
            (Some(crv), _) => format!("{kty} {crv}"),
            (None, Some(bits)) => format!("{kty} {bits} bits"),
            (None, None) => kty.to_owned(),
        };
        let alg = report.alg.as_ref().map(|a| format!("alg {a}")).unwrap_or_default();
        let key_use = report.key_use.as_ref().map(|u| format!("use {u}")).unwrap_or_default();
        let verdict = match &report.verdict {
            Verdict::Usable(algs) => {
                let names: Vec<&str> = algs.iter().map(|a| a.as_str()).collect();
                format!("{} for {}", s.green("✔ usable"), names.join(", "))
            }
            Verdict::Skipped(reason) => format!("{} {reason}", s.red("✘ skipped:")),
        };
        writeln!(out.w, "  {kid:<16} {size:<16} {alg:<11} {key_use:<8} {verdict}")?;
    }
    if usable == 0 {
        writeln!(out.w, "{}", s.red("no usable key: a verifier would refuse this set (jwks_invalid)"))?;
    }
    Ok(())
}
