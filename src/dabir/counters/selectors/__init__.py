"""Reads of the counter offices, filtered through policy.py; one module per part:

- quote.py       the fee in force for a filing (the agency's and the office's)
- desk.py        the operator's desk: services offered at the office, its visits and submissions
- fees.py        fee schedules and the public finder
- letters.py     letters filed at the counter: the office's list, the secretariat's queue, tracking
- registry.py    the registry of offices and the agencies' outsourcing
- complaints.py  complaints about offices (personal data masked for office managers)
"""

from .complaints import (
    complaint_cities,
    complaint_for,
    complaints_list,
    mask,
    offices_in_city,
    public_complaint,
    shown_complaints,
)
from .desk import (
    day_submissions,
    offered_service,
    offered_services,
    submission_by_key,
    submission_for,
    visit_for,
)
from .fees import (
    FeeRow,
    active_offices,
    agency_fee,
    finder_cities,
    finder_services,
    offices_offering,
    previous_schedule,
    schedule_rows,
    schedules_overview,
)
from .letters import (
    counter_letter_queue,
    letter_agencies,
    letter_secretariat,
    office_letters,
    pending_counter_letters,
    public_counter_letter,
)
from .quote import Quote, letter_quote, quote, schedule_in_force
from .registry import (
    EXPIRY_WARNING_DAYS,
    AgencyOutsourcing,
    about_to_expire,
    declarable_services,
    outsourcing_summary,
    registry_cities,
    registry_office,
    registry_offices,
)

__all__ = ["EXPIRY_WARNING_DAYS", "Quote", "schedule_in_force", "quote", "letter_quote", "offered_services", "offered_service", "visit_for", "submission_for", "submission_by_key", "day_submissions", "previous_schedule", "agency_fee", "FeeRow", "schedule_rows", "schedules_overview", "finder_services", "active_offices", "finder_cities", "offices_offering", "letter_secretariat", "letter_agencies", "office_letters", "counter_letter_queue", "pending_counter_letters", "public_counter_letter", "registry_offices", "about_to_expire", "registry_cities", "registry_office", "AgencyOutsourcing", "outsourcing_summary", "declarable_services", "mask", "shown_complaints", "complaints_list", "complaint_for", "public_complaint", "complaint_cities", "offices_in_city"]
