//! `example-wc WORD [FILE]`: counts occurrences of WORD in FILE (or stdin).

use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(needle) = args.first() else {
        eprintln!("usage: example-wc WORD [FILE]");
        return ExitCode::from(2);
    };
    let mut text = String::new();
    let read = match args.get(1) {
        Some(path) => std::fs::read_to_string(path).map(|t| text = t),
        None => std::io::stdin().read_to_string(&mut text).map(|_| ()),
    };
    if let Err(err) = read {
        eprintln!("example-wc: {err}");
        return ExitCode::FAILURE;
    }
    println!("{}", _native::wordcount::count_parallel(&text, needle));
    ExitCode::SUCCESS
}
