"""The supervision demo's data: the Khuzestan agencies seed 000 names beside the four of the demo, one
agency in Tehran, the national supervising office, the supervisors, and each agency's habits over the
year (a profile), so the paperless ranking tells a story.

Plain data; dabir.demo.stats turns it into rows.
"""

PROVINCE = "خوزستان"
TEHRAN = "تهران"

# Supervisors (stats.Supervisor): (username, first, last, level, province, office agency key).
SUPERVISORS = [
    ("nazer.ostan", "فرشته", "عبیات", "province", PROVINCE, "os"),
    ("nazer.keshvar", "حمید", "ملک‌زاده", "national", "", "nezarat"),
]

# New agencies: (key, name, code, province, address, head title, [deputy (manager) titles],
# [staff titles], secretariat code). Each gets a head office unit, one unit per deputy, a secretariat
# unit with its clerk, three number series, a holder for every position.
AGENCIES = [
    ("khorramshahr", "فرمانداری خرمشهر", "khz-farmandari-khorramshahr", PROVINCE, "خرمشهر، خیابان فردوسی",
     "فرماندار خرمشهر", ["معاون سیاسی، امنیتی و اجتماعی", "معاون توسعه و برنامه‌ریزی"],
     ["کارشناس امور شوراها", "کارشناس برنامه‌ریزی", "کارشناس امور اجتماعی"], "KHR"),
    ("abadan", "فرمانداری آبادان", "khz-farmandari-abadan", PROVINCE, "آبادان، خیابان امیری",
     "فرماندار آبادان", ["معاون سیاسی، امنیتی و اجتماعی", "معاون توسعه و برنامه‌ریزی"],
     ["کارشناس امور انتخابات", "کارشناس عمرانی", "کارشناس امور بانوان"], "ABD"),
    ("mahshahr", "فرمانداری بندر ماهشهر", "khz-farmandari-mahshahr", PROVINCE, "بندر ماهشهر، بلوار طالقانی",
     "فرماندار بندر ماهشهر", ["معاون سیاسی، امنیتی و اجتماعی"],
     ["کارشناس امور بندری و منطقه ویژه", "کارشناس امور اجتماعی", "کارشناس برنامه‌ریزی"], "MSH"),
    ("karun", "فرمانداری کارون", "khz-farmandari-karun", PROVINCE, "کارون، شهر کوت عبدالله",
     "فرماندار کارون", ["معاون سیاسی، امنیتی و اجتماعی"],
     ["کارشناس امور روستایی", "کارشناس امور شوراها"], "KRN"),
    ("maliat", "اداره کل امور مالیاتی استان خوزستان", "khz-maliat", PROVINCE, "اهواز، کیانپارس، خیابان ۱۲ غربی",
     "مدیرکل امور مالیاتی استان", ["معاون مالیات‌های مستقیم", "معاون فنی و حقوقی"],
     ["ممیز کل مالیاتی", "کارشناس ارزش افزوده", "کارشناس حقوقی", "کارشناس فناوری اطلاعات"], "MLT"),
    ("jundishapur", "دانشگاه علوم پزشکی جندی‌شاپور اهواز", "khz-jundishapur", PROVINCE,
     "اهواز، بلوار گلستان", "رئیس دانشگاه", ["معاون درمان", "معاون توسعه مدیریت و منابع"],
     ["کارشناس امور بیمارستان‌ها", "کارشناس امور اداری", "کارشناس بودجه"], "JSU"),
    ("naft", "شرکت ملی مناطق نفت‌خیز جنوب", "khz-nisoc", PROVINCE, "اهواز، خیابان فتحی",
     "مدیرعامل شرکت", ["مدیر تولید", "مدیر منابع انسانی"],
     ["کارشناس بهره‌برداری", "کارشناس قراردادها", "کارشناس منابع انسانی", "کارشناس ایمنی"], "NSC"),
    ("hafari", "شرکت ملی حفاری ایران", "khz-nidc", PROVINCE, "اهواز، کوی نفت",
     "مدیرعامل شرکت حفاری", ["مدیر عملیات حفاری"], ["کارشناس عملیات", "کارشناس تدارکات"], "NDC"),
    ("bargh", "شرکت توزیع نیروی برق اهواز", "khz-bargh-ahvaz", PROVINCE, "اهواز، خیابان انقلاب",
     "مدیرعامل شرکت توزیع", ["معاون بهره‌برداری", "معاون خدمات مشترکین"],
     ["کارشناس شبکه توزیع", "کارشناس مشترکین", "کارشناس حقوقی"], "BRQ"),
    ("rahdari", "اداره کل راهداری و حمل و نقل جاده‌ای استان خوزستان", "khz-rahdari", PROVINCE,
     "اهواز، جاده اهواز ـ خرمشهر", "مدیرکل راهداری", ["معاون راهداری"],
     ["کارشناس نگهداری راه", "کارشناس حمل و نقل"], "RHD"),
    ("bonyad", "بنیاد شهید و امور ایثارگران استان خوزستان", "khz-bonyad-shahid", PROVINCE,
     "اهواز، خیابان سلمان فارسی", "مدیرکل بنیاد شهید", ["معاون فرهنگی و آموزشی"],
     ["کارشناس امور ایثارگران", "کارشناس امور درمان"], "BSH"),
    ("fanni", "اداره کل آموزش فنی و حرفه‌ای استان خوزستان", "khz-fanni-herfei", PROVINCE,
     "اهواز، بلوار پاسداران", "مدیرکل آموزش فنی و حرفه‌ای", ["معاون آموزش"],
     ["کارشناس آموزش", "کارشناس آزمون و سنجش"], "FNH"),
    ("dadgostari", "دادگستری کل استان خوزستان", "khz-dadgostari", PROVINCE, "اهواز، خیابان امام",
     "رئیس کل دادگستری استان", ["معاون قضایی", "معاون توسعه منابع و پشتیبانی"],
     ["کارشناس امور قضایی", "کارشناس امور اداری", "کارشناس ابلاغ"], "DGS"),
    ("tehran", "شهرداری تهران", "thr-shahrdari", TEHRAN, "تهران، خیابان بهشت",
     "شهردار تهران", ["معاون شهرسازی و معماری", "معاون برنامه‌ریزی و توسعه شهری"],
     ["کارشناس شهرسازی", "کارشناس برنامه‌ریزی", "کارشناس امور شوراها"], "THR"),
    ("nezarat", "دبیرخانه نظارت نهاد ریاست جمهوری", "ir-nezarat-dabirkhaneh", TEHRAN,
     "تهران، خیابان پاستور", "مدیرکل دبیرخانه مرکزی ریاست جمهوری", ["معاون نظارت بر دبیرخانه‌ها"],
     ["کارشناس نظارت و ارزیابی", "کارشناس فناوری اطلاعات"], "NZR"),
]

# The four agencies of the demo keep their own series for the letters made through the services;
# their history before them came from the secretariat's previous system, in series of their own
# (inactive now), so numbers still follow registration time in every series.
OLD_SERIES = [("وارده (سامانه پیشین)", "وپ", ["incoming"]), ("صادره (سامانه پیشین)", "صپ", ["outgoing"]),
              ("داخلی (سامانه پیشین)", "دپ", ["internal"])]

# Habits. A pair is (first month, last month): the months between move in a straight line. volume: letters over the year; e_in / e_out: share of incoming that arrives and of
# outgoing that leaves electronically; sign: share of outgoing signed digitally in the system; prints:
# share of letters printed, mean pages per copy and copies per print; managers: share of the managers who refer
# in the system (the others' letters are referred by the secretariat on their paper order); read: median hours to read a referral; late: share
# of referrals acted on after their deadline; connected: a member of the exchange network.
PROFILES = {
    # nearly paperless: the leader
    "khorramshahr": dict(volume=380, e_in=(.95, .97), e_out=(.95, .98), sign=(.96, .98), prints=(.04, .04),
                         pages=(1, 1), copies=(1, 1), managers=(.95, .95), read=2, late=.03, connected=True),
    "maliat": dict(volume=480, e_in=(.84, .88), e_out=(.85, .88), sign=(.85, .88), prints=(.12, .1), pages=(1.5, 1.5),
                   copies=(1, 1), managers=(.85, .9), read=4, late=.06, connected=True),
    "naft": dict(volume=500, e_in=(.8, .84), e_out=(.82, .86), sign=(.84, .88), prints=(.18, .15), pages=(1.5, 1.5),
                 copies=(1, 1), managers=(.7, .75), read=6, late=.08, connected=True),
    "abadan": dict(volume=300, e_in=(.8, .85), e_out=(.8, .84), sign=(.82, .86), prints=(.15, .12), pages=(1.5, 1.5),
                   copies=(1, 1), managers=(.8, .8), read=5, late=.07, connected=True),
    "tehran": dict(volume=400, e_in=(.86, .88), e_out=(.86, .9), sign=(.86, .9), prints=(.08, .06), pages=(1, 1),
                   copies=(1, 1), managers=(.9, .9), read=3, late=.05, connected=True),
    "nezarat": dict(volume=150, e_in=(.88, .9), e_out=(.9, .92), sign=(.9, .92), prints=(.05, .05),
                    pages=(1, 1), copies=(1, 1), managers=(.95, .95), read=2, late=.02, connected=True),
    "hafari": dict(volume=280, e_in=(.7, .72), e_out=(.68, .7), sign=(.7, .7), prints=(.25, .25), pages=(1.5, 1.5),
                   copies=(1, 1), managers=(.6, .6), read=10, late=.12, connected=True),
    # prints a lot (medical files and committees), signs half on paper
    "jundishapur": dict(volume=450, e_in=(.75, .77), e_out=(.62, .66), sign=(.55, .6), prints=(.55, .5),
                        pages=(2.5, 2.5), copies=(1.3, 1.3), managers=(.5, .55), read=12, late=.15, connected=True),
    # the year's story: from paper to nearly paperless
    "mahshahr": dict(volume=260, e_in=(.25, .93), e_out=(.2, .92), sign=(.1, .9), prints=(.8, .08), pages=(3, 1),
                     copies=(2, 1), managers=(.3, .9), read=(30, 4), late=.1, connected=True),
    "bargh": dict(volume=400, e_in=(.4, .76), e_out=(.35, .72), sign=(.2, .7), prints=(.6, .3), pages=(2, 1),
                  copies=(1, 1), managers=(.4, .7), read=(16, 8), late=.12, connected=True),
    # managers who never sign or refer in the system
    "karun": dict(volume=180, e_in=(.5, .52), e_out=(.45, .48), sign=(0, 0), prints=(.5, .5), pages=(2, 2),
                  copies=(1, 1), managers=(0, 0), read=20, late=.18, connected=True),
    # slow readers
    "bonyad": dict(volume=220, e_in=(.55, .57), e_out=(.5, .52), sign=(.4, .4), prints=(.4, .4), pages=(1.5, 1.5),
                   copies=(1, 1), managers=(.5, .5), read=72, late=.35, connected=True),
    "fanni": dict(volume=160, e_in=(.35, .38), e_out=(.3, .32), sign=(.2, .2), prints=(.7, .7), pages=(2.5, 2.5),
                  copies=(1, 1), managers=(.3, .3), read=30, late=.25, connected=True),
    # prints everything and sends by post
    "rahdari": dict(volume=240, e_in=(.3, .32), e_out=(.2, .22), sign=(.05, .05), prints=(.95, .95), pages=(4, 4),
                    copies=(1.4, 1.4), managers=(.2, .2), read=24, late=.2, connected=True),
    # not connected to the exchange: paper, prints in copies, signatures on paper — the last
    "dadgostari": dict(volume=350, e_in=(.12, .15), e_out=(.08, .1), sign=(0, 0), prints=(.95, .95), pages=(4.5, 4.5),
                       copies=(2.5, 2.5), managers=(.1, .1), read=48, late=.3, connected=False),
    # the four agencies of the demo, for their months before the letters made through the services
    "os": dict(volume=320, e_in=(.8, .86), e_out=(.82, .88), sign=(.85, .9), prints=(.15, .12), pages=(1.5, 1.5),
               copies=(1, 1), managers=(.8, .85), read=5, late=.08, connected=True),
    "sh": dict(volume=260, e_in=(.7, .75), e_out=(.65, .72), sign=(.7, .75), prints=(.2, .2), pages=(1.5, 1.5),
               copies=(1, 1), managers=(.65, .7), read=8, late=.1, connected=True),
    "fa": dict(volume=200, e_in=(.6, .66), e_out=(.55, .6), sign=(.6, .65), prints=(.3, .25), pages=(1.5, 1.5),
               copies=(1, 1), managers=(.6, .6), read=10, late=.12, connected=True),
    "sa": dict(volume=200, e_in=(.55, .6), e_out=(.5, .55), sign=(.55, .6), prints=(.3, .3), pages=(1.5, 1.5),
               copies=(1, 1), managers=(.5, .55), read=12, late=.12, connected=True),
}

# Fictitious people for the new agencies' positions (first names and family names, combined in turn).
FIRST_NAMES = [
    "محمدرضا", "زهرا", "عبدالله", "مریم", "حسین", "فاطمه", "علی", "نرگس", "کریم", "سمیرا", "جاسم", "لیلا",
    "مهدی", "رقیه", "یوسف", "الهام", "سعید", "کوثر", "عادل", "شیما", "مجید", "ندا", "رضا", "هدی",
]
LAST_NAMES = [
    "ساکی", "حیدری", "نیسی", "باوی", "کعبی", "موسوی", "چنانی", "بهبهانی", "دورقی", "عساکره", "شریفی",
    "زرگانی", "سواری", "طرفی", "کرمی", "امیری", "دهدشتی", "شوشتری", "مزرعه", "جزایری",
]

INCOMING_SUBJECTS = [
    "درخواست اعلام آمار عملکرد شش‌ماهه", "دعوت به جلسه کارگروه استانی", "اعلام نظر درباره پیش‌نویس دستورالعمل",
    "پیگیری مطالبات پیمانکار", "استعلام سوابق خدمتی کارمند", "ارسال صورت‌جلسه کمیسیون", "درخواست همکاری در برگزاری همایش",
    "اعلام اسامی نمایندگان", "گزارش بازدید از پروژه", "درخواست تمدید قرارداد", "ابلاغ بخشنامه کاهش مصرف کاغذ",
    "شکایت شهروند از تأخیر در پاسخ", "درخواست اطلاعات برای بودجه سال آینده", "اعلام برنامه آموزش ضمن خدمت",
]
OUTGOING_SUBJECTS = [
    "پاسخ به استعلام", "ارسال گزارش عملکرد", "معرفی نماینده برای کارگروه", "اعلام نیاز آموزشی کارکنان",
    "درخواست تخصیص اعتبار", "ارسال صورت‌جلسه", "پاسخ به شکایت شهروند", "اعلام آمادگی برای برگزاری جلسه",
    "درخواست پیگیری تعهدات", "ارسال فهرست طرح‌های اولویت‌دار", "اعلام وصول و اقدام",
]
INTERNAL_SUBJECTS = [
    "گزارش پیشرفت کار هفته", "درخواست مرخصی و معرفی جانشین", "هماهنگی جلسه شورای مدیران", "درخواست خرید تجهیزات",
    "ارسال پیش‌نویس پاسخ برای ملاحظه", "اعلام کمبود نیروی انسانی", "پیشنهاد اصلاح فرایند",
]
OUTSIDE_PARTIES = [
    "شرکت پیمانکاری کارون‌سازه", "شرکت مهندسی مشاور طرح و توسعه اروند", "اتاق بازرگانی اهواز",
    "سازمان مدیریت و برنامه‌ریزی استان خوزستان", "صدا و سیمای مرکز خوزستان", "بانک ملی ایران، مدیریت شعب اهواز",
    "آقای عبدالرضا ساکی", "خانم سکینه بهبهانی", "آقای جاسم چعب", "شرکت آب و فاضلاب اهواز",
]

# This month's letters that travel for real through the exchange, per sending agency (scaled with the
# history): the paperless agencies send most.
EXCHANGE_LETTERS = [("khorramshahr", 8), ("maliat", 6), ("naft", 6), ("abadan", 4), ("mahshahr", 5), ("tehran", 4),
                    ("nezarat", 3), ("bargh", 3), ("hafari", 2), ("jundishapur", 2)]
