"""The code of one ``{{ … }}`` block, prepared for the sandbox as n8n prepares it.

A JavaScript tokenizer (strings, template literals, regular expressions, comments) finds what
n8n's own transformation finds in the syntax tree, and rewrites it in place:

* ``x.name(args)`` for a name of n8n's extension functions becomes ``__ext(x, "name", [args])``,
  so that ``[1, 2].sum()`` and ``"a".toTitleCase()`` work (``x?.name()`` gives undefined on a
  null ``x``; ``x.name?.()`` asks ``extendOptional``);
* ``$if(test, a, b)`` becomes a conditional, so only the branch taken is evaluated;
* ``.__proto__``, ``.prototype``, ``.constructor``, ``.getPrototypeOf`` and their quoted forms are
  refused; a computed key (``x[k]``) is checked when it is known (``__s(k)``).

Everything else is left to the JavaScript engine, which also reports syntax errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

EXTENSION_NAMES = frozenset(
    """removeDuplicates unique first last pluck randomItem sum min max average isNotEmpty isEmpty
    compact smartJoin chunk renameKeys merge union difference intersection append toJsonString
    toInt toFloat toBoolean toDateTime beginningOf endOfMonth extract isBetween isDst isInLast
    isWeekend minus plus format diffTo diffToNow ceil floor round abs isInteger isEven isOdd
    hasField removeField removeFieldsContaining keepFieldsContaining urlEncode keys values
    hash removeMarkdown removeTags toDate toDecimalNumber toNumber toWholeNumber
    toSentenceCase toSnakeCase toTitleCase urlDecode quote replaceSpecialChars length isDomain
    isEmail isNumeric isUrl extractEmail extractDomain extractUrl extractUrlPath parseJson
    base64Encode base64Decode""".split()  # noqa: SIM905 - a word list
)
"""n8n-workflow 1.95's extension functions (every type's, plus isEmpty/isNotEmpty for any value)."""

UNSAFE = frozenset({"__proto__", "prototype", "constructor", "getPrototypeOf"})

KEYWORDS = frozenset(
    """return typeof instanceof in of new delete void throw case do else yield await if while for
    switch catch with let const var function class extends export import default""".split()  # noqa: SIM905 - a word list
)
_VALUE_WORDS = frozenset({"this", "super", "true", "false", "null", "undefined"})

_IDENT_ASCII = re.compile(r"[A-Za-z$_][A-Za-z0-9$_]*")
"""A JavaScript name in ASCII code (most code): the same as ``_ident()`` there, without the
``regex`` module (imported only for code with other characters)."""
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+n?|0[oO][0-7_]+n?|0[bB][01_]+n?"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?"
)
_PUNCT = sorted(
    """>>>= ... === !== **= <<= >>= >>> &&= ||= ??= => == != <= >= && || ?? ?. ++ -- += -= *= /=
    %= &= |= ^= ** << >> { } ( ) [ ] ; , < > + - * / % & | ^ ! ~ ? : = . @ #""".split(),  # noqa: SIM905 - a word list
    key=len,
    reverse=True,
)
_OPENERS = {"(": ")", "[": "]", "{": "}"}


@lru_cache(maxsize=1)
def _ident() -> Any:
    """A JavaScript name: ID_Start, then ID_Continue characters (and ZWNJ, ZWJ)."""
    import regex

    return regex.compile(r"[\p{L}\p{Nl}$_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$\u200c\u200d]*")


class CodeError(Exception):
    """A block that cannot be JavaScript; ``position`` is the offset in the block's code."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message, self.position = message, position


@dataclass(frozen=True)
class Token:
    kind: str  # name number string template head middle tail regex punct
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _ends_value(tok: Token | None) -> bool:
    """Whether a token can end an operand (so that a following ``(``/``[``/``/`` continues it)."""
    if tok is None:
        return False
    if tok.kind == "name":
        return tok.text not in KEYWORDS or tok.text in _VALUE_WORDS
    if tok.kind in ("number", "string", "template", "tail", "regex"):
        return True
    return tok.kind == "punct" and tok.text in (")", "]")


def _string_end(code: str, start: int) -> int:
    quote, i = code[start], start + 1
    while i < len(code):
        ch = code[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote:
            return i + 1
        if ch == "\n":
            break
        i += 1
    raise CodeError("unterminated string", start)


def _template_part(code: str, start: int) -> tuple[int, bool]:
    """End of a template part that starts at ``start`` (after ` or }); True if it opens ${."""
    i = start
    while i < len(code):
        ch = code[i]
        if ch == "\\":
            i += 2
        elif ch == "`":
            return i + 1, False
        elif ch == "$" and code.startswith("${", i):
            return i + 2, True
        else:
            i += 1
    raise CodeError("unterminated template literal", start - 1)


def _regex_end(code: str, start: int) -> int:
    i, in_class = start + 1, False
    while i < len(code):
        ch = code[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "\n":
            break
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            i += 1
            while i < len(code) and (code[i].isalnum() or code[i] in "_$"):
                i += 1
            return i
        i += 1
    raise CodeError("unterminated regular expression", start)


def tokenize(code: str) -> list[Token]:
    out: list[Token] = []
    braces: list[str] = []  # "{" or "${" for each open brace, to find where a template resumes
    i, n = 0, len(code)
    name = _IDENT_ASCII if code.isascii() else _ident()
    while i < n:
        ch = code[i]
        if ch.isspace():
            i += 1
            continue
        if code.startswith("//", i):
            end = code.find("\n", i)
            i = n if end < 0 else end
            continue
        if code.startswith("/*", i):
            end = code.find("*/", i + 2)
            if end < 0:
                raise CodeError("unterminated comment", i)
            i = end + 2
            continue
        prev = out[-1] if out else None
        if ch in "'\"":
            end = _string_end(code, i)
            out.append(Token("string", code[i:end], i))
        elif ch == "`" or (ch == "}" and braces and braces[-1] == "${"):
            if ch == "}":
                braces.pop()
            end, opens = _template_part(code, i + 1)
            kinds = ("head", "template") if ch == "`" else ("middle", "tail")
            kind = kinds[0] if opens else kinds[1]
            if opens:
                braces.append("${")
            out.append(Token(kind, code[i:end], i))
        elif ch == "/" and not _ends_value(prev):
            end = _regex_end(code, i)
            out.append(Token("regex", code[i:end], i))
        elif ch.isdigit() or (ch == "." and i + 1 < n and code[i + 1].isdigit()):
            match = _NUMBER.match(code, i)
            assert match is not None
            end = match.end()
            out.append(Token("number", code[i:end], i))
        elif (match := name.match(code, i)) is not None:
            end = match.end()
            out.append(Token("name", code[i:end], i))
        else:
            punct = next((p for p in _PUNCT if code.startswith(p, i)), None)
            if punct is None:
                raise CodeError(f"unexpected character {ch!r}", i)
            if punct == "?." and i + 2 < n and code[i + 2].isdigit():
                punct = "?"  # a ? .5 : b
            if punct == "{":
                braces.append("{")
            elif punct == "}":
                if not braces:
                    raise CodeError("unexpected '}'", i)
                braces.pop()
            end = i + len(punct)
            out.append(Token("punct", punct, i))
        i = end
    return out


def _pairs(tokens: list[Token]) -> dict[int, int]:
    """Matching bracket indexes (both ways); template heads/middles/tails count as brackets."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for i, tok in enumerate(tokens):
        opener = tok.kind == "head" or (tok.kind == "punct" and tok.text in _OPENERS)
        closer = tok.kind == "tail" or (tok.kind == "punct" and tok.text in _OPENERS.values())
        if tok.kind == "middle":
            opener = closer = True
        if closer:
            if not stack:
                raise CodeError(f"unexpected {tok.text[:1]!r}", tok.start)
            j = stack.pop()
            expected = "}" if tokens[j].kind in ("head", "middle") else _OPENERS[tokens[j].text]
            if tok.text[:1] != expected:
                raise CodeError(f"unexpected {tok.text[:1]!r}", tok.start)
            pairs[i], pairs[j] = j, i
        if opener:
            stack.append(i)
    if stack:
        tok = tokens[stack[-1]]
        raise CodeError(f"unclosed {tok.text[-1]!r}", tok.start)
    return pairs


@dataclass(frozen=True)
class Prepared:
    code: str
    guarded: bool
    """Whether n8n would evaluate the block inside try (member access or calls)."""


class _Rewriter:
    def __init__(self, code: str) -> None:
        self.code = code
        self.tokens = tokenize(code)
        self.pairs = _pairs(self.tokens)
        self.replace: dict[int, str] = {}
        self.inserts: dict[int, list[tuple[int, str]]] = {}
        self.split: set[int] = set()

    def tok(self, i: int) -> Token | None:
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def is_punct(self, i: int, *texts: str) -> bool:
        tok = self.tok(i)
        return tok is not None and tok.kind == "punct" and tok.text in texts

    def member_bracket(self, i: int) -> bool:
        """A ``[`` that reads a property (not an array literal)."""
        return self.is_punct(i, "[") and (
            self.is_punct(i - 1, "?.") or _ends_value(self.tok(i - 1))
        )

    def chain_start(self, i: int) -> int:
        """Index of the first token of the operand that ends just before token ``i``."""
        j = i - 1
        while j >= 0:
            tok = self.tokens[j]
            if tok.kind == "tail" or (tok.kind == "punct" and tok.text in (")", "]")):
                opener = self.pairs[j]
                if self.is_punct(opener - 1, "?."):
                    j = opener - 2
                elif tok.kind != "tail" and _ends_value(self.tok(opener - 1)):
                    j = opener - 1
                else:
                    return self.with_new(opener)
            elif self.is_punct(j - 1, ".", "?."):
                j -= 2
            else:
                return self.with_new(j)
        return 0

    def with_new(self, start: int) -> int:
        prev = self.tok(start - 1)
        return (
            start - 1 if prev is not None and prev.kind == "name" and prev.text == "new" else start
        )

    def last_optional(self, start: int, stop: int) -> int | None:
        """The last ``?.`` at the top level of the operand tokens[start:stop]."""
        j = stop - 1
        while j >= start:
            if self.is_punct(j, ")", "]") or (self.tok(j) or Token("", "", 0)).kind == "tail":
                j = self.pairs[j]
            elif self.is_punct(j, "?.") and j not in self.split:
                return j
            j -= 1
        return None

    def insert(self, index: int, order: int, text: str) -> None:
        self.inserts.setdefault(index, []).append((order, text))

    def run(self) -> Prepared:
        guarded = False
        for i, tok in enumerate(self.tokens):
            if tok.kind == "name" and tok.text in ("this", "window", "global"):
                guarded = True
            free = not self.is_punct(i + 1, ":") and not self.is_punct(i - 1, ".", "?.")
            if tok.kind == "name" and tok.text in UNSAFE and free:
                # n8n reads a free name from its data object: `constructor` is `data.constructor`
                raise CodeError(f'Cannot access "{tok.text}" due to security concerns', tok.start)
            if tok.kind != "punct":
                continue
            if tok.text in (".", "?."):
                guarded = True
                self.check_name(i)
            elif tok.text == "[" and self.member_bracket(i):
                guarded = True
                self.check_key(i)
            elif tok.text == "(" and (name := self.tok(i - 1)) and name.text == "import":
                raise CodeError("Imports are not supported", name.start)
            elif tok.text == "(" and _ends_value(self.tok(i - 1)):
                guarded = True
                if (
                    (callee := self.tok(i - 1))
                    and callee.text == "$if"
                    and not self.is_punct(i - 2, ".")
                ):
                    self.conditional(i - 1)
        for i in range(len(self.tokens)):  # inner calls of a chain first: they split its ?.
            self.extension_call(i)
        return Prepared(self.render(), guarded)

    def check_name(self, i: int) -> None:
        name = self.tok(i + 1)
        if name is not None and name.kind == "name" and name.text in UNSAFE:
            raise CodeError(f'Cannot access "{name.text}" due to security concerns', name.start)

    def check_key(self, i: int) -> None:
        close = self.pairs[i]
        inner = self.tokens[i + 1 : close]
        if len(inner) == 1 and inner[0].kind in ("string", "template", "number"):
            key = inner[0].text[1:-1] if inner[0].kind != "number" else inner[0].text
            if key in UNSAFE:
                raise CodeError(f'Cannot access "{key}" due to security concerns', inner[0].start)
            return
        self.replace[i] = "[__s("
        self.replace[close] = ")]"

    def conditional(self, at: int) -> None:
        """``$if(test, a[, b])`` → ``((test) ? (a) : (b))`` (n8n evaluates only one branch)."""
        open_, close = at + 1, self.pairs[at + 1]
        commas: list[int] = []
        j = open_ + 1
        while j < close:
            if self.is_punct(j, ",") and len(commas) < 2:
                commas.append(j)
            if j in self.pairs and j < self.pairs[j]:
                j = self.pairs[j]
            j += 1
        if not commas:
            raise CodeError(
                "$if requires at least 2 parameters: test, value_if_true[, and value_if_false]",
                self.tokens[at].start,
            )
        self.replace[at] = ""
        self.replace[open_] = "(("
        self.replace[commas[0]] = ") ? ("
        if len(commas) == 2:
            self.replace[commas[1]] = ") : ("
            self.replace[close] = "))"
        else:
            self.replace[close] = ") : false)"

    def extension_call(self, i: int) -> None:
        dot, name = self.tok(i), self.tok(i + 1)
        if dot is None or dot.kind != "punct" or dot.text not in (".", "?."):
            return
        if name is None or name.kind != "name" or name.text not in EXTENSION_NAMES:
            return
        quoted = f'"{name.text}"'
        if self.is_punct(i + 2, "?.") and self.is_punct(i + 3, "("):  # x.name?.(args)
            start = self.chain_start(i)
            self.insert(start, -i, "extendOptional(")
            self.replace[i] = f", {quoted})"
            self.replace[i + 1] = ""
            return
        if not self.is_punct(i + 2, "("):
            return
        start, close = self.chain_start(i), self.pairs[i + 2]
        self.replace[i + 1] = ""
        if dot.text == "?.":
            self.insert(start, -i, "__opt(")
            self.replace[i] = f", (__v) => __ext(__v, {quoted}, ["
            self.replace[i + 2] = ""
            self.replace[close] = "]))"
            return
        optional = self.last_optional(start, i)
        if optional is not None:
            self.split.add(optional)
            follows = self.tok(optional + 1)
            member = "." if follows is not None and follows.kind == "name" else ""
            self.insert(start, -i, "__opt(")
            self.replace[optional] = f", (__v) => __ext(__v{member}"
            self.replace[close] = "]))"
        else:
            self.insert(start, -i, "__ext(")
            self.replace[close] = "])"
        self.replace[i] = f", {quoted}, ["
        self.replace[i + 2] = ""

    def render(self) -> str:
        out, last = [], 0
        for i, tok in enumerate(self.tokens):
            out.append(self.code[last : tok.start])
            out += [text for _, text in sorted(self.inserts.get(i, []))]
            out.append(self.replace.get(i, tok.text))
            last = tok.end
        out.append(self.code[last:])
        return "".join(out)


@lru_cache(maxsize=4096)
def prepare(code: str) -> Prepared:
    """The block's code as the sandbox runs it; CodeError for what cannot be JavaScript."""
    return _Rewriter(code).run()
