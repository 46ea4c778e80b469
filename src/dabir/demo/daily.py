"""The demo's daily-work part: ready margin notes and letter templates, notice preferences."""


def load(*, log=None) -> dict:
    from . import daily_notify, daily_writing

    return {"writing": daily_writing.load(log=log), "notify": daily_notify.load(log=log)}
