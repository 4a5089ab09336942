from __future__ import annotations

import json
from pathlib import Path

import pytest

from dangan.demo import generate_cases
from dangan.digitize import pdf_text
from dangan.digitize.classify import (
    Classifier,
    evaluate,
    majority_baseline,
    split_held_back,
    tokens,
    train,
)
from dangan.domain import classify

TOY = [
    ("餐馆厨房的食品安全管理制度和从业人员健康证明", "食品经营许可"),
    ("饭店后厨设备布局图，餐饮服务的食品原料进货查验", "食品经营许可"),
    ("小吃店的食品经营场所与有毒有害场所保持距离", "食品经营许可"),
    ("建筑工程施工合同和施工图设计文件审查合格书", "建筑工程施工许可"),
    ("工程建设资金已经落实，施工单位具备相应资质", "建筑工程施工许可"),
    ("建设工程规划许可证和中标通知书，施工现场安全", "建筑工程施工许可"),
    ("货运车辆行驶证和驾驶员从业资格证，道路运输安全", "道路货物运输经营许可"),
    ("运输车辆技术等级评定，货物运输驾驶员无事故记录", "道路货物运输经营许可"),
    ("危险废物贮存设施和应急预案", "危险废物经营许可"),  # one example only
]


@pytest.fixture(scope="module")
def toy() -> Classifier:
    return train(TOY)


def test_separable_toy_set_is_learnt(toy: Classifier) -> None:
    assert toy.predict("新开的饭店申请餐饮服务，提交了厨房布局图")[0][0] == "食品经营许可"
    assert toy.predict("施工图审查合格，建设资金落实")[0][0] == "建筑工程施工许可"
    assert toy.predict("驾驶员从业资格证和车辆行驶证")[0][0] == "道路货物运输经营许可"
    ranked = toy.predict("厨房食品安全", k=3)
    assert len(ranked) == 3
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)
    assert 0 < sum(p for _, p in ranked) <= 1.0001
    assert len(toy.predict("厨房食品安全", k=1)) == 1


def test_a_label_seen_once_is_still_predicted(toy: Classifier) -> None:
    assert toy.predict("危险废物的贮存设施")[0][0] == "危险废物经营许可"


def test_empty_or_unknown_text_gets_no_answer(toy: Classifier) -> None:
    assert toy.predict("") == []
    assert toy.predict("   \n") == []
    assert toy.predict("xyz 123") == []


def test_training_on_nothing_gives_a_model_that_answers_nothing() -> None:
    empty = train([])
    assert empty.predict("食品经营许可") == []
    assert evaluate(empty, [])["n"] == 0
    blank_labels = train([("食品", ""), ("施工", "  ")])
    assert blank_labels.labels == []


def test_json_round_trip_gives_the_same_predictions(toy: Classifier) -> None:
    data = toy.to_json()
    assert json.loads(data)["labels"] == toy.labels
    again = Classifier.from_json(data)
    for text, _ in TOY:
        assert again.predict(text) == toy.predict(text)
    assert Classifier.from_json(again.to_json()).to_json() == data


@pytest.mark.parametrize("bad", ["", "[]", '{"format": "other"}', '{"format": "dangan-nb/1"}'])
def test_unreadable_model_is_refused_in_chinese(bad: str) -> None:
    with pytest.raises(ValueError, match="分类模型"):
        Classifier.from_json(bad)


def test_features_are_words_and_bigrams_without_digits() -> None:
    feats = tokens("秦皇岛市2023年食品经营许可")
    assert "b:食品" in feats and "b:经营" in feats
    assert any(f.startswith("w:") for f in feats)
    assert tokens("2023年") == tokens("1999年")
    assert tokens("") == set()


def test_split_is_deterministic_and_stable_as_the_archive_grows() -> None:
    records = [(f"rec-{i}", f"文本{i}", "甲" if i % 2 else "乙") for i in range(400)]
    trained, held = split_held_back(records, 0.25)
    assert len(trained) + len(held) == 400
    assert 60 < len(held) < 140
    again_trained, again_held = split_held_back([*reversed(records), ("new", "新", "甲")], 0.25)
    assert set(held) <= set(again_held)
    assert set(trained) <= set(again_trained)
    assert split_held_back(records, 0.0)[1] == []


def test_evaluate_counts_per_label_and_no_answer_as_wrong(toy: Classifier) -> None:
    report = evaluate(
        toy, [("饭店厨房", "食品经营许可"), ("", "食品经营许可"), ("施工图", "建筑工程施工许可")]
    )
    assert report["n"] == 3
    assert report["per_label"]["食品经营许可"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert report["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert majority_baseline(["a", "a", "b"], ["a", "b"]) == 0.5
    assert majority_baseline([], ["a"]) is None


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str, str]]:
    """(source id, text, matter, category) of 80 generated cases: 申请书 and 决定书 text."""
    folder: Path = tmp_path_factory.mktemp("cases")
    out = []
    for demo in generate_cases(80, seed=5):
        parts = []
        for name in ("申请书.pdf", "决定书.pdf"):
            (folder / name).write_bytes(demo.files[name])
            parts.append(pdf_text(folder / name))
        case = demo.case
        category = classify(case["matter"]["name"], case["industry"]).code
        out.append((case["source_id"], "\n".join(parts), case["matter"]["name"], category))
    return out


@pytest.mark.parametrize("task", ["matter", "category"])
def test_held_back_accuracy_beats_the_majority_baseline(
    generated: list[tuple[str, str, str, str]], task: str
) -> None:
    column = 2 if task == "matter" else 3
    trained, held = split_held_back([(r[0], r[1], r[column]) for r in generated], 0.25)
    model = train(trained)
    report = evaluate(model, held)
    baseline = majority_baseline([label for _, label in trained], [label for _, label in held])
    assert report["n"] == len(held) > 10
    assert baseline is not None
    assert report["accuracy"] >= 0.5  # most misses are matters with no training example at all
    assert report["accuracy"] > baseline + 0.3
