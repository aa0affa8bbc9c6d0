"""The errors a user can fix, each with its message in English and Chinese and a code for scripts."""

from indexer.integrity import StoreError


class SearchError(Exception):
    """A problem the user can fix; the message says how, `zh` says it in Chinese, `code` names it for scripts."""

    status, code = 400, "bad_query"

    def __init__(self, message: str, zh: str | None = None):
        super().__init__(message)
        self.zh = zh or message


class NoIndex(SearchError):
    """There is no index to search yet, or it cannot be read."""

    status, code = 503, "no_index"


class UnknownSpeech(SearchError):
    """No speech has this id."""

    status, code = 404, "not_found"

    def __init__(self, speech_id: str):
        super().__init__(f"no speech has the id {speech_id!r}; `speeches list` shows every id", f"没有编号为 {speech_id} 的讲话")


class UnknownSnapshot(SearchError):
    """No snapshot has this id."""

    status, code = 404, "not_found"


class QueryTooBroad(SearchError):
    """The query took longer than the query time limit: no partial counts are given."""

    status, code = 503, "too_broad"


class DamagedIndex(SearchError):
    """An index file is damaged: the message names it and the cure (`speeches index --full`)."""

    status, code = 503, "damaged_index"

    def __init__(self, error: StoreError):
        super().__init__(str(error), f"索引文件已损坏（{error.file}）：请运行 speeches index --full 重建索引")


class OlderIndex(SearchError):
    """The index was built by an older version of speeches, in files this version does not read: rebuild it."""

    status, code = 503, "older_index"

    def __init__(self, error: StoreError):
        super().__init__(str(error), "索引由旧版本的 speeches 建立，本版本读不了这部分：请运行 speeches index --full 重建索引")


class ShardUnavailable(SearchError):
    """A shard did not answer; no partial answer is given."""

    status, code = 503, "shard_unavailable"


def positive_int(value, name: str, allow_zero: bool = False) -> int:
    """Return a whole number from 1 (or 0) to a million, or raise SearchError naming the argument."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SearchError(f"{name} must be a whole number, not {value!r}", f"{name} 必须是整数，不能是 {value!r}") from None
    if number < (0 if allow_zero else 1) or number > 10**6:
        raise SearchError(f"{name} must be between {0 if allow_zero else 1} and 1000000, not {number}",
                          f"{name} 必须在 {0 if allow_zero else 1} 到 1000000 之间，不能是 {number}")
    return number


def check_choice(value: str, choices: tuple, what: str) -> str:
    """Return a value that is one of the choices, or raise SearchError listing them."""
    if value not in choices:
        raise SearchError(f"unknown {what} {value!r}; use one of {', '.join(choices)}",
                          f"没有“{value}”这种{'排序' if what == 'sort' else '单位'}；可用 {'、'.join(choices)}")
    return value
