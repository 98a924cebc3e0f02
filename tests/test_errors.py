"""One error root: every error of the library a user can act on is a ``ReviewError``, and the
``review`` command turns one into its message on standard error and its exit status."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import review
from review.cli import main
from review.errors import ReviewError

# Exceptions that are control flow inside the library, never shown to a user, with the reason.
INTERNAL = {
    "review.store.transaction.Retry": "a write conflict the write path retries itself",
    "review.pubmed.eutils._Retry": "a failed request the E-utilities client retries itself",
}


def library_modules() -> list[str]:
    names = [review.__name__]
    for info in pkgutil.walk_packages(review.__path__, prefix="review."):
        if info.name != "review.__main__":  # running it is running the command
            names.append(info.name)
    return names


def defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in library_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name:
                found[f"{name}.{attr}"] = value
    return found


def test_every_error_a_user_can_act_on_is_a_review_error():
    found = defined_exceptions()
    # the walk sees the errors of every layer (a walk that found none would prove nothing)
    for expected in ("review.formats.base.FormatError", "review.project.ProjectError",
                     "review.store.engine.StoreError", "review.strategy.model.StrategyError",
                     "review.pubmed.eutils.EutilsError", "review.screening.model.ScreeningError",
                     "review.dedup.queue.PairError", "review.commands.context.CommandError"):
        assert expected in found
    assert set(INTERNAL) <= set(found), "an exempted class is gone: drop it from INTERNAL"
    stray = sorted(name for name, cls in found.items()
                   if name not in INTERNAL and not issubclass(cls, ReviewError))
    assert stray == [], f"errors a user can act on must subclass review.errors.ReviewError: {stray}"
    assert not any(issubclass(found[name], ReviewError) for name in INTERNAL)


def test_errors_that_were_builtin_kinds_stay_so():
    """Code catching the standard kind still catches them."""
    from review.dedup.queue import PairError
    from review.store.migrations import SchemaTooNewError

    assert issubclass(PairError, ValueError) and issubclass(SchemaTooNewError, RuntimeError)


def test_a_review_error_carries_its_message_and_status():
    assert (ReviewError("x").exit_status, str(ReviewError("x"))) == (1, "x")
    error = ReviewError("bad flag", exit_status=2)
    assert (error.exit_status, str(error)) == (2, "bad flag")


class _Raises:
    def __init__(self, error: BaseException):
        self.error = error

    def __call__(self, args):
        raise self.error


@pytest.fixture
def failing_command(monkeypatch):
    """``review status`` made to raise the given error."""
    import review.commands.core as core

    def use(error: BaseException) -> None:
        monkeypatch.setattr(core, "cmd_status", _Raises(error))

    return use


def test_the_command_prints_a_review_error_and_exits_with_its_status(failing_command, capsys):
    from review.commands.context import CommandError
    from review.formats import FormatError

    class NewKind(ReviewError):  # a subclass added later is caught with no registry to update
        exit_status = 2

    for error, status in [
        (FormatError("export.ris: line 3: no 'TY  - ' line"), 1),
        (CommandError("--map takes FIELD=COLUMN, not 'title'", 2), 2),
        (NewKind("a new kind of mistake"), 2),
    ]:
        failing_command(error)
        assert main(["status"]) == status
        captured = capsys.readouterr()
        assert captured.err == f"review: {error}\n" and captured.out == ""


def test_any_other_exception_is_a_bug_and_keeps_its_traceback(failing_command):
    failing_command(KeyError("oops"))
    with pytest.raises(KeyError):
        main(["status"])
