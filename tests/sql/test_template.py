"""Query templates: placeholders become bound parameters in every paramstyle."""

from __future__ import annotations

import pytest

from taskplug_sql.errors import SQLTemplateError
from taskplug_sql.template import RAW_OUTPUT_PREFIX, QueryTemplate, identifier, normalize

Q = "SELECT * FROM users WHERE score > {{ .inputs.min }} AND name = {{.inputs.name}} LIMIT {{ .inputs.min }}"


def tpl(text: str, *inputs: str, paste: bool = False) -> QueryTemplate:
    return QueryTemplate(text, task="t", inputs=inputs, paste=paste)


@pytest.mark.parametrize(
    ("style", "statement", "params"),
    [
        ("qmark", "score > ? AND name = ? LIMIT ?", (0.5, "x", 0.5)),
        ("format", "score > %s AND name = %s LIMIT %s", (0.5, "x", 0.5)),
        ("numeric", "score > :1 AND name = :2 LIMIT :1", (0.5, "x")),
        ("dollar", "score > $1 AND name = $2 LIMIT $1", (0.5, "x")),
        ("named", "score > :min AND name = :name LIMIT :min", {"min": 0.5, "name": "x"}),
        (
            "pyformat",
            "score > %(min)s AND name = %(name)s LIMIT %(min)s",
            {"min": 0.5, "name": "x"},
        ),
        ("at", "score > @min AND name = @name LIMIT @min", {"min": 0.5, "name": "x"}),
    ],
)
def test_every_paramstyle(style: str, statement: str, params: object) -> None:
    rendered = tpl(Q, "min", "name").render(style, {"min": 0.5, "name": "x"})
    assert rendered.statement == f"SELECT * FROM users WHERE {statement}"
    assert rendered.parameters == params
    assert rendered.names == ("min", "name")


def test_values_never_reach_the_statement() -> None:
    evil = "'; DROP TABLE users; --"
    rendered = tpl("SELECT 1 WHERE name = {{ .inputs.n }}", "n").render("qmark", {"n": evil})
    assert evil not in rendered.statement and rendered.parameters == (evil,)


def test_quoted_placeholder_is_one_bound_value() -> None:
    rendered = tpl("SELECT 1 WHERE name = '{{ .inputs.n }}'", "n").render("qmark", {"n": "o'k"})
    assert rendered.statement == "SELECT 1 WHERE name = ?"
    assert rendered.parameters == ("o'k",)


def test_placeholder_inside_a_longer_literal_is_refused() -> None:
    with pytest.raises(SQLTemplateError, match="inside the string literal") as info:
        tpl("SELECT 1 WHERE name LIKE '%{{ .inputs.n }}%'", "n")
    assert "task 't'" in str(info.value) and "LIKE" in str(info.value)


def test_percent_signs_are_escaped_for_format_styles() -> None:
    text = "SELECT 1 WHERE name LIKE 'a%' AND id = {{ .inputs.i }}"
    assert tpl(text, "i").render("pyformat", {"i": 1}).statement.count("%%") == 1
    assert "%%" not in tpl(text, "i").render("qmark", {"i": 1}).statement


def test_unknown_and_unused_inputs_name_task_and_statement() -> None:
    with pytest.raises(SQLTemplateError) as info:
        tpl("SELECT {{ .inputs.limit }}")
    assert "{{ .inputs.limit }}" in str(info.value) and "not declared" in str(info.value)
    assert "statement: SELECT {{ .inputs.limit }}" in str(info.value)
    with pytest.raises(SQLTemplateError, match="declared but not used"):
        tpl("SELECT 1", "limit")


def test_placeholders_in_comments_do_not_count() -> None:
    with pytest.raises(SQLTemplateError, match="declared but not used"):
        tpl("SELECT 1 /* {{ .inputs.x }} */", "x")
    rendered = tpl("SELECT {{ .inputs.x }} /* {{ .inputs.x }} */", "x").render("qmark", {"x": 1})
    assert rendered.statement == "SELECT ? /* {{ .inputs.x }} */"


def test_identifier_filter_pastes_a_checked_name() -> None:
    t = tpl("SELECT * FROM {{ .inputs.table | identifier }} LIMIT {{ .inputs.n }}", "table", "n")
    rendered = t.render("qmark", {"table": "public.users", "n": 2})
    assert rendered.statement == 'SELECT * FROM "public"."users" LIMIT ?'
    assert rendered.parameters == (2,)
    with pytest.raises(SQLTemplateError, match="used as an identifier"):
        t.render("qmark", {"table": "users; DROP TABLE users", "n": 1})
    with pytest.raises(SQLTemplateError, match="backend service cannot bind"):
        t.placeholders("named")


@pytest.mark.parametrize(
    "bad", ["", "a b", 'x"y', "a;b", "1abc", "a.b.c.d", "x" * 64, "a--b", "a'", None]
)
def test_identifier_refuses_anything_but_plain_names(bad: object) -> None:
    with pytest.raises(ValueError):
        identifier(bad)  # type: ignore[arg-type]


def test_identifier_quotes() -> None:
    assert identifier("db.t_1$") == '"db"."t_1$"'
    assert identifier("t", quote="`") == "`t`"


def test_quoted_identifier_with_placeholder_is_refused() -> None:
    with pytest.raises(SQLTemplateError, match="identifier"):
        tpl('SELECT * FROM "{{ .inputs.t }}"', "t")


def test_raw_output_prefix_is_bound_or_kept() -> None:
    t = tpl("COPY x TO {{ .rawOutputDataPrefix }} WHERE a = {{ .inputs.a }}", "a")
    bound = t.render("named", {"a": 1}, raw_output_prefix="s3://b/p")
    assert bound.statement == f"COPY x TO :{RAW_OUTPUT_PREFIX} WHERE a = :a"
    assert bound.parameters == {RAW_OUTPUT_PREFIX: "s3://b/p", "a": 1}
    kept = t.placeholders("named")
    assert kept.statement == "COPY x TO {{ .rawOutputDataPrefix }} WHERE a = :a"
    assert kept.names == ("a",)


def test_paste_mode_is_flytekits_interpolation() -> None:
    t = tpl(
        "SELECT * FROM t WHERE name LIKE '%{{ .inputs.n }}%' LIMIT {{ .inputs.k }}",
        "n",
        "k",
        paste=True,
    )
    rendered = t.render("qmark", {"n": "a", "k": 3})
    assert rendered.statement == "SELECT * FROM t WHERE name LIKE '%a%' LIMIT 3"
    assert rendered.parameters == ()


def test_missing_value_at_render() -> None:
    with pytest.raises(SQLTemplateError, match="no value for input"):
        tpl("SELECT {{ .inputs.a }}", "a").render("qmark", {})


def test_unknown_filter() -> None:
    with pytest.raises(SQLTemplateError, match="unknown filter"):
        tpl("SELECT {{ .inputs.a | upper }}", "a")


def test_normalize_matches_flytekit() -> None:
    assert normalize("  SELECT *\n\tFROM   t\n  ") == "SELECT * FROM t"
