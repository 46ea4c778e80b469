"""Every write of the channels app, one module per use case: polling (mailboxes into the intake queue),
intake (register or discard what came), sending (e-mail and fax out), post (dispatch list, receipts
and returns), ocr (reading scans), contacts (the address book)."""
