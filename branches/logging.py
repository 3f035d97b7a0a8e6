"""A logging filter that masks anything shaped like a resident ID before it is written."""

import logging
import re

_RID = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?![\dXx])")


def mask_text(text: str) -> str:
    return _RID.sub(lambda m: f"{m.group(1)}**********{m.group(2)}", text)


class MaskResidentIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        masked = mask_text(msg)
        if masked != msg:
            record.msg, record.args = masked, ()
        return True
