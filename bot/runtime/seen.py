"""A memo of what registration has already stored about people, so an unchanged fact is not
written again on every update.  ``/forget`` clears a person from it after erasing their data."""

from __future__ import annotations

from dataclasses import dataclass, field

Details = tuple[str, str | None, str | None]  # first name, username, Telegram language


@dataclass
class SeenPeople:
    _details: dict[int, Details] = field(default_factory=dict)
    _private: set[int] = field(default_factory=set)
    _members: set[tuple[int, int]] = field(default_factory=set)

    def person_is_current(self, user_id: int, details: Details, private: bool) -> bool:
        return self._details.get(user_id) == details and (not private or user_id in self._private)

    def remember_person(self, user_id: int, details: Details, private: bool) -> None:
        self._details[user_id] = details
        if private:
            self._private.add(user_id)

    def is_member(self, chat_id: int, user_id: int) -> bool:
        return (chat_id, user_id) in self._members

    def remember_membership(self, chat_id: int, user_id: int) -> None:
        self._members.add((chat_id, user_id))

    def forget_membership(self, chat_id: int, user_id: int) -> None:
        self._members.discard((chat_id, user_id))

    def forget(self, user_id: int) -> None:
        self._details.pop(user_id, None)
        self._private.discard(user_id)
        self._members = {key for key in self._members if key[1] != user_id}
