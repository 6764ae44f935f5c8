import zlib

import {{ cookiecutter.module_name }} as pkg


def test_add() -> None:
    assert pkg.add(40, 2) == 42
    assert pkg.add(2**63 - 1, 1) == -(2**63)


def test_adler32_matches_zlib() -> None:
    for data in (b"", b"a", b"Wikipedia", bytes(range(256)) * 100):
        assert pkg.adler32(data) == zlib.adler32(data)
