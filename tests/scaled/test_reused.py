"""The catalogue, storage, ingest and search tests of the embedded configuration, run again on the scaled
one (PostgreSQL + S3 primary + local replica + Redis): `archive` and `any_archive` are the scaled archive
here (tests/scaled/conftest.py). Left out: tests that look at the local primary's files directly."""

from __future__ import annotations

import pytest

from tests.services.test_ingest import (  # noqa: F401 - collected here, against the scaled archive
    test_archival_codes_are_gap_free_per_series,
    test_changed_file_bytes_under_same_key_is_rejected,
    test_changed_package_under_same_key_is_rejected_not_overwritten,
    test_folder_of_folders_and_zip,
    test_hash_omitted_the_second_time_is_still_a_duplicate,
    test_import_stores_record_files_and_event,
    test_invalid_json_and_missing_case_json,
    test_missing_listed_file_is_rejected,
    test_symlinked_file_is_rejected,
    test_wrong_hash_is_rejected_and_nothing_is_catalogued,
)
from tests.services.test_search import (  # noqa: F401
    filled,
    test_applicant_name_finds_its_case,
    test_text_inside_the_pdfs_is_searchable,
    test_total_counts_only_what_the_user_may_see,
)

pytestmark = [pytest.mark.postgres, pytest.mark.s3]
