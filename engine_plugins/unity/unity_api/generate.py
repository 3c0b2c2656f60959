"""Generate C# stubs of the UnityEngine API the Unity glue uses, from Unity's public C# reference source.

The glue (com.avatarbridge.unity/Runtime/Unity, Samples~) needs UnityEngine, which cannot be installed here. It is
type-checked instead against stubs whose signatures are read out of Unity's reference source
(github.com/Unity-Technologies/UnityCsReference), so a wrong call fails to compile here as it would in Unity.

The parser reads C# declarations, not statements: namespaces, types, their base lists and every public or protected
member's signature. Bodies are skipped (a stub's body is `throw null;`), `extern` bindings are ordinary signatures,
binding attributes ([FreeFunction], [NativeMethod], ...) are dropped, and [Obsolete], [Flags] and [AttributeUsage]
are kept because the compiler acts on them. A member whose signature names a type that is not stubbed (NativeArray,
AnimationCurve, ...) is left out and counted in the header: it cannot be called from the glue without that type.
Only the types in TYPES are emitted, with every public nested type. `#if` blocks are evaluated for a player build
(no symbol is defined), so editor-only API is absent, as it is in a player.

    python generate.py --git-dir DIR --ref 2021.3 --out UnityEngine.2021.3.generated.cs

DIR is a clone of UnityCsReference (bare or not; `fetch github:Unity-Technologies/UnityCsReference` gives one).
"""

from __future__ import annotations

import argparse
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SOURCE_REPO = "github.com/Unity-Technologies/UnityCsReference"
DEFAULT_GIT_DIR = Path("/work/.mirror/Unity-Technologies+UnityCsReference/repo")
HERE = Path(__file__).resolve().parent
# The Unity versions the glue is checked against: the oldest the package supports and the current LTS.
VERSIONS = ("2021.3", "6000.0")

_ANIMATION = "Modules/Animation/ScriptBindings/"
_AUDIO = "Modules/Audio/Public/"
_SCRIPTING = "Runtime/Export/Scripting/"
_IMGUI = "Modules/IMGUI/"

# Every type the glue uses or is about to use (qualified name, `name`N for a generic of N parameters), and the
# reference-source files that declare it (a partial type's parts may be spread over several files).
TYPES: dict[str, list[str]] = {
    "UnityEngine.Object": [_SCRIPTING + "UnityEngineObject.bindings.cs"],
    "UnityEngine.Component": [_SCRIPTING + "Component.bindings.cs", _SCRIPTING + "Component.deprecated.cs"],
    "UnityEngine.Behaviour": [_SCRIPTING + "Behaviour.bindings.cs"],
    "UnityEngine.MonoBehaviour": [_SCRIPTING + "MonoBehaviour.bindings.cs"],
    "UnityEngine.GameObject": [_SCRIPTING + "GameObject.bindings.cs", _SCRIPTING + "GameObject.deprecated.cs"],
    "UnityEngine.Coroutine": [_SCRIPTING + "Coroutine.bindings.cs"],
    "UnityEngine.YieldInstruction": [_SCRIPTING + "YieldOperation.cs"],
    "UnityEngine.WaitForSeconds": [_SCRIPTING + "WaitForSeconds.cs"],
    "UnityEngine.ScriptableObject": [_SCRIPTING + "ScriptableObject.bindings.cs"],
    "UnityEngine.TextAsset": [_SCRIPTING + "TextAsset.bindings.cs", _SCRIPTING + "TextAsset.cs"],
    "UnityEngine.AddComponentMenu": [_SCRIPTING + "Attributes.cs"],
    "UnityEngine.DefaultExecutionOrder": [_SCRIPTING + "Attributes.cs"],
    "UnityEngine.RequireComponent": [_SCRIPTING + "Attributes.cs"],
    "UnityEngine.DisallowMultipleComponent": [_SCRIPTING + "Attributes.cs"],
    "UnityEngine.PropertyAttribute": ["Runtime/Export/PropertyDrawer/PropertyAttribute.cs"],
    "UnityEngine.HeaderAttribute": ["Runtime/Export/PropertyDrawer/PropertyAttribute.cs"],
    "UnityEngine.TooltipAttribute": ["Runtime/Export/PropertyDrawer/PropertyAttribute.cs"],
    "UnityEngine.RangeAttribute": ["Runtime/Export/PropertyDrawer/PropertyAttribute.cs"],
    "UnityEngine.SpaceAttribute": ["Runtime/Export/PropertyDrawer/PropertyAttribute.cs"],
    "UnityEngine.SerializeField": ["Runtime/Export/Serialization/Serialization.cs"],
    "UnityEngine.ISerializationCallbackReceiver": ["Runtime/Export/Serialization/Serialization.cs"],
    "UnityEngine.Transform": ["Runtime/Transform/ScriptBindings/Transform.bindings.cs"],
    "UnityEngine.Space": ["Runtime/Export/BaseClass.cs"],
    "UnityEngine.Animator": [_ANIMATION + "Animator.bindings.cs", "Modules/Animation/Managed/Animator.deprecated.cs"],
    "UnityEngine.Avatar": [_ANIMATION + "Avatar.bindings.cs"],
    "UnityEngine.HumanBodyBones": [_ANIMATION + "Avatar.bindings.cs"],
    "UnityEngine.HumanDescription": [_ANIMATION + "AvatarBuilder.bindings.cs"],
    "UnityEngine.HumanBone": [_ANIMATION + "AvatarBuilder.bindings.cs"],
    "UnityEngine.SkeletonBone": [_ANIMATION + "AvatarBuilder.bindings.cs"],
    "UnityEngine.HumanLimit": [_ANIMATION + "AvatarBuilder.bindings.cs"],
    "UnityEngine.HumanTrait": [_ANIMATION + "HumanTrait.bindings.cs"],
    "UnityEngine.HumanPose": [_ANIMATION + "HumanPoseHandler.bindings.cs"],
    "UnityEngine.HumanPoseHandler": [_ANIMATION + "HumanPoseHandler.bindings.cs"],
    "UnityEngine.Renderer": ["Runtime/Export/Graphics/GraphicsRenderers.bindings.cs",
                             "Runtime/Export/Graphics/Graphics.deprecated.cs"],
    "UnityEngine.SkinnedMeshRenderer": ["Runtime/Export/Graphics/GraphicsRenderers.bindings.cs"],
    "UnityEngine.Mesh": ["Runtime/Export/Graphics/Mesh.bindings.cs", "Runtime/Export/Graphics/Mesh.cs",
                         "Runtime/Export/Graphics/Graphics.deprecated.cs"],
    "UnityEngine.Audio.AudioResource": [_AUDIO + "ScriptBindings/Audio.bindings.cs"],  # AudioClip's base from 2023.2
    "UnityEngine.AudioBehaviour": [_AUDIO + "ScriptBindings/Audio.bindings.cs"],
    "UnityEngine.AudioSource": [_AUDIO + "ScriptBindings/Audio.bindings.cs", _AUDIO + "Managed/Audio.deprecated.cs"],
    "UnityEngine.AudioClip": [_AUDIO + "ScriptBindings/Audio.bindings.cs", _AUDIO + "Managed/Audio.deprecated.cs"],
    "UnityEngine.AudioSettings": [_AUDIO + "ScriptBindings/Audio.bindings.cs", _AUDIO + "Managed/Audio.deprecated.cs"],
    "UnityEngine.AudioConfiguration": [_AUDIO + "ScriptBindings/Audio.bindings.cs"],
    "UnityEngine.AudioSpeakerMode": [_AUDIO + "ScriptBindings/Audio.bindings.cs"],
    "UnityEngine.Quaternion": ["Runtime/Export/Math/Quaternion.cs", "Runtime/Export/Math/Math.bindings.cs"],
    "UnityEngine.Vector3": ["Runtime/Export/Math/Vector3.cs", "Runtime/Export/Math/Math.bindings.cs"],
    "UnityEngine.Vector2": ["Runtime/Export/Math/Vector2.cs"],
    "UnityEngine.Mathf": ["Runtime/Export/Math/Mathf.cs", "Runtime/Export/Math/Math.bindings.cs"],
    "UnityEngine.Rect": ["Runtime/Export/Geometry/Rect.cs"],
    "UnityEngine.Debug": ["Runtime/Export/Debug/Debug.bindings.cs", "Runtime/Export/Debug/Debug.deprecated.cs"],
    "UnityEngine.Time": ["Runtime/Export/Time/Time.bindings.cs"],
    "UnityEngine.GUI": [_IMGUI + "GUI.cs", _IMGUI + "GUI.bindings.cs"],
    "UnityEngine.GUILayout": [_IMGUI + "GUILayout.cs"],
    "UnityEngine.GUILayoutOption": [_IMGUI + "GUILayoutOption.cs"],
    "UnityEngine.GUISkin": [_IMGUI + "GUISkin.cs"],
    "UnityEngine.GUIStyle": [_IMGUI + "GUIStyle.cs", _IMGUI + "GUIStyle.bindings.cs"],
    "UnityEngine.GUIContent": [_IMGUI + "GUIContent.cs"],
    "UnityEngine.Events.UnityEventBase": ["Runtime/Export/UnityEvent/UnityEvent.cs"],
    "UnityEngine.Events.PersistentListenerMode": ["Runtime/Export/UnityEvent/UnityEvent.cs"],
    "UnityEngine.Events.UnityEventCallState": ["Runtime/Export/UnityEvent/UnityEvent.cs"],
    "UnityEngine.Events.UnityAction": ["Runtime/Export/UnityEvent/UnityEvent/UnityEvent_0.cs"],
    "UnityEngine.Events.UnityEvent": ["Runtime/Export/UnityEvent/UnityEvent/UnityEvent_0.cs"],
    "UnityEngine.Events.UnityAction`2": ["Runtime/Export/UnityEvent/UnityEvent/UnityEvent_2.cs"],
    "UnityEngine.Events.UnityEvent`2": ["Runtime/Export/UnityEvent/UnityEvent/UnityEvent_2.cs"],
}

# Types that older versions lack (their members are then absent too).
NEWER_TYPES = {"UnityEngine.Audio.AudioResource"}

# Types from outside UnityEngine that a stub signature may name (the stubs import these namespaces).
_BCL = {
    "bool", "byte", "sbyte", "char", "short", "ushort", "int", "uint", "long", "ulong", "float", "double",
    "decimal", "string", "object", "void", "Boolean", "Byte", "SByte", "Char", "Int16", "UInt16", "Int32", "UInt32",
    "Int64", "UInt64", "Single", "Double", "String", "IntPtr", "UIntPtr", "Type", "Exception", "Action", "Func",
    "Predicate", "Comparison", "IEnumerable", "IEnumerator", "IEquatable", "IComparable", "IFormattable",
    "IFormatProvider", "IDisposable", "Math", "Attribute", "AttributeUsage", "AttributeUsageAttribute",
    "AttributeTargets",
    "Array", "Delegate", "Enum", "List", "IList", "ICollection", "IReadOnlyList", "Dictionary", "IDictionary",
    "Obsolete", "ObsoleteAttribute", "Flags", "FlagsAttribute", "MethodInfo", "BindingFlags", "Serializable",
}
_USINGS = ("System", "System.Collections", "System.Collections.Generic", "System.Reflection")
_KEEP_ATTRIBUTES = {"Obsolete", "ObsoleteAttribute", "Flags", "FlagsAttribute", "AttributeUsage",
                    "AttributeUsageAttribute"}
_ACCESS = {"public", "protected", "internal", "private"}
_MODIFIERS = _ACCESS | {"static", "extern", "sealed", "abstract", "virtual", "override", "new", "readonly", "unsafe",
                        "partial", "const", "volatile", "event", "implicit", "explicit", "async", "fixed"}
_TYPE_KEYWORDS = {"class", "struct", "interface", "enum", "delegate"}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>@"(?:[^"]|"")*"|\$?"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)+')
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[a-zA-Z]*|0[xX][0-9a-fA-F]+[uUlL]*)
  | (?P<name>@?[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>=>|==|!=|<=|>=|&&|\|\||\+\+|--|<<|\+=|-=|\*=|/=|\?\?|\?\.|::|[{}()\[\];,.:<>=+\-*/%!~?&|^])
""", re.VERBOSE | re.DOTALL)


class ParseError(Exception):
    """The reference source has a declaration this parser does not read."""


def _preprocess(text: str, defines: frozenset[str]) -> str:
    """Keep the lines a player build compiles: evaluate #if/#elif/#else/#endif, drop other directives."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []  # (this branch active, some branch of this #if taken)
    active = True
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            out.append(line if active else "")
            continue
        directive, _, expression = stripped[1:].strip().partition(" ")
        if directive == "if":
            value = _evaluate(expression, defines)
            stack.append((active, value))
            active = active and value
        elif directive == "elif":
            outer, taken = stack[-1]
            value = not taken and _evaluate(expression, defines)
            stack[-1] = (outer, taken or value)
            active = outer and value
        elif directive == "else":
            outer, taken = stack[-1]
            stack[-1] = (outer, True)
            active = outer and not taken
        elif directive == "endif":
            active = stack.pop()[0]
        out.append("")
    return "\n".join(out)


def _evaluate(expression: str, defines: frozenset[str]) -> bool:
    expression = expression.split("//")[0]
    python = re.sub(r"[A-Za-z_][A-Za-z_0-9]*", lambda m: str(m.group(0) in defines or m.group(0) == "true"),
                    expression)
    python = python.replace("&&", " and ").replace("||", " or ").replace("!", " not ").replace(" not =", "!=")
    return bool(eval(python, {"__builtins__": {}}))  # noqa: S307 - True/False/and/or/not only


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ParseError(f"cannot read {text[position:position + 40]!r}")
        position = match.end()
        if match.lastgroup not in ("ws", "comment"):
            tokens.append(match.group(0))
    return tokens


@dataclass
class Member:
    """One emitted member: its C# text, and the type names it mentions (it is left out if one is not stubbed)."""

    text: str
    names: set[str]
    key: str  # for deduplicating the same member declared in two files


@dataclass
class TypeDecl:
    namespace: str
    name: str  # with `N for generics
    kind: str  # class, struct, interface, enum, delegate
    type_params: list[str]
    bases: list[str]
    members: list[Member] = field(default_factory=list)
    nested: list[TypeDecl] = field(default_factory=list)
    delegate_text: str = ""
    declared_constructors: int = 0
    public_constructors: int = 0
    attributes: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    enum_base: str = ""
    constraints: str = ""

    @property
    def simple(self) -> str:
        return self.name.split("`")[0]


_BINARY = {"*", "/", "%", "+", "-", "<<", "|", "||", "&&", "?", ":", "=", "=>", "==", "!="}


def _join(tokens: list[str]) -> str:
    """Tokens back to C#, spaced for reading: between words, after commas, around binary operators."""
    text = ""
    spaced_operator = False
    for token in tokens:
        operand_before = bool(re.search(r"[\w\"')\]>]$", text))
        binary = token in _BINARY and (operand_before or token in ("=", ":", "=>"))
        if text and (binary or spaced_operator or text.endswith(",")
                     or re.match(r"[\w@\"'$]", token) and operand_before or token == "where"):
            text += " "
        text += token
        spaced_operator = binary
    return text



def _past_balanced(tokens: list[str], i: int, open_: str, close: str) -> int:
    """The index just past the bracket that closes tokens[i] (an `open_`), nested pairs skipped."""
    depth = 0
    while True:
        depth += tokens[i] == open_
        depth -= tokens[i] == close
        i += 1
        if depth == 0:
            return i


class Parser:
    def __init__(self, tokens: list[str], defines_note: str) -> None:
        self.tokens = tokens
        self.i = 0
        self.note = defines_note

    def peek(self, offset: int = 0) -> str:
        index = self.i + offset
        return self.tokens[index] if index < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token != expected:
            raise ParseError(f"{self.note}: expected {expected!r}, got {token!r} near {self.context()}")
        self.i += 1
        return token

    def context(self) -> str:
        return " ".join(self.tokens[max(0, self.i - 12):self.i + 12])

    def balanced(self, open_: str, close: str) -> list[str]:
        """The tokens from an opening bracket to its closing one, both included."""
        start = self.i
        depth = 0
        while True:
            token = self.take()
            if token == "":
                raise ParseError(f"{self.note}: unbalanced {open_}")
            if token == open_:
                depth += 1
            elif token == close:
                depth -= 1
                if depth == 0:
                    return self.tokens[start:self.i]

    def skip_to_semicolon(self) -> None:
        depth = 0
        while True:
            token = self.take()
            if token in ("(", "{", "["):
                depth += 1
            elif token in (")", "}", "]"):
                depth -= 1
            elif token == ";" and depth == 0:
                return

    def attributes(self) -> list[list[str]]:
        found = []
        while self.peek() == "[":
            found.append(self.balanced("[", "]"))
        return found

    def modifiers(self) -> list[str]:
        found = []
        while self.peek() in _MODIFIERS and not (self.peek() == "fixed" and self.peek(1) == "("):
            found.append(self.take())
        return found

    # -- files and namespaces --------------------------------------------------------------------------------

    def compilation_unit(self) -> list[TypeDecl]:
        return self.namespace_body("", top=True)

    def namespace_body(self, namespace: str, top: bool = False) -> list[TypeDecl]:
        types: list[TypeDecl] = []
        while self.peek() != "":
            if self.peek() == "}":
                if top:
                    raise ParseError(f"{self.note}: stray }}")
                self.take()
                return types
            if self.peek() == "using":
                self.skip_to_semicolon()
                continue
            if self.peek() == "namespace":
                self.take()
                name = ""
                while self.peek() != "{" and self.peek() != ";":
                    name += self.take()
                inner = f"{namespace}.{name}" if namespace else name
                if self.take() == "{":
                    types += self.namespace_body(inner)
                else:  # file-scoped namespace
                    types += self.namespace_body(inner, top=True)
                continue
            attributes = self.attributes()
            if self.peek() in ("", "}", "namespace", "using"):
                continue  # those were assembly attributes
            modifiers = self.modifiers()
            types.append(self.type_declaration(namespace, attributes, modifiers))
        return types

    # -- types ---------------------------------------------------------------------------------------------------

    def type_parameters(self) -> list[str]:
        if self.peek() != "<":
            return []
        tokens = self.balanced("<", ">")[1:-1]
        return [t for t in tokens if re.match(r"\w", t) and t not in ("in", "out")]

    def type_declaration(self, namespace: str, attributes: list[list[str]], modifiers: list[str]) -> TypeDecl:
        kind = self.take()
        if kind not in _TYPE_KEYWORDS:
            raise ParseError(f"{self.note}: expected a type, got {kind!r} near {self.context()}")
        if kind == "delegate":
            start = self.i
            self.skip_to_semicolon()
            body = self.tokens[start:self.i - 1]
            paren = body.index("(")
            head = body[:paren]
            type_params: list[str] = []
            if head[-1] == ">":
                lt = head.index("<")
                type_params = [t for t in head[lt:] if re.match(r"\w", t)]
                head = head[:lt]
            name = head[-1] + (f"`{len(type_params)}" if type_params else "")
            decl = TypeDecl(namespace, name, kind, type_params, [], attributes=_kept(attributes),
                            modifiers=modifiers)
            params = self.split_parameters(body[paren:])
            decl.delegate_text = _join(body)
            decl.members.append(Member("", _names(head[:-1]) | _param_names(params), "delegate"))
            return decl
        name = self.take()
        type_params = self.type_parameters()
        bases: list[str] = []
        enum_base = ""
        if self.peek() == ":":
            self.take()
            current: list[str] = []
            depth = 0
            while not (depth == 0 and self.peek() in ("{", "where")):
                token = self.take()
                depth += token == "<"
                depth -= token == ">"
                if token == "," and depth == 0:
                    bases.append(_join(current))
                    current = []
                else:
                    current.append(token)
            bases.append(_join(current))
            if kind == "enum":
                enum_base, bases = bases[0], []
        constraints: list[str] = []
        while self.peek() != "{":
            constraints.append(self.take())
        decl = TypeDecl(namespace, name + (f"`{len(type_params)}" if type_params else ""), kind, type_params,
                        bases, attributes=_kept(attributes), modifiers=modifiers, enum_base=enum_base,
                        constraints=_join(constraints))
        self.take("{")
        if kind == "enum":
            self.enum_body(decl)
        else:
            self.type_body(decl)
        if self.peek() == ";":
            self.take()
        return decl

    def enum_body(self, decl: TypeDecl) -> None:
        while self.peek() != "}":
            attributes = self.attributes()
            current: list[str] = []
            while self.peek() not in (",", "}"):
                current.append(self.take())
            if self.peek() == ",":
                self.take()
            if current:
                text = "".join(f"{_join(a)} " for a in _kept(attributes)) + _join(current)
                decl.members.append(Member(text, set(), current[0]))
        self.take("}")

    def type_body(self, decl: TypeDecl) -> None:
        while self.peek() != "}":
            if self.peek() == ";":
                self.take()
                continue
            attributes = self.attributes()
            modifiers = self.modifiers()
            if self.peek() in _TYPE_KEYWORDS and not (self.peek() == "delegate" and self.peek(1) == "("):
                nested = self.type_declaration(decl.namespace, attributes, modifiers)
                if _visible(modifiers, decl):
                    decl.nested.append(nested)
                continue
            self.member(decl, attributes, modifiers)
        self.take("}")

    # -- members ---------------------------------------------------------------------------------------------------

    def member(self, decl: TypeDecl, attributes: list[list[str]], modifiers: list[str]) -> None:
        if self.peek() == "~":  # finalizer
            self.take()
            self.take()
            self.balanced("(", ")")
            self.body()
            return
        head: list[str] = []
        depth = 0
        while True:
            token = self.peek()
            if depth == 0 and token in ("(", "{", ";", "=", "=>", ",") and not (head and head[-1] == "operator"):
                break
            if token == "[" and head and head[-1] == "this":
                break
            if head and head[-1] == "operator":  # the operator's symbol, which may be < or >
                head.append(self.take())
                if head[-1] in ("<", ">") and self.peek() == head[-1]:
                    head.append(self.take())
                continue
            if token == "<":
                depth += 1
            elif token == ">":
                depth -= 1
            elif token in ("[",) and depth == 0:  # an array type: int[] or int[,]
                head += self.balanced("[", "]")
                continue
            head.append(self.take())
        visible = _visible(modifiers, decl) or (len(head) >= 2 and "." in head[-2:] and not modifiers)
        is_constructor = head == [decl.simple] and self.peek() == "(" and "static" not in modifiers
        if is_constructor:
            decl.declared_constructors += 1
        token = self.peek()
        if token == "(":
            params = self.split_parameters(self.balanced("(", ")"))
            constraints: list[str] = []
            if self.peek() == "where":
                while self.peek() not in ("{", ";", "=>"):
                    constraints.append(self.take())
            elif self.peek() == ":":  # constructor initializer
                self.take()
                self.take()
                self.balanced("(", ")")
            self.body()
            if visible:
                self.emit_method(decl, attributes, modifiers, head, params, constraints, is_constructor)
            return
        if token == "[":  # indexer
            params = self.split_parameters(self.balanced("[", "]"))
            accessors = self.accessors()
            if visible:
                self.emit_property(decl, attributes, modifiers, head, accessors, params)
            return
        if token == "{":
            accessors = self.accessors()
            if self.peek() == "=":  # auto-property initializer
                self.skip_to_semicolon()
            if visible:
                self.emit_property(decl, attributes, modifiers, head, accessors, None)
            return
        if token == "=>":
            self.skip_to_semicolon()
            if visible:
                self.emit_property(decl, attributes, modifiers, head, ["get"], None)
            return
        # fields, constants and field-like events: `T a = 1, b;`
        declarators: list[tuple[str, list[str]]] = [(head[-1], [])]
        type_tokens = head[:-1]
        while True:
            token = self.take()
            if token == ";":
                break
            if token == ",":
                declarators.append((self.take(), []))
            elif token == "=":
                depth = 0
                while not (depth == 0 and self.peek() in (",", ";")):
                    value = self.take()
                    depth += value in ("(", "{", "[")
                    depth -= value in (")", "}", "]")
                    declarators[-1][1].append(value)
        if not visible:
            return
        for name, value in declarators:
            self.emit_field(decl, attributes, modifiers, type_tokens, name, value)

    def body(self) -> None:
        if self.peek() == "{":
            self.balanced("{", "}")
        else:
            self.skip_to_semicolon()

    def accessors(self) -> list[str]:
        """The accessors (get, set, add, remove) a caller outside the assembly can use."""
        tokens = self.balanced("{", "}")[1:-1]
        found = []
        i = 0
        while i < len(tokens):
            modifiers = []
            while tokens[i] == "[":
                i = _past_balanced(tokens, i, "[", "]")
            while tokens[i] in _ACCESS:
                modifiers.append(tokens[i])
                i += 1
            name = tokens[i]
            i += 1
            if i < len(tokens) and tokens[i] == "{":
                i = _past_balanced(tokens, i, "{", "}")
            elif i < len(tokens) and tokens[i] == "=>":
                while tokens[i] != ";":
                    i += 1
                i += 1
            elif i < len(tokens) and tokens[i] == ";":
                i += 1
            if not modifiers or "protected" in modifiers and "private" not in modifiers:
                found.append(name)
        return found

    def split_parameters(self, tokens: list[str]) -> list[list[str]]:
        inner = tokens[1:-1]
        params: list[list[str]] = []
        current: list[str] = []
        depth = 0
        for token in inner:
            if token in ("(", "<", "[", "{"):
                depth += 1
            elif token in (")", ">", "]", "}"):
                depth -= 1
            if token == "," and depth == 0:
                params.append(current)
                current = []
            else:
                current.append(token)
        if current:
            params.append(current)
        return [_strip_parameter_attributes(p) for p in params]

    # -- emitting ----------------------------------------------------------------------------------------------

    def emit_method(self, decl: TypeDecl, attributes: list[list[str]], modifiers: list[str], head: list[str],
                    params: list[list[str]], constraints: list[str], is_constructor: bool) -> None:
        if "*" in head[:-1] or any("*" in p for p in params):  # a pointer: unsafe code, not for the glue
            return
        mods = _emitted_modifiers(modifiers, decl)
        if "operator" in head:
            at = head.index("operator")
            names = _names(head[:at]) | _param_names(params)
            signature = _join(head[:at + 1]) + " " + "".join(head[at + 1:])
        else:
            type_params: list[str] = []
            name_tokens = head
            if head[-1] == ">":
                lt = len(head) - 1 - head[::-1].index("<")
                type_params = [t for t in head[lt:] if re.match(r"\w", t)]
                name_tokens = head[:lt]
            names = _names(name_tokens[:-1]) | _param_names(params)
            names |= _names(constraints)
            names -= set(type_params)
            signature = _join(head)
        params_text = ", ".join(_param_text(p) for p in params)
        abstract = "abstract" in modifiers or decl.kind == "interface"
        tail = ";" if abstract else " { throw null; }"
        text = _attribute_text(attributes) + " ".join([*mods, signature]).strip() + f"({params_text})"
        if constraints:
            text += " " + _join(constraints)
        decl.members.append(Member(text + tail, names - set(decl.type_params), _member_key(head, params)))
        if is_constructor:
            decl.public_constructors += 1

    def emit_property(self, decl: TypeDecl, attributes: list[list[str]], modifiers: list[str], head: list[str],
                      accessors: list[str], params: list[list[str]] | None) -> None:
        if not accessors or "*" in head:
            return
        mods = _emitted_modifiers(modifiers, decl)
        abstract = "abstract" in modifiers or decl.kind == "interface"
        bodies = {"get": " { throw null; }", "set": " { }", "add": " { }", "remove": " { }"}
        body = " ".join(a + (";" if abstract else bodies[a]) for a in accessors)
        if params is not None:
            text = " ".join([*mods, _join(head)]) + "[" + ", ".join(_param_text(p) for p in params) + "]"
            names = _names(head[:-1]) | _param_names(params)
        else:
            text = " ".join([*mods, _join(head)])
            names = _names(head[:-1])
        decl.members.append(Member(f"{_attribute_text(attributes)}{text} {{ {body} }}", names - set(decl.type_params),
                                   _member_key(head, params or [])))

    def emit_field(self, decl: TypeDecl, attributes: list[list[str]], modifiers: list[str], type_tokens: list[str],
                   name: str, value: list[str]) -> None:
        if "fixed" in modifiers or "*" in type_tokens:
            return
        mods = _emitted_modifiers(modifiers, decl)
        text = _attribute_text(attributes) + " ".join([*mods, _join(type_tokens), name])
        names = _names(type_tokens)
        if "const" in modifiers:
            text += " = " + _join(value)
            names |= _names(value)
        decl.members.append(Member(text + ";", names - set(decl.type_params), name))


def _visible(modifiers: list[str], decl: TypeDecl) -> bool:
    if decl.kind == "interface":
        return "private" not in modifiers and "internal" not in modifiers
    return "public" in modifiers or ("protected" in modifiers and "private" not in modifiers
                                     and "internal" not in modifiers)


def _emitted_modifiers(modifiers: list[str], decl: TypeDecl) -> list[str]:
    drop = {"extern", "partial", "unsafe", "async", "volatile"}
    if decl.kind == "interface":
        drop |= {"public"}
    return [m for m in modifiers if m not in drop]


def _kept(attributes: list[list[str]]) -> list[list[str]]:
    """The attribute sections the compiler acts on, without the others (binding and documentation attributes)."""
    kept = []
    for section in attributes:
        inner = section[1:-1]
        parts: list[list[str]] = [[]]
        depth = 0
        for token in inner:
            depth += token in ("(", "[")
            depth -= token in (")", "]")
            if token == "," and depth == 0:
                parts.append([])
            else:
                parts[-1].append(token)
        for part in parts:
            name = part[2] if part[:2] == ["System", "."] and len(part) > 2 else part[0] if part else ""
            if name in _KEEP_ATTRIBUTES:
                kept.append(["[", *part, "]"])
    return kept


def _attribute_text(attributes: list[list[str]]) -> str:
    return "".join(_join(a) + " " for a in _kept(attributes))


def _strip_parameter_attributes(tokens: list[str]) -> list[str]:
    while tokens and tokens[0] == "[":
        depth = 0
        i = 0
        while True:
            depth += tokens[i] == "["
            depth -= tokens[i] == "]"
            i += 1
            if depth == 0:
                break
        tokens = tokens[i:]
    return tokens


def _param_text(tokens: list[str]) -> str:
    if "=" in tokens:
        at = tokens.index("=")
        return _join(tokens[:at]) + " = " + _join(tokens[at + 1:])
    return _join(tokens)


def _param_names(params: list[list[str]]) -> set[str]:
    names: set[str] = set()
    for p in params:
        at = p.index("=") if "=" in p else len(p)
        names |= _names(p[:at - 1])
        names |= _names(p[at + 1:])
    return names


_KEYWORDS = {"ref", "out", "in", "params", "this", "new", "default", "true", "false", "null", "typeof", "sizeof",
             "operator", "implicit", "explicit", "readonly", "const", "static", "event", "where", "class", "struct",
             "unchecked", "checked"}


_NAMESPACE_PREFIXES = sorted(({q.rsplit(".", 1)[0] for q in TYPES} | {*_USINGS, "System.Runtime.InteropServices"}),
                             key=len, reverse=True)


def _names(tokens: list[str]) -> set[str]:
    """The names a run of tokens mentions that must resolve: of `A.B.C`, the first part after any namespace the
    stubs declare or import (`UnityEngine.Object` is `Object`, `UnityEngine.Audio.X` stays `UnityEngine`)."""
    names = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not re.match(r"[A-Za-z_@]", token) or token in _KEYWORDS:
            i += 1
            continue
        chain = [token]
        if token == "global" and tokens[i + 1:i + 2] == ["::"]:
            chain, i = [], i + 2
            chain.append(tokens[i])
        while tokens[i + 1:i + 2] == ["."] and i + 2 < len(tokens) and re.match(r"\w", tokens[i + 2]):
            i += 2
            chain.append(tokens[i])
        i += 1
        dotted = ".".join(chain)
        for prefix in _NAMESPACE_PREFIXES:
            if dotted.startswith(prefix + ".") and dotted != prefix:
                chain = dotted[len(prefix) + 1:].split(".")
                break
        names.add(chain[0])
    return names


def _member_key(head: list[str], params: list[list[str]]) -> str:
    types = []
    for p in params:
        at = p.index("=") if "=" in p else len(p)
        types.append("".join(p[:at - 1]))
    return " ".join(head) + "(" + ",".join(types) + ")"


# -- assembling the stub file --------------------------------------------------------------------------------------


class Source:
    """UnityCsReference at one ref of a git directory."""

    def __init__(self, git_dir: Path, ref: str) -> None:
        self.git_dir = git_dir
        try:
            self.commit = self.git("rev-parse", f"{ref}^{{commit}}").strip()
        except subprocess.CalledProcessError:  # a fresh clone has the version branches as origin/<version>
            self.commit = self.git("rev-parse", f"origin/{ref}^{{commit}}").strip()
        readme = self.read("README.md")
        match = re.search(r"Unity (\S+) C# reference source code", readme)
        self.version = match.group(1) if match else ref
        self.files = set(self.git("ls-tree", "-r", "--name-only", self.commit).splitlines())
        self.read_paths: list[str] = []

    def resolve(self, path: str) -> str:
        """The path at this commit; a file that moved between versions is found by its name (one match only)."""
        if path in self.files:
            return path
        moved = [f for f in self.files if f.endswith("/" + path.rsplit("/", 1)[-1])]
        if len(moved) != 1:
            raise ParseError(f"{path} is not at {self.commit} and its name matches {moved or 'nothing'}")
        return moved[0]

    def git(self, *args: str) -> str:
        return subprocess.run(["git", f"--git-dir={self.git_dir}", *args], capture_output=True, text=True,
                              check=True).stdout

    def read(self, path: str) -> str:
        return self.git("show", f"{self.commit}:{path}")

    def read_type_file(self, path: str) -> str:
        resolved = self.resolve(path)
        self.read_paths.append(resolved)
        return self.read(resolved)


def collect(source: Source, defines: frozenset[str] = frozenset()) -> dict[str, TypeDecl]:
    """Every wanted type, its partial parts merged, keyed by qualified name."""
    parsed: dict[str, list[TypeDecl]] = {}
    for path in sorted({p for paths in TYPES.values() for p in paths}):
        tokens = tokenize(_preprocess(source.read_type_file(path), defines))
        for decl in Parser(tokens, path).compilation_unit():
            parsed.setdefault(f"{decl.namespace}.{decl.name}", []).append(decl)
    merged: dict[str, TypeDecl] = {}
    for qualified in TYPES:
        parts = parsed.get(qualified)
        if not parts and qualified in NEWER_TYPES:
            continue
        if not parts:
            raise ParseError(f"{qualified} is not declared in {TYPES[qualified]}")
        first = parts[0]
        for part in parts[1:]:
            first.bases += [b for b in part.bases if b not in first.bases]
            first.attributes += part.attributes
            first.members += part.members
            first.nested += part.nested
            first.declared_constructors += part.declared_constructors
            first.public_constructors += part.public_constructors
            first.modifiers += [m for m in part.modifiers if m not in first.modifiers]
        merged[qualified] = first
    return merged


def _all_names(decl: TypeDecl) -> set[str]:
    names = {decl.simple}
    for nested in decl.nested:
        names |= _all_names(nested)
    return names


def render(source: Source, types: dict[str, TypeDecl]) -> tuple[str, int, int]:
    """The stub file, the number of members emitted and the number left out."""
    known = set(_BCL)
    for decl in types.values():
        known |= _all_names(decl)
    counts = [0, 0]

    def member_names(decl: TypeDecl) -> set[str]:
        names = {m.key for m in decl.members if "(" not in m.key}
        for nested in decl.nested:
            names |= member_names(nested)
        return names

    def emit(decl: TypeDecl, indent: str) -> list[str]:
        scope = known | set(decl.type_params) | member_names(decl)
        attributes = "".join(_join(a) + " " for a in decl.attributes)
        if decl.kind == "delegate":
            names = decl.members[0].names - set(decl.type_params)
            if not names <= known:
                counts[1] += 1
                return []
            counts[0] += 1
            mods = " ".join(m for m in decl.modifiers if m != "partial")
            return [f"{indent}{attributes}{mods} delegate {decl.delegate_text};"]
        mods = [m for m in dict.fromkeys(decl.modifiers) if m != "partial"]
        bases = [b for b in decl.bases if _names(tokenize(b)) <= known | set(decl.type_params)]
        lost = [b for b in decl.bases if b not in bases and not re.match(r"I[A-Z]", b.split(".")[-1])]
        if lost:  # an interface may go (its members stay), a base class may not: add it to TYPES
            raise ParseError(f"{decl.name}'s base class {lost[0]} is not stubbed")
        if decl.enum_base:
            bases = [decl.enum_base]
        head = f"{indent}{attributes}{' '.join(mods)} {decl.kind} {decl.simple}"
        if decl.type_params:
            head += "<" + ", ".join(decl.type_params) + ">"
        if bases:
            head += " : " + ", ".join(bases)
        if decl.constraints:
            head += " " + decl.constraints
        lines = [head, indent + "{"]
        seen: set[str] = set()
        left_out: set[str] = set()
        for member in decl.members:
            if member.key in seen and decl.kind != "enum":
                continue
            seen.add(member.key)
            extra = {n.lstrip("@") for n in member.names} - scope
            if extra:
                counts[1] += 1
                left_out |= extra
                continue
            counts[0] += 1
            lines.append(f"{indent}    {member.text}" + ("," if decl.kind == "enum" else ""))
        if left_out:
            lines.insert(2, f"{indent}    // Left out: members that name {', '.join(sorted(left_out))}.")
        if decl.kind == "class" and decl.declared_constructors and not decl.public_constructors \
                and "static" not in mods:
            # Only non-public constructors in Unity: none that the glue may call, but one the stubs' subclasses can.
            lines.append(f"{indent}    internal {decl.simple}() {{ throw null; }}")
        for nested in decl.nested:
            lines += emit(nested, indent + "    ")
        lines.append(indent + "}")
        return lines

    namespaces = sorted({decl.namespace for decl in types.values()})
    body: list[str] = []
    for namespace in namespaces:
        body += ["", f"namespace {namespace}", "{"]
        for decl in types.values():
            if decl.namespace == namespace:
                body += emit(decl, "    ")
        body.append("}")
    header = [
        "// UnityEngine API stubs to type-check the Avatar Bridge Unity glue. Generated by generate.py; do not edit.",
        f"// Source: {SOURCE_REPO} at {source.commit} (Unity {source.version}).",
        f"// {counts[0]} members emitted; {counts[1]} left out because they name a type that is not stubbed.",
        "// Bodies are `throw null;`: these stubs only type-check; they never run. Read from:",
        *[f"//   {path}" for path in source.read_paths],
        "#pragma warning disable",
        *[f"using {u};" for u in (*_USINGS, *namespaces) if u != "UnityEngine"],
    ]
    return "\n".join(header + body) + "\n", counts[0], counts[1]


def generate(git_dir: Path, ref: str) -> str:
    source = Source(git_dir, ref)
    text, _, _ = render(source, collect(source))
    return text


def output_path(ref: str) -> Path:
    return HERE / f"UnityEngine.{ref}.generated.cs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--git-dir", type=Path, default=DEFAULT_GIT_DIR, help="a clone of UnityCsReference")
    parser.add_argument("--ref", action="append", help=f"branch, tag or commit (default: {', '.join(VERSIONS)})")
    args = parser.parse_args()
    for ref in args.ref or VERSIONS:
        path = output_path(ref)
        path.write_text(generate(args.git_dir, ref))
        print(f"{path.name}: {path.read_text().splitlines()[2]}")


if __name__ == "__main__":
    main()
