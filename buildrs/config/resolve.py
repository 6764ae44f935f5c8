"""Resolve the build-wide settings from their sources (see ``settings``).

``resolve()`` walks the declarations of ``BuildSettings``; for each setting it
reads, in this order, later ones winning: the default, ``[tool.buildrs]``, the
command options (setup.cfg and command line) and values a tool passes directly
(``develop``'s), ``--config-settings`` and the environment, except that cargo's
own variables (``CARGO_BUILD_TARGET``) rank below the command line. Each value is
converted by its kind and checked by its declaration where it is read, so a
mistake names its source. An empty value counts as unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from buildrs.errors import ConfigError

from .settings import (
    BuildSettings,
    Declaration,
    Option,
    config_settings,
    declarations,
    develop_option,
)
from .values import did_you_mean, split_args, split_list, truth

__all__ = ["read_project_table", "resolve", "split_config_settings"]


# --- reading one value -----------------------------------------------------------------


def _from_text(decl: Declaration, value: object, where: str) -> object:
    """A value given as text (environment, ``-C``, setup.cfg, command line), converted."""
    if decl.kind == "flag":
        result: object = truth(value, where)
    elif isinstance(value, list):
        if decl.kind == "text":
            raise ConfigError(f"{where}: expected one value, got {value!r}")
        joined = " ".join(str(v) for v in value) if decl.kind == "args" else ",".join(value)
        result = _from_text(decl, joined, where)
        return result
    elif decl.kind == "list":
        result = split_list(str(value), where)
    elif decl.kind == "args":
        result = split_args(str(value), where)
    else:
        result = str(value).strip()
    return decl.check(result, where) if decl.check else result


def _from_toml(decl: Declaration, value: object, where: str) -> object:
    """A value from ``[tool.buildrs]``, whose TOML type must be right."""
    if decl.kind == "flag":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if decl.kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: expected {decl.what or 'a string'}, got {value!r}")
        return decl.check(value.strip(), where) if decl.check else value.strip()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}: expected a list of strings like ["a"], got {value!r}')
    return decl.check(tuple(value), where) if decl.check else tuple(value)


def read_project_table(table: Mapping[str, object], where: str) -> dict[str, object]:
    """The settings among the top-level keys of ``[tool.buildrs]`` (already checked to
    be known), checked and converted: pyproject key -> value."""
    by_key = {d.key: d for _, d in declarations() if d.key}
    return {
        key: _from_toml(by_key[key], value, f"{where}.{key}")
        for key, value in table.items()
        if key in by_key
    }


def _is_set(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


CommandOptions = Mapping[str, Mapping[str, tuple[str, object]]]
"""setuptools' ``dist.command_options``: command -> option -> (source, value)."""


def _from_options(decl: Declaration, commands: CommandOptions) -> tuple[object, str] | None:
    """The value the command options give (the first option set wins), with where."""
    chosen: tuple[object, str] | None = None
    flags_on: dict[str, Option] = {}
    for option in decl.options:
        found = commands.get(option.command, {}).get(option.name)
        if found is None or not _is_set(found[1]):
            continue
        where = f"{option.shown} ({found[0]})"
        if option.value is not None:
            if not truth(found[1], where):
                continue
            other = flags_on.setdefault(option.command, option)
            if other.value != option.value:
                first, second = sorted((other.name, option.name))
                raise ConfigError(
                    f"{option.command}: --{first} and --{second} cannot be used together"
                )
            candidate: tuple[object, str] = (option.value, where)
        else:
            candidate = (found[1], where)
        chosen = chosen or candidate
    if chosen is None:
        return None
    return _from_text(decl, chosen[0], chosen[1]), chosen[1]


def _from_env(decl: Declaration, environ: Mapping[str, str]) -> tuple[object, str] | None:
    found = None
    for name in decl.env:
        if _is_set(environ.get(name)):
            found = (_from_text(decl, environ[name], name), name)
    return found


def _resolve_one(
    name: str,
    decl: Declaration,
    project: Mapping[str, object],
    commands: CommandOptions,
    config: Mapping[str, object],
    environ: Mapping[str, str],
    explicit: Mapping[str, object],
) -> tuple[object, bool] | None:
    """The winning value of one setting and whether it was given above pyproject.toml."""
    ranked: list[tuple[object, str] | None] = []
    if decl.key is not None and decl.key in project:
        ranked.append((project[decl.key], "pyproject"))
    env = _from_env(decl, environ)
    if decl.cargo_rule:
        ranked.append(env)
    ranked.append(_from_options(decl, commands))
    if name in explicit and _is_set(explicit[name]):
        where = f"develop {develop_option(name)}"
        ranked.append((_from_text(decl, explicit[name], where), where))
    key = f"buildrs.{decl.config}"
    if decl.config and key in config and _is_set(config[key]):
        ranked.append((_from_text(decl, config[key], f"-C {key}"), "config"))
    if not decl.cargo_rule:
        ranked.append(env)
    present = [item for item in ranked if item is not None]
    if not present:
        return None
    value, where = present[-1]
    return value, where != "pyproject"


def resolve(
    *,
    project: Mapping[str, object] | None = None,
    commands: CommandOptions | None = None,
    config_settings: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    explicit: Mapping[str, object] | None = None,
) -> BuildSettings:
    """Resolve every build-wide setting from its sources: ``project`` (the checked
    settings of ``[tool.buildrs]``, by key; see ``read_project_table``), ``commands``
    (setup.cfg and command-line options), ``explicit`` (values a tool passes
    directly, by field name, ranked as command options), ``config_settings``
    (``-C buildrs.*`` of a PEP 517 hook) and ``environ``."""
    config = config_settings or {}
    values: dict[str, object] = {}
    given: dict[str, object] = {}
    for name, decl in declarations():
        found = _resolve_one(
            name, decl, project or {}, commands or {}, config, environ or {}, explicit or {}
        )
        if found is not None:
            values[name] = found[0]
            if found[1]:
                given[name] = found[0]
    settings = BuildSettings(**values, given=given)  # type: ignore[arg-type]
    target_dir = (environ or {}).get("CARGO_TARGET_DIR")
    if settings.sccache and target_dir:
        # sccache keys on every CARGO_* variable: pass the directory as an argument.
        return replace(
            settings, target_dir=settings.target_dir or target_dir, unset_env=("CARGO_TARGET_DIR",)
        )
    return settings


# --- --config-settings -----------------------------------------------------------------


def split_config_settings(
    settings: Mapping[str, object] | None,
) -> tuple[dict[str, object], dict[str, object] | None]:
    """``(buildrs' settings, the others or None)``; an unknown ``buildrs.*`` is an error."""
    ours: dict[str, object] = {}
    rest: dict[str, object] = {}
    known = list(config_settings())
    for key, value in (settings or {}).items():
        if key.startswith("buildrs."):
            if key not in known:
                raise ConfigError(
                    f"--config-settings: unknown buildrs setting {key!r}"
                    f"{did_you_mean(key, known, 'buildrs settings')}"
                )
            ours[key] = value
        else:
            rest[key] = value
    return ours, rest or None
