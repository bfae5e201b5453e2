"""The typed contracts: what others build on (the Result, a check, feedback) and every body or
message that arrives from the network. Pydantic models, strict and closed: an unknown field or a
value of the wrong type is refused, never guessed at. Their JSON Schema is what the API documents.
"""
