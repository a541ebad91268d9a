import json
import random

from models.glm import user_cases

CODE = (
    "import os\n\n\ndef load(path):\n    with open(path) as f:\n        return parse(f)\n\n\n"
    "config = load(os.environ['CONFIG'])\nitems = sorted(config)\nprint(len(items))\n"
) * 3
PROSE = (
    "The whale rose out of the sea. The men cheered as it dived again. Nobody spoke for a while "
    "after that, and the boat drifted on the long grey swell.\n"
) * 3


def doc(src, path, text, bucket):
    return {"src": src, "path": path, "text": text, "bucket": bucket, "lang": "", "license": "MIT"}


def test_shapes_select_what_a_user_would():
    rng = random.Random(1)
    seen = {shape: set() for shape in user_cases.CODE_SHAPES + user_cases.TEXT_SHAPES}
    for _ in range(300):
        for shape in user_cases.CODE_SHAPES:
            blank = user_cases.shape_blank(shape, CODE, rng)
            if blank:
                seen[shape].add(CODE[blank[0] : blank[1]])
        for shape in ("word", "sentence"):
            blank = user_cases.shape_blank(shape, PROSE, rng)
            if blank:
                seen[shape].add(PROSE[blank[0] : blank[1]])
    assert seen["bracket"] <= {")", "]"} and ")" in seen["bracket"]
    assert seen["argument"] <= {"path", "f", "config", "items"}
    assert "load" in seen["identifier"] and "def" not in seen["identifier"] and "import" not in seen["identifier"]
    assert "with open(path) as f:" in seen["line"] and all(
        not s.startswith(" ") and "\n" not in s for s in seen["line"]
    )
    assert all(not s.startswith(" ") and "\n" not in s and s.strip() for s in seen["cursor"])
    assert any(
        line.endswith(s) and line != s for s in seen["cursor"] for line in CODE.splitlines()
    )  # the rest of a line
    assert "The men cheered as it dived again." in seen["sentence"]
    assert all(s.isalpha() for s in seen["word"])


def test_cases_have_group_floors_package_context_and_disjoint_splits(tmp_path):
    docs = [doc("pkg", f"src/a/m{i}.py", CODE.replace("load", f"load{i}"), "code-python") for i in range(12)]
    docs += [doc("other", f"x/n{i}.py", CODE, "code-python") for i in range(3)]
    dev, files = user_cases.make_cases(docs, 6, random.Random(2), "dev")
    test, _ = user_cases.make_cases(docs, 6, random.Random(2), "test")
    assert dev and test
    assert {c["source"] for c in dev}.isdisjoint({c["source"] for c in test})
    by_path = {f"files/{user_cases.file_name(d)}": d for d in docs}
    for case in dev:
        group = [
            c["blanks"][0]["original"] for c in dev if (c["bucket"], c["shape"]) == (case["bucket"], case["shape"])
        ]
        assert case["baseline"] == user_cases.floor_answer(group)
        context = [by_path[p] for p in case["contextFiles"]]
        assert 1 <= len(context) <= user_cases.CONTEXT_FILES
        assert all(d["src"] == case["source"].split(":")[0] for d in context)  # the same package
        assert all(f"{d['src']}:{d['path']}" != case["source"] for d in context)  # never the document itself
        assert set(case["contextFiles"]) <= {f"files/{name}" for name in files}
    # Where all answers differ, the floor is the one of median length.
    assert user_cases.floor_answer(["a", "bbb", "cc"]) == "cc"
    assert user_cases.floor_answer(["x", "y", "x"]) == "x"
    json.dumps(dev)
