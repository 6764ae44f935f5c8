//! `{{ cookiecutter.command_name }} [FILE...]`: counts lines, words and bytes, like `wc`.

use std::io::{self, Read};
use std::process::ExitCode;

fn counts(text: &[u8]) -> (usize, usize, usize) {
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    let words = text.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).count();
    (lines, words, text.len())
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.iter().any(|p| p == "--help" || p == "-h") {
        println!("usage: {{ cookiecutter.command_name }} [FILE...]  (reads stdin without FILE)");
        return ExitCode::SUCCESS;
    }
    let mut inputs = Vec::new();
    if paths.is_empty() {
        let mut data = Vec::new();
        if let Err(err) = io::stdin().read_to_end(&mut data) {
            eprintln!("{{ cookiecutter.command_name }}: stdin: {err}");
            return ExitCode::FAILURE;
        }
        inputs.push((String::new(), data));
    }
    for path in &paths {
        match std::fs::read(path) {
            Ok(data) => inputs.push((path.clone(), data)),
            Err(err) => {
                eprintln!("{{ cookiecutter.command_name }}: {path}: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    for (name, data) in inputs {
        let (lines, words, bytes) = counts(&data);
        let line = format!("{lines} {words} {bytes} {name}");
        println!("{}", line.trim_end());
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_lines_words_bytes() {
        assert_eq!(super::counts(b"a b\nc\n"), (2, 3, 6));
    }
}
