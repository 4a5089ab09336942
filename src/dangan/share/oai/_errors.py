"""OAI-PMH error conditions (protocol §3.6): a code the harvester acts on and a message a person reads.

Every refusal of the endpoint is one of these, raised where the condition is found and written as the
`<error>` element of an ordinary 200 answer, so bad input can never surface as a server error.
"""

from __future__ import annotations

from typing import Final

BAD_ARGUMENT: Final = "badArgument"
BAD_RESUMPTION_TOKEN: Final = "badResumptionToken"
BAD_VERB: Final = "badVerb"
CANNOT_DISSEMINATE_FORMAT: Final = "cannotDisseminateFormat"
ID_DOES_NOT_EXIST: Final = "idDoesNotExist"
NO_RECORDS_MATCH: Final = "noRecordsMatch"
NO_METADATA_FORMATS: Final = "noMetadataFormats"
NO_SET_HIERARCHY: Final = "noSetHierarchy"

ERROR_CODES: Final = frozenset(
    {
        BAD_ARGUMENT,
        BAD_RESUMPTION_TOKEN,
        BAD_VERB,
        CANNOT_DISSEMINATE_FORMAT,
        ID_DOES_NOT_EXIST,
        NO_RECORDS_MATCH,
        NO_METADATA_FORMATS,
        NO_SET_HIERARCHY,
    }
)
# Errors after which the request element must not echo the arguments (they were not understood).
UNECHOED: Final = frozenset({BAD_VERB, BAD_ARGUMENT})


class OaiError(Exception):
    """One OAI-PMH error condition, with the Chinese message shown in the `<error>` element."""

    def __init__(self, code: str, message: str) -> None:
        assert code in ERROR_CODES, code
        shown = "".join(c if _xml_char(c) else "\ufffd" for c in message)  # messages echo raw input
        super().__init__(shown)
        self.code = code
        self.message = shown


def _xml_char(c: str) -> bool:
    o = ord(c)
    return o >= 0x20 and not 0xD800 <= o <= 0xDFFF and o not in (0xFFFE, 0xFFFF)
