"""Rendered customer answers, kept until the customer's state or the policy changes.

An answer is a pure function of the stored state and the active policy (the
explanation reads no clock), and building it (parse the state, decide, explain,
serialize) costs about as much as the rest of a request. A replica answers the same
customers far more often than they change, so it keeps each 200 answer and drops it
when the changelog writes that customer or the policy switches. Bounded: the oldest
answers go first.
"""

from __future__ import annotations

from streams.http.replies import Handler, Reply, Request

MAX_ANSWERS = 50_000


class AnswerCache:
    def __init__(self, max_answers: int = MAX_ANSWERS) -> None:
        self.max_answers = max_answers
        self._answers: dict[str, Reply] = {}
        self.hits = 0

    def drop(self, customer_id: str) -> None:
        self._answers.pop(customer_id, None)

    def clear(self) -> None:
        self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)

    def cached(self, handler: Handler) -> Handler:
        """`handler` (a `/customers/{customer_id}` one) answering from the cache first."""

        async def answer(request: Request) -> Reply:
            if request.query:  # e.g. `?as_of=`: another answer than the current standing
                return await handler(request)
            customer_id = request.params.get("customer_id", "")
            reply = self._answers.get(customer_id)
            if reply is not None:
                self.hits += 1
                return reply
            reply = await handler(request)
            if reply.status == 200:
                if len(self._answers) >= self.max_answers:
                    self._answers.pop(next(iter(self._answers)))
                self._answers[customer_id] = reply
            return reply

        return answer
