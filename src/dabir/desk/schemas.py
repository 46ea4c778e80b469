"""API shapes of the service desk (ISO dates, Latin digits; Persian and Arabic digits accepted on input)."""

import datetime as dt

from ninja import Field, Schema

from dabir.core.schemas import In, LatinInt, PageQuery


class CatalogueQuery(PageQuery):
    q: str = Field("", max_length=200, description="واژه‌ای از عنوان، شرح یا کلیدواژه‌های خدمت")
    agency: str = Field("", max_length=32, description="شناسه دستگاه")
    category: str = Field("", max_length=64, description="شناسه دسته")


class ServiceOut(Schema):
    code: str
    title: str
    agency: str
    agency_code: str
    category: str | None
    national_id: str
    version: int
    description: str
    channels: list[str]
    fees: dict
    duration_days: int


class ServiceProfileOut(ServiceOut):
    profile: dict
    form: list[dict]
    documents: list[dict]
    stages: list[dict]


class EventOut(Schema):
    kind: str
    title: str
    stage: str
    note: str
    at: dt.datetime


class RequestOut(Schema):
    tracking_code: str
    service: str
    service_code: str
    agency: str
    status: str
    status_label: str
    stage: str
    stage_due: dt.date | None
    submitted_at: dt.datetime
    finished_at: dt.datetime | None
    fee_rials: int
    paid: bool
    payment_message: str
    rejection_reason: str
    requested_documents: list[str]
    letter_number: str | None = None
    result_code: str | None = None
    result_url: str | None = None
    rating: int | None = None


class RequestDetailOut(RequestOut):
    data: dict
    documents: list[dict]
    timeline: list[EventOut]


class StaffRequestOut(RequestOut):
    national_code: str
    mobile: str
    applicant_name: str
    letter_id: int | None
    stage_code: str
    late: bool


class TrackIn(In):
    tracking_code: str = Field(..., max_length=40)
    national_code: str = Field("", max_length=20, description="کد ملی متقاضی؛ یا به جای آن mobile و code")
    mobile: str = Field("", max_length=20, description="تلفن همراه متقاضی (با code)")
    code: str = Field("", max_length=20, description="کد شش‌رقمی که POST /track/code به mobile پیامک کرد")


class TrackCodeIn(In):
    tracking_code: str = Field(..., max_length=40)
    mobile: str = Field(..., max_length=20)


class TrackCodeOut(Schema):
    detail: str
    expires_in: int = Field(description="چند ثانیه کد معتبر است")


class TrackOut(Schema):
    kind: str = Field(description="request یا complaint")
    tracking_code: str
    status: str
    status_label: str
    title: str
    timeline: list[EventOut]
    answer: str = ""


class CancelIn(In):
    reason: str = Field("", max_length=1000)


class RateIn(In):
    score: LatinInt = Field(..., description="۱ تا ۵")
    comment: str = Field("", max_length=2000)


class RatingOut(Schema):
    score: int
    comment: str


class ComplaintIn(In):
    about: str = Field(..., description="request، agency یا employee")
    agency: str = Field(..., max_length=32, description="شناسه دستگاه")
    text: str = Field(..., max_length=5000)
    tracking_code: str = Field("", max_length=40, description="کد رهگیری درخواست، وقتی about=request")
    employee_name: str = Field("", max_length=200)
    mobile: str = Field("", max_length=20, description="پیش‌فرض: همراه حساب شهروند")


class ComplaintOut(Schema):
    tracking_code: str
    about: str
    agency: str
    status: str
    status_label: str
    text: str
    answer: str
    answer_due: dt.date | None
    created_at: dt.datetime
    request_tracking_code: str | None = None


class DecideIn(In):
    position_id: LatinInt | None = None
    outcome: str = Field(..., max_length=64)
    note: str = Field("", max_length=4000, description="هامش داخلی؛ به متقاضی نشان داده نمی‌شود")
    public_note: str = Field("", max_length=2000, description="توضیح برای متقاضی (علت رد)")


class DocumentsRequestIn(In):
    position_id: LatinInt | None = None
    codes: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field("", max_length=2000)


class SignResultIn(In):
    position_id: LatinInt | None = None


class PublishedOut(Schema):
    code: str
    version: int
