import json
import random

from models.glm import eval_cases

CODE = "".join(
    f"def function_{i}(value):\n    result = value * {i} + compute(value)\n    return result\n\n" for i in range(12)
)
PROSE = (
    "The model reads the text around each blank. It writes what is missing! Does the user keep it? "
    "Usually the fill is short.\n\n"
) * 6


def test_blanks_have_the_shape_of_their_kind():
    rng = random.Random(0)
    shorts = [b for b in (eval_cases.short_blank(CODE, rng) for _ in range(100)) if b is not None]
    assert len(shorts) > 50  # a draw that would cross a line is refused, not cut
    for s, e in shorts:
        assert "\n" not in CODE[s:e] and 1 <= len(CODE[s:e].split()) <= 3
    for _ in range(50):
        s, e = eval_cases.line_blank(CODE, "code-python", rng)
        assert "\n" not in CODE[s:e] and not CODE[s:e].startswith(" ") and CODE[e] == "\n"
        s, e = eval_cases.line_blank(PROSE, "prose", rng)
        assert PROSE[s:e].endswith((".", "!", "?")) and not PROSE[s:e].startswith(" ")
        s, e = eval_cases.long_blank(CODE, "code-python", rng)
        assert CODE[s:e].count("\n") >= 2
        s, e = eval_cases.long_blank(PROSE, "prose", rng)
        assert PROSE[s:e].endswith("short.") and "\n\n" not in PROSE[s:e]


def test_window_keeps_the_blank_and_whole_lines():
    text = "\n".join(f"line {i:04d} " + "x" * 40 for i in range(200))
    start = text.index("line 0100")
    end = start + 9
    window, s, e = eval_cases.window(text, start, end)
    assert window[s:e] == "line 0100"
    assert window.startswith("line ") and len(window) <= eval_cases.BEFORE + eval_cases.AFTER + 10


def test_ratio_cases_merge_consecutive_words(tmp_path):
    docs = {"prose": [{"text": " ".join(f"w{i}" for i in range(60)), "src": "s", "path": "p"}]}
    cases = eval_cases.ratio_cases(docs, 1, random.Random(1))
    assert [c["ratio"] for c in cases] == list(eval_cases.RATIOS)
    for c in cases:
        words = sum(len(b["original"].split()) for b in c["blanks"])
        assert words == round(c["ratio"] * 60)
        for a, b in zip(c["blanks"], c["blanks"][1:]):
            assert c["text"][a["end"] : b["start"]].strip()  # a gap of at least one unmasked word


def test_cases_file_is_deterministic(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for split in ("train", "heldout"):
        with open(corpus / f"{split}.jsonl", "w") as f:
            for bucket, text in (("code-python", CODE), ("prose", PROSE)):
                f.write(json.dumps({"text": text, "src": "t", "path": bucket, "bucket": bucket}) + "\n")
    outputs = []
    for run in range(2):
        out = tmp_path / f"eval{run}"
        monkeypatch.setattr(
            "sys.argv",
            ["eval_cases", "--corpus", str(corpus), "--out", str(out), "--per-cell", "3", "--per-ratio", "1"],
        )
        eval_cases.main()
        outputs.append((out / "cases.jsonl").read_text())
    assert outputs[0] == outputs[1]
    cases = [json.loads(l) for l in outputs[0].splitlines()]
    for c in cases:
        for b in c["blanks"]:
            assert c["text"][b["start"] : b["end"]] == b["original"]
        assert c["baseline"]
    assert {c["kind"] for c in cases if c["bucket"] == "prose"} == {"short", "line", "long"}


def test_development_cases_come_from_documents_the_test_cases_do_not_touch(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    other_prose = PROSE.replace("model", "reader")
    with open(corpus / "train.jsonl", "w") as f:
        f.write(json.dumps({"text": CODE, "src": "t", "path": "a.py", "bucket": "code-python"}) + "\n")
    with open(corpus / "heldout.jsonl", "w") as f:
        for path, text in (
            ("a.py", CODE),
            ("b.py", CODE.replace("value", "item")),
            ("c.md", PROSE),
            ("d.md", other_prose),
        ):
            bucket = "code-python" if path.endswith(".py") else "prose"
            f.write(json.dumps({"text": text, "src": "h", "path": path, "bucket": bucket}) + "\n")
    test_cases = [
        {"bucket": "code-python", "source": "h:a.py", "text": ""},
        {"bucket": "ratio", "source": "prose+markdown held out", "text": PROSE.split("\n\n")[0]},
    ]
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(c) + "\n" for c in test_cases))
    monkeypatch.setattr(
        "sys.argv",
        [
            "eval_cases",
            "--corpus",
            str(corpus),
            "--out",
            str(tmp_path / "dev"),
            "--per-cell",
            "4",
            "--dev-of",
            str(tmp_path / "test.jsonl"),
            "--seed",
            "7",
        ],
    )
    eval_cases.main()
    cases = [json.loads(l) for l in (tmp_path / "dev" / "cases.jsonl").read_text().splitlines()]
    assert {c["source"] for c in cases} == {"h:b.py", "h:d.md"}  # a.py was a test source, c.md holds a test paragraph
    assert not any(c["bucket"] == "ratio" for c in cases)
    assert len(cases) == 2 * 3 * 4


def test_everyday_job_blanks_are_what_their_kind_names():
    code = (
        "def load(path):\n    with open(path) as f:\n        return parse(f)\n\n"
        "config = load(path)\nitems = sorted(config)\n"
    )
    prose = "The whale rose out of the sea, and the men cheered as it dived again."
    rng = random.Random(3)
    for kind in eval_cases.JOB_KINDS:
        assert eval_cases.MODE[kind] == "span"
    seen = {kind: set() for kind in eval_cases.JOB_KINDS}
    for _ in range(200):
        for kind in ("bracket", "identifier", "argument"):
            blank = eval_cases.job_blank(kind, code, "code-python", rng)
            if blank is not None:  # an identifier drawn that occurs once is refused
                seen[kind].add(code[blank[0] : blank[1]])
        s, e = eval_cases.job_blank("word", prose, "prose", rng)
        seen["word"].add(prose[s:e])
    assert seen["bracket"] == {")"}
    assert seen["argument"] == {"path", "f", "config"}  # a call's single identifier argument
    assert seen["identifier"] <= {"load", "path", "parse", "config"} and "path" in seen["identifier"]  # occurs twice+
    assert "open" not in seen["identifier"] and "items" not in seen["identifier"]  # once only, so never
    assert seen["word"] <= {"the", "of", "and", "as", "it"} and "the" in seen["word"]
    assert eval_cases.job_blank("word", code, "code-python", rng) is None  # jobs belong to their buckets
    assert eval_cases.job_blank("bracket", prose, "prose", rng) is None
