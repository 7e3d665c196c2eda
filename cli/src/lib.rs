//! The `tokenward` command: decode and verify tokens, inspect key sets, and
//! run a local issuer, on the same core (and the same option table) as the
//! Rust, Python and Node APIs.
//!
//! [`run`] is the whole command, so the Python and Node packages can expose
//! it without a separate binary. Exit codes: 0 done (token valid, key set
//! usable), 1 refused or failed, 2 usage error.

use std::io::{IsTerminal, Read, Write};

mod decode;
mod issuer;
mod jwks;
mod times;
mod verify;

const USAGE: &str = "\
tokenward: decode and verify JSON Web Tokens, inspect key sets, run a test issuer

Usage: tokenward <command> [options]

Commands:
  decode [TOKEN]   show a token's header and claims WITHOUT verifying anything
  verify [TOKEN]   verify a token against keys and rules; exit 0 valid, 1 refused
  jwks SOURCE      fetch a JWKS (URL, file or -) and say which keys tokenward would use
  issuer           run a local issuer that mints tokens, for development

TOKEN is read from stdin when absent or `-`. Every command takes --json for
machine output and --help for its options. Colour only on a terminal, and
never when NO_COLOR is set.";

/// Runs the command line `args` (without the program name), writing results
/// to `out` and errors to `err`; colour is used only when `is_terminal` and
/// `NO_COLOR` is unset. Returns the exit code: 0 success, 1 refused or
/// failed, 2 usage error.
pub fn run(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write, is_terminal: bool) -> i32 {
    let colour = is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let style = Style { colour };
    let Some((command, rest)) = args.split_first() else {
        let _ = writeln!(err, "{USAGE}");
        return 2;
    };
    let outcome = match command.as_str() {
        "-h" | "--help" | "help" => Err(Failure::Help),
        "-V" | "--version" => writeln!(out, "tokenward {}", env!("CARGO_PKG_VERSION")).map_err(Failure::from),
        "decode" => Args::parse(rest).and_then(|a| decode::run(a, &mut Out { w: out, style })),
        "verify" => Args::parse(rest).and_then(|a| verify::run(a, &mut Out { w: out, style })),
        "jwks" => Args::parse(rest).and_then(|a| jwks::run(a, &mut Out { w: out, style })),
        "issuer" => Args::parse(rest).and_then(|a| issuer::run(a, &mut Out { w: out, style })),
        other => {
            Err(Failure::Usage(format!("unknown command {other:?}; the commands are decode, verify, jwks, issuer")))
        }
    };
    let known = ["decode", "verify", "jwks", "issuer"].contains(&command.as_str());
    match outcome {
        Ok(()) => 0,
        Err(Failure::Help) => {
            let usage = match command.as_str() {
                "decode" => decode::USAGE.to_owned(),
                "verify" => verify::usage(),
                "jwks" => jwks::USAGE.to_owned(),
                "issuer" => issuer::USAGE.to_owned(),
                _ => USAGE.to_owned(),
            };
            i32::from(writeln!(out, "{usage}").is_err())
        }
        Err(Failure::Usage(message)) => {
            let help = if known { format!("tokenward {command} --help") } else { "tokenward --help".to_owned() };
            let _ = writeln!(err, "error: {message}\n(see `{help}`)");
            2
        }
        Err(Failure::Refused) => 1,
        Err(Failure::Failed(message)) => {
            let _ = writeln!(err, "error: {message}");
            1
        }
    }
}

/// Why a command stopped short of success.
#[derive(Debug)]
pub(crate) enum Failure {
    /// `--help` was asked for: print the command's usage, exit 0.
    Help,
    /// Bad arguments: the message and the usage to stderr, exit 2.
    Usage(String),
    /// The command ran and its answer, already printed, is no: exit 1.
    Refused,
    /// The command could not run: the message to stderr, exit 1.
    Failed(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Failed(format!("cannot write the output: {e}"))
    }
}

/// Where a command writes its answer, and how.
pub(crate) struct Out<'a> {
    pub w: &'a mut dyn Write,
    pub style: Style,
}

/// ANSI colour, or plain text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    colour: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    pub fn red(self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn green(self, text: &str) -> String {
        self.paint("1;32", text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.paint("1;33", text)
    }
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// A command line split into positional arguments and `--name value` flags.
/// `--json` and `--help` are the only flags without a value.
#[derive(Debug, Default)]
pub(crate) struct Args {
    pub positional: Vec<String>,
    pub flags: Vec<(String, String)>,
    pub json: bool,
}

impl Args {
    fn parse(raw: &[String]) -> Result<Args, Failure> {
        let mut args = Args::default();
        let mut raw = raw.iter();
        while let Some(arg) = raw.next() {
            match arg.as_str() {
                "--json" => args.json = true,
                "-h" | "--help" => return Err(Failure::Help),
                "--" => args.positional.extend(raw.by_ref().cloned()),
                flag if flag.starts_with("--") => {
                    let (name, value) = match flag[2..].split_once('=') {
                        Some((name, value)) => (name.to_owned(), value.to_owned()),
                        None => {
                            let value = raw.next().ok_or_else(|| Failure::Usage(format!("{flag} needs a value")))?;
                            (flag[2..].to_owned(), value.clone())
                        }
                    };
                    args.flags.push((name, value));
                }
                flag if flag.starts_with('-') && flag != "-" => {
                    return Err(Failure::Usage(format!("unknown flag {flag}")))
                }
                _ => args.positional.push(arg.clone()),
            }
        }
        Ok(args)
    }

    /// Every value given for `--name`, in order, removed from the flags.
    pub fn take(&mut self, name: &str) -> Vec<String> {
        let (taken, kept) = std::mem::take(&mut self.flags).into_iter().partition(|(n, _)| n == name);
        self.flags = kept;
        taken.into_iter().map(|(_, v)| v).collect()
    }

    /// The value of `--name` (the last one if repeated).
    pub fn one(&mut self, name: &str) -> Option<String> {
        self.take(name).pop()
    }

    /// Refuses flags nobody took and more than `max` positional arguments.
    pub fn finish(&self, max: usize) -> Result<(), Failure> {
        if let Some((name, _)) = self.flags.first() {
            return Err(Failure::Usage(format!("unknown flag --{name}")));
        }
        match self.positional.get(max) {
            Some(extra) => Err(Failure::Usage(format!("unexpected argument {extra:?}"))),
            None => Ok(()),
        }
    }
}

/// The token given, or read from stdin (`-` or absent), without surrounding
/// whitespace or a `Bearer ` prefix.
pub(crate) fn token_arg(given: Option<&String>) -> Result<String, Failure> {
    let token = match given.map(String::as_str) {
        Some(token) if token != "-" => token.to_owned(),
        _ => {
            if given.is_none() && std::io::stdin().is_terminal() {
                return Err(Failure::Usage("give a TOKEN, or pipe one on stdin".into()));
            }
            read_stdin()?
        }
    };
    let token = token.trim();
    Ok(token.strip_prefix("Bearer ").unwrap_or(token).trim().to_owned())
}

pub(crate) fn read_stdin() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| Failure::Failed(format!("cannot read stdin: {e}")))?;
    Ok(text)
}

pub(crate) fn read_file(path: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::Failed(format!("cannot read {path}: {e}")))
}

/// Pretty JSON, indented by `indent` spaces after the first line.
pub(crate) fn pretty(value: &serde_json::Value, indent: usize) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.replace('\n', &format!("\n{}", " ".repeat(indent)))
}

/// One JSON document on one line, for `--json`.
pub(crate) fn print_json(out: &mut Out<'_>, value: &serde_json::Value) -> Result<(), Failure> {
    writeln!(out.w, "{value}")?;
    Ok(())
}
