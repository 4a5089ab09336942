"""The knowledge graph (档案知识图谱): enterprises, people, addresses, matters, licences, departments,
districts, industries and records, linked by what each record asserts, in adjacency tables of the
catalogue. Pure functions over the store: extraction from one record (`extract`), writing a record's part
inside the caller's transaction (`add_record_to_graph`), and reading through the access policy's filter
(`edges_touching`, `edges_into`). The matching rule for enterprises and people is in `_extract`'s
docstring; the labels, flags and histories rule in `_history`'s."""

from dangan.graph._extract import (
    HUBS,
    LABELLED,
    NODE_KINDS,
    EdgeSpec,
    NodeSpec,
    RecordGraph,
    extract,
    facts_of,
)
from dangan.graph._history import (
    FLAG_MESSAGES,
    Assertion,
    Period,
    change_events,
    name_conflict,
    periods,
    settle,
)
from dangan.graph._normal import is_change, normalise_address, normalise_name, simplify
from dangan.graph._query import (
    EdgeRow,
    NodeRow,
    edges_around,
    edges_into,
    edges_touching,
    find_nodes,
    labelled_flags,
    latest_labelled,
    name_conflicts,
    nodes_by_id,
    readable_nodes,
    walkable,
)
from dangan.graph._question import (
    AT_ADDRESS,
    QUESTIONS,
    REPRESENTED_BY,
    SAME_REPRESENTATIVE,
    GraphQuestion,
    read_question,
)
from dangan.graph._write import (
    add_record_to_graph,
    clear_graph,
    graph_secret,
    latest_confirmed,
    remove_record_from_graph,
)

__all__ = [
    "AT_ADDRESS",
    "FLAG_MESSAGES",
    "HUBS",
    "LABELLED",
    "NODE_KINDS",
    "QUESTIONS",
    "REPRESENTED_BY",
    "SAME_REPRESENTATIVE",
    "Assertion",
    "EdgeRow",
    "EdgeSpec",
    "GraphQuestion",
    "NodeRow",
    "NodeSpec",
    "Period",
    "RecordGraph",
    "add_record_to_graph",
    "change_events",
    "clear_graph",
    "edges_around",
    "edges_into",
    "edges_touching",
    "extract",
    "facts_of",
    "find_nodes",
    "graph_secret",
    "is_change",
    "labelled_flags",
    "latest_confirmed",
    "latest_labelled",
    "name_conflict",
    "name_conflicts",
    "nodes_by_id",
    "normalise_address",
    "normalise_name",
    "periods",
    "read_question",
    "readable_nodes",
    "remove_record_from_graph",
    "settle",
    "simplify",
    "walkable",
]
