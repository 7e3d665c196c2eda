use std::io::IsTerminal;

fn main() {
    let args = std::env::args().skip(1).collect();
    let is_terminal = std::io::stdout().is_terminal();
    let code = tokenward_cli::run(args, &mut std::io::stdout(), &mut std::io::stderr(), is_terminal);
    std::process::exit(code);
}
