"""A tiny Inspect AI task for completion-tui's log fixtures.

Three samples with targets, scored by `includes` (a plain substring check), so
the tiny random-weight model scores I (incorrect) and mockllm scores whatever
its default output gives. Epochs come from the command line (--epochs).
"""

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import generate, system_message


@task
def tiny_qa():
    return Task(
        dataset=[
            Sample(id="sky", input="The sky is", target="blue"),
            Sample(id="unicode", input="Say «héllo» 👋\nthen stop.", target="héllo"),
            Sample(id=3, input="2 + 2 =", target=["4", "four"]),
        ],
        solver=[system_message("You are terse."), generate()],
        scorer=includes(),
    )
