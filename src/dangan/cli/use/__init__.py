"""利用: graph, statistics and reports, utilisation requests, search evaluation and synonyms, vectors, certified copies."""
