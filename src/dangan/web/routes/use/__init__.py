"""利用: browse and search, files and previews, utilisation requests, graph, insight, reports."""
