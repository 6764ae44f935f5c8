//! Counting occurrences of a word, sequentially or on several threads.

use std::num::NonZeroUsize;
use std::thread;

/// Counts the whitespace-separated words of `line` equal to `needle`.
pub fn count_line(line: &str, needle: &str) -> usize {
    line.split_whitespace().filter(|word| *word == needle).count()
}

/// Counts occurrences of `needle` as a word in `text`, on one thread.
pub fn count_sequential(text: &str, needle: &str) -> usize {
    text.lines().map(|line| count_line(line, needle)).sum()
}

/// Counts occurrences of `needle` as a word in `text`, splitting the lines
/// between as many threads as the machine has cores.
pub fn count_parallel(text: &str, needle: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let workers = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    if workers < 2 || lines.len() < 2 * workers {
        return count_sequential(text, needle);
    }
    let chunk = lines.len().div_ceil(workers);
    thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|l| count_line(l, needle)).sum::<usize>()))
            .collect();
        handles.into_iter().map(|h| h.join().expect("word count thread panicked")).sum()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_equals_sequential() {
        let text = "a b a\nc a\n\nb b a\n".repeat(100);
        assert_eq!(count_sequential(&text, "a"), 400);
        assert_eq!(count_parallel(&text, "a"), 400);
        assert_eq!(count_parallel(&text, "b"), 300);
    }
}
