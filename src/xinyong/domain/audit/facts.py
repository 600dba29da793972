"""What may enter the ledger as an event's facts: ids, codes, counts, states and hashes, never
personal content (:func:`check_facts`), and their stored text (:func:`encode_facts`, canonical JSON).

``FactsRefused`` is a programming error, not a refusal of a person's request: a service that passes a
name, a number or free text into the facts is at fault, and nothing is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from xinyong.domain.audit.canonical import LedgerError, canonical_json
from xinyong.domain.platform.citizen import is_citizen_id

__all__ = ["MAX_FACTS_BYTES", "PERSONAL_KEYS", "FactsRefused", "check_facts", "encode_facts"]

MAX_FACTS_BYTES = 4096

# Facts keys that carry personal content by their very name. Facts hold ids and hashes: a service
# that needs to refer to a person passes the subject id or a digest of the identifier
# (``services.subjects.identifier_digest``), never the name, the number or the contact details.
PERSONAL_KEYS = frozenset({
    "name", "display_name", "full_name", "person_name", "real_name", "legal_representative_name",
    "identifier", "identifier_value", "id_number", "id_no", "id_card", "citizen_id", "identity_number",
    "passport", "passport_number", "phone", "mobile", "telephone", "tel", "email", "address",
    "home_address", "birth_date", "date_of_birth", "birthday", "password", "token",
})
_MOBILE_RE = re.compile(r"(?:\+?86)?1[3-9]\d{9}\Z")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\Z")


class FactsRefused(LedgerError):
    """The facts would put personal content (or something that is not small JSON) into the ledger."""

    def __init__(self, path: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{path}: {message_zh}", f"{path}: {message_en}")
        self.path = path


def _check_value(value: Any, path: str, depth: int) -> None:
    if depth > 8:
        raise FactsRefused(path, "事实嵌套过深", "facts are nested too deeply")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FactsRefused(path, "数值必须有限", "numbers must be finite")
        return
    if isinstance(value, str):
        stripped = value.strip()
        if is_citizen_id(stripped):    # the one test (domain.platform.citizen)
            raise FactsRefused(path, "不得写入身份证号码，请写入其哈希值或主体编号",
                               "a citizen identity number may not enter the ledger: "
                               "pass its hash or the subject id")
        if _MOBILE_RE.match(stripped.replace(" ", "").replace("-", "")):
            raise FactsRefused(path, "不得写入手机号码", "a mobile phone number may not enter the ledger")
        if _EMAIL_RE.match(stripped):
            raise FactsRefused(path, "不得写入电子邮箱地址", "an e-mail address may not enter the ledger")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise FactsRefused(path, "事实的键必须是字符串", "facts keys must be strings")
            normal = key.strip().lower().replace("-", "_").replace(" ", "_")
            if normal in PERSONAL_KEYS:
                raise FactsRefused(f"{path}.{key}", "账本只记录事件事实和哈希，不记录个人信息",
                                   "the ledger holds event facts and hashes, never personal content")
            _check_value(item, f"{path}.{key}", depth + 1)
        return
    raise FactsRefused(path, f"不支持的类型 {type(value).__name__}",
                       f"unsupported type {type(value).__name__}: facts are plain JSON")


def check_facts(facts: Mapping[str, Any]) -> None:
    """Refuse facts that are not small plain JSON or that carry obviously personal content.

    The rule: facts hold ids, codes, counts, states and hashes. Refused are keys that name personal
    data (:data:`PERSONAL_KEYS`), string values that are a valid citizen identity number, a mobile
    number or an e-mail address, and anything over :data:`MAX_FACTS_BYTES` once encoded. The check
    is a safety net, not a licence: a service must not put names or free text in facts either.
    """
    if not isinstance(facts, Mapping):
        raise FactsRefused("facts", "事实必须是对象", "facts must be a JSON object")
    _check_value(facts, "facts", 0)


def encode_facts(facts: Mapping[str, Any] | None) -> str:
    """Check the facts and return their canonical JSON text (what is stored and hashed)."""
    facts = {} if facts is None else facts
    check_facts(facts)
    text = canonical_json(facts)
    if len(text.encode("utf-8")) > MAX_FACTS_BYTES:
        raise FactsRefused("facts", f"事实过大（上限 {MAX_FACTS_BYTES} 字节）",
                           f"facts too large (limit {MAX_FACTS_BYTES} bytes)")
    return text

