"""The knowledge graph under the one access policy: a node's neighbourhood (`related`), the enterprise
360° view (`enterprise_view`) and the rebuild from the catalogue (`rebuild_graph`). Building it record by
record happens where records are written (intake, digitization) through `dangan.graph`."""

from dangan.services.graph._enterprise import EXPIRING_DAYS, enterprise_view
from dangan.services.graph._insight import (
    DEFAULT_DAYS,
    DEFAULT_MIN,
    INSIGHT_LISTS,
    MAX_PER_PAGE,
    InsightQuery,
    graph_insight,
)
from dangan.services.graph._insight_export import EXPORT_LIMIT, export_insight, insight_table
from dangan.services.graph._question import MAX_ENTERPRISES, GraphAnswer, answer_question
from dangan.services.graph._rebuild import RebuildReport, rebuild_graph
from dangan.services.graph._related import EDGE_LIMIT, related
from dangan.services.graph._view import KIND_LABELS

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_MIN",
    "EDGE_LIMIT",
    "EXPIRING_DAYS",
    "EXPORT_LIMIT",
    "INSIGHT_LISTS",
    "KIND_LABELS",
    "MAX_ENTERPRISES",
    "MAX_PER_PAGE",
    "GraphAnswer",
    "InsightQuery",
    "RebuildReport",
    "answer_question",
    "enterprise_view",
    "export_insight",
    "graph_insight",
    "insight_table",
    "rebuild_graph",
    "related",
]
