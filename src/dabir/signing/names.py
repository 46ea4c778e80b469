"""Persian names of the signing app's audit actions (see core.labels)."""

AUDIT_ACTIONS = {
    "signing.create_authority": "ایجاد مرجع صدور گواهی",
    "signing.import_authority": "ورود مرجع صدور گواهی",
    "signing.retire_authority": "کنار گذاشتن مرجع صدور گواهی",
    "signing.issue_certificate": "صدور گواهی امضا",
    "signing.import_certificate": "ورود گواهی امضا",
    "signing.revoke_certificate": "ابطال گواهی امضا",
    "signing.upload_signature_image": "بارگذاری تصویر امضا",
    "signing.set_circuit": "تعیین مسیر امضا",
    "signing.restart_circuit": "آغاز دوباره مسیر امضا",
    "signing.new_version": "ساخت نسخه نامه",
    "signing.sign": "امضای نامه",
    "signing.reject": "رد امضا",
}
