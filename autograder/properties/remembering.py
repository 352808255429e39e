"""Answers of trusted code remembered by a key, as replayed examples (engine/replay.py)
ask the same questions again: up to a limit of answers, all forgotten at once when full."""
import functools


def remembered_by(key_of, limit):
    """A decorator: `compute(*args)` computed once per `key_of(*args)`, for up to `limit`
    keys. Only for answers that cannot change, as the oracles' and the course's mistakes'."""
    def remembering(compute):
        answers = {}

        @functools.wraps(compute)
        def answer(*args):
            key = key_of(*args)
            if key not in answers:
                if len(answers) >= limit:
                    answers.clear()
                answers[key] = compute(*args)
            return answers[key]

        answer.forget = answers.clear
        return answer

    return remembering
