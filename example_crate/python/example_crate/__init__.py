"""example_crate: a Rust extension module built by buildrs, touring the PyO3 guide.

Functions
    sum_as_string(a, b)              the classic first function
    count_words_sequential(text, w)  word count, GIL held
    count_words_detached(text, w)    word count, GIL released
    count_words_parallel(text, w)    word count over all cores, GIL released
    describe(obj)                    cast a Python object to list/dict/tuple
    totals_by_prefix(mapping)        extract a dict into a Rust HashMap
    sorted_unique(values)            extract a sequence into a Rust Vec
    python_version()                 import sys from Rust
    evaluate(expression, x)          eval() with locals from Rust
    apply(function, value)           call a Python callable from Rust
    call_guarded(function)           catch and inspect a Python exception in Rust
    parse_number(text)               a Rust error type raised as ParseError

Classes
    Keeper          holds Python objects across calls (Py<T>, clone_ref)
    Names           runtime borrow checking: names.merge(names) raises
    SharedCounter   thread-safe: Arc<Mutex<..>> and a boxed Fn + Send callback
    ByteSequence    len(), indexing, + and ==

Exceptions
    ParseError      a ValueError subclass defined by the module

`python -m example_crate` prints a short demonstration, and the package ships
the `example-wc WORD [FILE]` command, a Rust binary.
"""

from ._native import *  # noqa: F403 - the package's API is the native module's
from ._native import __all__ as __all__
