"""PubMed through NCBI E-utilities: the client (eutils), the response cache, the search runner,
storing a run, and the PRISMA-S search log."""
