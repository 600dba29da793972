"""Objections (异议): filed by a subject or its representative, or registered at the counter; the records
labelled, decided by the center or transferred to the providing unit, the written result, re-examination
where the regulation provides it; every step a duty with its due date."""
