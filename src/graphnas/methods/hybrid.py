"""The hybrid search of seed 000: REINFORCE exploration, then the space restricted to what
the best explored graphs agree on, a supergraph over it (differentiable exploitation) whose
discretised graph is trained from scratch, then exploration again until the search time ends.

Options (``--strategy-option``): ``explore_share`` (0.55 of the search time, or 80% of the
trials), ``exploit_share`` (0.3: the supergraph's share, less where exploration ran over, so
that its discretised graph's trial ends with the search time), ``top_k`` and ``min_votes``
(the restriction, see :mod:`.supergraph`), ``order`` and ``sequence_memory`` (the
supergraph's, see :class:`graphnas.differentiable.DiffConfig`); any other option is
REINFORCE's. The supergraph trains on one worker while the others go on exploring; what it
leaves of the search time goes back to exploration, which resumes where it stopped.
"""

from __future__ import annotations

from typing import Any

from graphnas.spaces import Space
from graphnas.strategies import STRATEGIES

from .ask_tell import AskTellPhase, check_strategy_options
from .base import Method, Phase
from .differentiable import supergraph_config
from .exploit import TrainDiscretised
from .settings import SearchSettings
from .supergraph import RestrictPhase, SupergraphPhase
from .types import check_options, option_names

EXPLORER = "reinforce"


def _options(top_k: int = 5, min_votes: int = 2, explore_share: float = 0.55,
             exploit_share: float = 0.3, order: str = "first",
             sequence_memory: str = "ticks") -> dict[str, Any]:
    return dict(locals())


def explored_trials(trials: int) -> int:
    """The first exploration's trials: 80% of the search's."""
    return max(2, int(trials * 0.8))


def more_trials(trials: int) -> int:
    """Exploration's trials in all: all but the discretised graph's."""
    return max(explored_trials(trials), trials - 1)


class Hybrid(Method):
    name = "hybrid"
    multi_fidelity = True  # its exploration trains in rungs with --fidelity
    help = ("REINFORCE exploration, then differentiable search over the space restricted to "
            "the best explored graphs, then exploration again (the default).")

    def plan(self, settings: SearchSettings, space: Space) -> list[Phase]:
        own = {k: v for k, v in settings.strategy_options.items() if k in _options()}
        rest = {k: v for k, v in settings.strategy_options.items() if k not in own}
        check_options(_options, own, "hybrid")
        known = [*_options(), *option_names(STRATEGIES[EXPLORER], skip=2)]
        unknown = [k for k in rest if k not in known]
        if unknown:
            raise ValueError(f"hybrid: unknown option {unknown[0]!r}; known: "
                             f"{', '.join(sorted(known))}")
        check_strategy_options(EXPLORER, rest, "hybrid")
        o = _options(**own)
        diff = supergraph_config(o["order"], o["sequence_memory"], space)
        explore = AskTellPhase("explore", EXPLORER, rest, o["explore_share"], explored_trials,
                               "REINFORCE exploration")
        return [explore,
                RestrictPhase(o["top_k"], o["min_votes"]),
                SupergraphPhase(diff, o["exploit_share"], 400, True,
                                AskTellPhase("explore", EXPLORER, rest, 1.0, more_trials,
                                             "REINFORCE exploration beside the supergraph")),
                TrainDiscretised(),
                AskTellPhase("explore", EXPLORER, rest, 1.0, more_trials,
                             "REINFORCE exploration, continued")]
