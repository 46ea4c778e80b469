"""Generated Persian letters for the search and inbox benchmarks.

Word lists of everyday secretariat language; words are drawn with Zipf-like weights, so a
few are in most letters and many are rare, as in real correspondence. Some letters are
typed with Arabic ي and ك (as older software and keyboards do); search_text is built with
the project's normalize(), exactly as letters.services does.
"""

from __future__ import annotations

import datetime as dt
import random

SUBJECT_WORDS = """
درخواست گزارش بررسی پیگیری اعلام نظر تمدید قرارداد پرداخت صورت‌حساب بودجه سال جاری
اعتبارات تخصیص برگزاری جلسه کمیسیون شورای اداری استخدام نیروی انسانی مرخصی ماموریت
آموزش ضمن خدمت دوره تجهیزات رایانه‌ای نرم‌افزار سامانه اتوماسیون دبیرخانه بایگانی
انتقال پرونده تعمیرات ساختمان خرید کالا مناقصه مزایده ارزیابی عملکرد پروژه عمرانی
طرح توسعه راه روستایی آب شرب برق گاز مخابرات بهداشت درمان آموزش‌وپرورش دانشگاه
شهرداری فرمانداری بخشداری دهیاری استانداری اداره‌کل معاونت هماهنگی امور مالی
حقوقی قضایی شکایت پاسخ استعلام مدارک تحصیلی گواهی سلامت پروانه کسب مجوز بهره‌برداری
صدور کارت بازنشستگی بیمه تامین اجتماعی یارانه حمایت معیشتی سیل زلزله بحران
""".split()

BODY_WORDS = """
با سلام و احترام به استحضار می‌رساند پیرو نامه شماره مورخ در خصوص موضوع فوق
خواهشمند است دستور فرمایید نسبت به اقدام لازم انجام و نتیجه را به این اداره اعلام
نمایید مقتضی است مراتب را بررسی و گزارش آن را ارسال کنید ضمنا یادآوری می‌شود مهلت
پاسخگویی پایان هفته جاری است لازم به ذکر است اعتبار مورد نیاز از محل ردیف بودجه
تامین خواهد شد کارشناسان این دفتر آمادگی دارند جلسه هماهنگی با حضور نمایندگان دستگاه‌های
اجرایی برگزار گردد تصویر مستندات پیوست تقدیم می‌گردد بدیهی است هرگونه تاخیر موجب
توقف پروژه و افزایش هزینه‌ها خواهد شد از همکاری صمیمانه شما سپاسگزاریم رونوشت جهت
اطلاع معاونت برنامه‌ریزی ارسال می‌شود قرارداد پیمانکار تعدیل مبلغ ریال میلیون تومان
صورت‌جلسه کمیسیون ماده تبصره قانون آیین‌نامه اجرایی بخشنامه دستورالعمل ابلاغ شده
سامانه ثبت درخواست متقاضی کد رهگیری دفتر پیشخوان دولت شهروندان خدمات الکترونیک
""".split()

SENDERS = [
    "اداره کل راه و شهرسازی", "شرکت آب و فاضلاب", "دانشگاه علوم پزشکی", "فرمانداری اهواز",
    "شهرداری دزفول", "اداره کل آموزش و پرورش", "سازمان تامین اجتماعی", "شرکت توزیع نیروی برق",
    "اداره کل منابع طبیعی", "سازمان مدیریت و برنامه‌ریزی", "دادگستری استان", "بنیاد مسکن انقلاب اسلامی",
    "اداره کل میراث فرهنگی", "شرکت مخابرات ایران", "اداره کل بهزیستی", "سازمان جهاد کشاورزی",
]

_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def arabic_letters(text: str) -> str:
    """The same text as typed on an Arabic keyboard (ي and ك)."""
    return text.translate(_ARABIC)


def _weights(n: int) -> list[float]:
    return [1 / (rank + 1) ** 0.9 for rank in range(n)]


class Generator:
    def __init__(self, seed: int = 1405):
        self.rnd = random.Random(seed)
        self.subject_words = list(SUBJECT_WORDS)
        self.body_words = list(BODY_WORDS)
        self.rnd.shuffle(self.subject_words)
        self.subject_w = _weights(len(self.subject_words))
        self.body_w = _weights(len(self.body_words))
        self._normalized: dict[str, str] = {}

    def normalized(self, text: str) -> str:
        """normalize(text), word by word through a cache: a million letters' worth of normalize() is
        minutes of CPU. Equal to normalize(text) while no corpus word is an affix alone (no word
        here is); letter_values checks it on a sample of rows."""
        from dabir.core.text import normalize

        out = []
        for word in text.split():
            folded = self._normalized.get(word)
            if folded is None:
                folded = self._normalized[word] = normalize(word)
            if folded:
                out.append(folded)
        return " ".join(out)

    def words(self, k: int, *, subject=True) -> list[str]:
        pool, weights = (self.subject_words, self.subject_w) if subject else (self.body_words, self.body_w)
        return self.rnd.choices(pool, weights=weights, k=k)

    def number_text(self) -> str:
        value = str(self.rnd.choice([self.rnd.randint(1398, 1405), self.rnd.randint(10, 9999),
                                     self.rnd.randint(100000, 99999999)]))
        return value.translate(_PERSIAN_DIGITS) if self.rnd.random() < 0.5 else value

    def subject(self) -> str:
        parts = self.words(self.rnd.randint(3, 7))
        if self.rnd.random() < 0.3:
            parts.insert(self.rnd.randint(0, len(parts)), self.number_text())
        return " ".join(parts)

    def body(self) -> str:
        parts = self.words(self.rnd.randint(25, 60), subject=False)
        for _ in range(self.rnd.randint(0, 3)):
            parts.insert(self.rnd.randint(0, len(parts)), self.number_text())
        # A handful of subject words in the body, as real letters repeat their subject.
        for w in self.words(self.rnd.randint(1, 4)):
            parts.insert(self.rnd.randint(0, len(parts)), w)
        text = " ".join(parts)
        return arabic_letters(text) if self.rnd.random() < 0.15 else text

    def sender_number(self) -> str:
        return f"{self.rnd.randint(1, 9999)}/{self.rnd.randint(10, 99)}/{self.rnd.choice('صودن')}"

    def moment(self, now: dt.datetime, days: int = 365) -> dt.datetime:
        return now - dt.timedelta(seconds=self.rnd.randint(0, days * 86400))

    def query(self) -> str:
        """A search as a user types it: 1-3 real words, sometimes with Arabic letters, sometimes a number."""
        roll = self.rnd.random()
        if roll < 0.1:
            return str(self.rnd.randint(1398, 1405))
        k = self.rnd.choices([1, 2, 3], weights=[6, 3, 1])[0]
        words = self.words(k) if self.rnd.random() < 0.7 else self.words(k, subject=False)
        q = " ".join(words)
        return arabic_letters(q) if roll > 0.85 else q


def letter_rows(world, n: int, gen: Generator, *, now: dt.datetime, counters: dict | None = None):
    """Yield n unsaved registered Letter objects in world's secretariat, numbered per series and year."""
    from dabir.letters.models import Letter

    for values in letter_values(world, n, gen, now=now, counters=counters):
        yield Letter(**values)


def letter_values(world, n: int, gen: Generator, *, now: dt.datetime, counters: dict | None = None):
    """The same letters as letter_rows, as {column attname: stored value} (what COPY writes, without
    building a model per row: a million letters are generated in minutes)."""
    from dabir.core.jalali import TEHRAN, jalali_year
    from dabir.core.text import normalize
    from dabir.letters.models import Channel, Classification, Kind, Status

    counters = {} if counters is None else counters
    series = {Kind.INCOMING: world.incoming, Kind.OUTGOING: world.outgoing, Kind.INTERNAL: world.internal}
    kinds = [Kind.INCOMING.value, Kind.OUTGOING.value, Kind.INTERNAL.value]
    series = {k.value: s for k, s in series.items()}
    classes = [Classification.UNCLASSIFIED.value, Classification.RESTRICTED.value,
               Classification.CONFIDENTIAL.value, Classification.SECRET.value]
    statuses = [Status.REGISTERED.value, Status.CLOSED.value, Status.ARCHIVED.value, Status.DISPATCHED.value]
    channels = [c.value for c in (Channel.POST, Channel.FAX, Channel.EMAIL, Channel.NETWORK, Channel.COUNTER)]
    years: dict = {}  # Jalali year per Tehran day: jdatetime per row costs more than the rest of a row
    rnd = gen.rnd
    for i in range(n):
        kind = rnd.choices(kinds, weights=[5, 3, 2])[0]
        s = series[kind]
        at = gen.moment(now)
        day = at.astimezone(TEHRAN).date()
        year = years.get(day) or years.setdefault(day, jalali_year(at))
        key = (s.id, year)
        counters[key] = counters.get(key, 0) + 1
        seq = counters[key]
        number = s.format(year=year, seq=seq)
        subject, body = gen.subject(), gen.body()
        keywords = " ".join(gen.words(2))
        incoming = kind == Kind.INCOMING
        sender = rnd.choice(SENDERS) if incoming else ""
        sender_number = gen.sender_number() if incoming else ""
        status = Status.REGISTERED.value if incoming else rnd.choice(statuses)
        text = " ".join(p for p in (number, subject, body, keywords, sender, sender_number) if p)
        search_text = gen.normalized(text)
        if i % 500 == 0 and search_text != normalize(text):  # the shortcut must index what services would
            raise AssertionError(f"normalize() is not word by word for {text!r}")
        yield {
            "kind": kind, "status": status, "agency_id": world.agency.id, "secretariat_id": world.secretariat.id,
            "series_id": s.id, "year": year, "seq": seq, "number": number, "registered_at": at,
            "registered_by_id": world.clerk.id, "subject": subject[:500], "body": body, "keywords": keywords,
            "classification": rnd.choices(classes, weights=[85, 9, 4, 2])[0],
            "created_by_id": world.clerk.id, "author_position_id": None if incoming else world.clerk_pos.id,
            "sender_name": sender, "sender_number": sender_number,
            "channel": rnd.choice(channels) if incoming else Channel.SYSTEM.value,
            "received_at": at if incoming else None, "created_at": at,
            "search_text": search_text,
        }
