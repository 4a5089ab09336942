"""The knowledge graph under the one access policy: a node's neighbourhood (`related`), the enterprise
360° view (`enterprise_view`) and the rebuild from the catalogue (`rebuild_graph`). Building it record by
record happens where records are written (intake, digitization) through `dangan.graph`."""

from dangan.services.graph._enterprise import EXPIRING_DAYS, enterprise_view
from dangan.services.graph._question import MAX_ENTERPRISES, GraphAnswer, answer_question
from dangan.services.graph._rebuild import RebuildReport, rebuild_graph
from dangan.services.graph._related import EDGE_LIMIT, related
from dangan.services.graph._view import KIND_LABELS

__all__ = [
    "EDGE_LIMIT",
    "EXPIRING_DAYS",
    "KIND_LABELS",
    "MAX_ENTERPRISES",
    "GraphAnswer",
    "RebuildReport",
    "answer_question",
    "enterprise_view",
    "rebuild_graph",
    "related",
]
