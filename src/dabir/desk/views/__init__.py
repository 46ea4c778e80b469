"""Citizen pages of the service desk, mounted at /services/.

GET       /services/                               the catalogue: search, agency and category filters
GET       /services/<code>/                        a service's public profile (شناسنامه خدمت)
GET/POST  /services/<code>/apply/                  the request form (signed-in citizens); ?key= reopens a draft
GET/POST  /services/<code>/apply/<key>/check/      «check your answers»; POST submits the request
GET       /services/my/                            the citizen's requests
GET       /services/my/<tracking>/                 a request: status, timeline, documents, result, rating
GET       /services/my/<tracking>/done/            the confirmation with the tracking code
POST      /services/my/<tracking>/documents/       upload the documents staff asked for
POST      /services/my/<tracking>/rate/            rate a finished request
POST      /services/my/<tracking>/cancel/          cancel an open request
POST      /services/my/<tracking>/pay/             pay the fee (to the bank and back)
GET       /services/my/<tracking>/paid/            the bank's return
GET       /services/my/<tracking>/result.pdf       the signed result document
GET/POST  /services/track/                         public tracking: tracking code + national code, or
                                                   tracking code + mobile and an SMS code (step=send, verify)
GET/POST  /services/complaints/new/                file a complaint
GET       /services/complaints/<tracking>/         a complaint's status
GET       /services/manifest.webmanifest, /services/sw.js, /services/offline/   the installable web app

Thin: the pages read and keep what the citizen typed; one service acts; a DomainError goes back
onto the page with the typed values (status 400, 429 for the tracking limit); never a 500.

Uploaded files survive a refused form: each upload is stored at once under the draft's one-time
submission key (MEDIA_ROOT/desk-drafts/<key>/), and the session keeps the draft (typed values and
the stored files), so a citizen corrects a field without choosing the files again. The draft and
its files go away when the request is submitted.

One module per group of pages; urls.py reaches them through this package:

- catalogue.py      the catalogue and a service's profile
- request_form.py   the request form, its session draft and stored uploads, «check your answers»
- payment.py        to the bank and back
- my_requests.py    the citizen's requests and the actions on one (documents, rate, cancel, result PDF)
- tracking.py       public tracking (national code, or mobile + SMS code)
- complaints.py     filing a complaint and its status page
- webapp.py         manifest, service worker, offline page
- _shared.py        what several pages share (labels, the citizen's own request, status, amounts, to the bank)
"""

from ._shared import CHANNEL_LABELS, STATUS_STYLE, amount, group_code
from .catalogue import catalogue, service_profile
from .complaints import complaint_detail, complaint_new
from .my_requests import add_documents, cancel, confirmation, my_request, my_requests, rate, result_pdf
from .payment import paid, pay
from .request_form import apply, check_answers
from .tracking import track
from .webapp import manifest, offline, service_worker

__all__ = [
    "catalogue", "service_profile", "apply", "check_answers", "pay", "paid", "confirmation", "my_requests",
    "my_request", "add_documents", "rate", "cancel", "result_pdf", "track", "complaint_new", "complaint_detail",
    "manifest", "service_worker", "offline", "group_code", "amount", "CHANNEL_LABELS", "STATUS_STYLE",
]
