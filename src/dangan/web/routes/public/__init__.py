"""Public: the portal, certificate verification, proofs, OAI-PMH, the API documentation."""
